"""Delete: 204 then 404 at each level; files go; nothing else is touched."""

from __future__ import annotations

import pytest
from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from dicom_emulator import EmulatorSettings
from tests.support.datasets import make_instance
from tests.support.headers import STOW_SINGLE_PART
from tests.support.uids import INVALID_UID


@pytest.fixture
def tree(http: TestClient) -> dict[str, str]:
    """Two studies; the first has two series, the first series two instances."""
    uids = {k: generate_uid() for k in ("study", "series", "sop", "sop2", "series2", "other")}
    for study, series, sop in [
        (uids["study"], uids["series"], uids["sop"]),
        (uids["study"], uids["series"], uids["sop2"]),
        (uids["study"], uids["series2"], generate_uid()),
        (uids["other"], generate_uid(), generate_uid()),
    ]:
        response = http.post("/v2/studies", content=make_instance(study, series, sop),
                             headers=STOW_SINGLE_PART)
        assert response.status_code == 200
    return uids


def count_files(settings: EmulatorSettings) -> int:
    return len(list(settings.blob_dir.rglob("*.dcm")))


def changefeed_actions(http: TestClient) -> list[int]:
    conn = http.app.state.components.index.reader()
    return [row[0] for row in conn.execute("SELECT action FROM changefeed ORDER BY sequence")]


def test_delete_instance_then_404(http: TestClient, tree: dict, settings: EmulatorSettings) -> None:
    url = f"/v2/studies/{tree['study']}/series/{tree['series']}/instances/{tree['sop']}"
    assert http.delete(url).status_code == 204
    assert count_files(settings) == 3
    second = http.delete(url)
    assert second.status_code == 404
    assert second.text == "The specified instance cannot be found."
    index = http.app.state.components.index
    assert index.instance_exists(tree["study"], tree["series"], tree["sop2"])
    assert changefeed_actions(http) == [0, 0, 0, 0, 1]


def test_delete_series_removes_only_that_series(
    http: TestClient, tree: dict, settings: EmulatorSettings
) -> None:
    url = f"/v1/studies/{tree['study']}/series/{tree['series']}"
    assert http.delete(url).status_code == 204
    assert count_files(settings) == 2
    assert http.delete(url).text == "The specified series cannot be found."
    index = http.app.state.components.index
    assert not index.series_exists(tree["study"], tree["series"])
    assert index.series_exists(tree["study"], tree["series2"])


def test_delete_study_removes_study_and_leaves_the_other(
    http: TestClient, tree: dict, settings: EmulatorSettings
) -> None:
    assert http.delete(f"/v2/studies/{tree['study']}").status_code == 204
    assert count_files(settings) == 1
    index = http.app.state.components.index
    assert not index.study_exists(tree["study"]) and index.study_exists(tree["other"])
    assert changefeed_actions(http).count(1) == 3
    assert http.delete(f"/v2/studies/{tree['study']}").status_code == 404


def test_restore_after_delete_succeeds(http: TestClient, tree: dict) -> None:
    url = f"/v2/studies/{tree['study']}/series/{tree['series']}/instances/{tree['sop']}"
    assert http.delete(url).status_code == 204
    again = make_instance(tree["study"], tree["series"], tree["sop"])
    assert http.post("/v2/studies", content=again, headers=STOW_SINGLE_PART).status_code == 200


@pytest.mark.parametrize(("path", "name"), [
    ("/v2/studies/abc", "StudyInstanceUid"), ("/v2/studies/1.2/series/1.x", "SeriesInstanceUid"),
    ("/v2/studies/1.2/series/1.3/instances/" + "1" * 65, "SopInstanceUid")])
def test_invalid_uid_is_400(http: TestClient, path: str, name: str) -> None:
    response = http.delete(path)
    assert (response.status_code, response.text) == (400, INVALID_UID.format(name))
