"""helpers.extended_query_tags against a live emulator (and the in-process app for timing)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from dicomweb_client import DICOMwebClient
from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from helpers.extended_query_tags import (
    ExtendedQueryTag,
    Operation,
    add_extended_query_tags,
    delete_extended_query_tag,
    get_extended_query_tag,
    get_operation,
    list_extended_query_tag_errors,
    list_extended_query_tags,
    update_extended_query_tag,
    wait_for_operation,
)
from tests.support.datasets import make_instance
from tests.support.extended_query_tags import paused, store

pytestmark = pytest.mark.live

SINGLE = {"Accept": "application/dicom+json", "Content-Type": "application/dicom"}
# Tags no other test sets, so that this module owns their values in the shared emulator.
OCCUPATION = {"path": "Occupation", "level": "Study"}
PRIVATE = {"path": "00C91001", "vr": "LO", "privateCreator": "WORKSHOP TEST", "level": "Series"}


@pytest.fixture
def base(live_emulator: str) -> Iterator[str]:
    """The live emulator's v2 root; the tags this module adds are removed afterwards."""
    url = f"{live_emulator}/v2"
    yield url
    session = requests.Session()
    for tag in list_extended_query_tags(session, url, limit=200):
        if tag.path in ("00102180", "00C91001"):
            delete_extended_query_tag(session, url, tag.path)


def test_add_wait_list_get_update_delete(base: str, capsys: pytest.CaptureFixture) -> None:
    session = requests.Session()
    study, occupation = generate_uid(), f"Baker {generate_uid()[-6:]}"
    body = make_instance(study, Occupation=occupation)
    assert session.post(f"{base}/studies", data=body, headers=SINGLE).status_code == 200

    reference = add_extended_query_tags(session, base, [OCCUPATION, PRIVATE])
    assert reference.href.endswith(f"/v2/operations/{reference.id}")
    final = wait_for_operation(session, reference, poll_interval=0.05, progress=True)
    assert isinstance(final, Operation) and final.succeeded
    assert final.status == "succeeded" and final.percent_complete == 100
    assert final.resources[0].endswith("/extendedquerytags/00102180")
    assert "reindex succeeded" in capsys.readouterr().err  # the progress bar

    tags = {t.path: t for t in list_extended_query_tags(session, base)}
    assert tags["00102180"] == ExtendedQueryTag(
        path="00102180", vr="SH", level="study", status="ready", query_status="enabled")
    assert tags["00C91001"].private_creator == "WORKSHOP TEST"
    assert get_extended_query_tag(session, base, "Occupation") == tags["00102180"]

    # The tag is searchable at once, with the real dicomweb-client.
    client = DICOMwebClient(base)
    found = client.search_for_studies(search_filters={"Occupation": occupation})
    assert [f["0020000D"]["Value"][0] for f in found] == [study]

    disabled = update_extended_query_tag(session, base, "Occupation", query_enabled=False)
    assert disabled.query_status == "disabled"
    with pytest.raises(requests.HTTPError) as refused:
        client.search_for_studies(search_filters={"Occupation": occupation})
    assert refused.value.response.text == "Query is disabled on specified attribute 'Occupation'."
    assert update_extended_query_tag(session, base, "00102180",
                                     query_enabled=True).query_status == "enabled"

    delete_extended_query_tag(session, base, "Occupation")
    with pytest.raises(requests.HTTPError, match="404") as error:
        get_extended_query_tag(session, base, "Occupation")
    assert "cannot be found" in str(error.value)


# pydicom warns (depending on its validation mode) when the test sets the invalid value.
@pytest.mark.filterwarnings("ignore:The value length")
def test_errors_of_a_reindex(base: str) -> None:
    session = requests.Session()
    sop = generate_uid()
    too_long = make_instance(sop=sop, Occupation="An occupation longer than SH allows")
    # v1 does not validate attributes that are not indexed: stored as it is.
    assert session.post(f"{base[:-3]}/v1/studies", data=too_long,
                        headers=SINGLE).status_code == 200
    reference = add_extended_query_tags(session, base, [OCCUPATION])
    wait_for_operation(session, reference.href, poll_interval=0.05, progress=False)
    tag = get_extended_query_tag(session, base, "Occupation")
    assert tag.query_status == "disabled" and tag.error_count >= 1
    assert tag.errors_href is not None and tag.errors_href.endswith("/00102180/errors")
    errors = list_extended_query_tag_errors(session, base, "Occupation", limit=200)
    mine = [e for e in errors if e.sop_instance_uid == sop]
    assert mine and mine[0].error_message == "Value length exceeds maximum length."
    assert mine[0].created_time is not None


def test_service_messages_reach_the_caller(base: str) -> None:
    session = requests.Session()
    with pytest.raises(requests.HTTPError, match="is already supported") as error:
        add_extended_query_tags(session, base, [{"path": "PatientName", "level": "Study"}])
    assert error.value.response.status_code == 400
    with pytest.raises(requests.HTTPError, match="409"):
        reference = add_extended_query_tags(session, base, [OCCUPATION])
        wait_for_operation(session, reference, poll_interval=0.05, progress=False)
        add_extended_query_tags(session, base, [OCCUPATION])


def test_v1_reports_completed(base: str) -> None:
    session = requests.Session()
    v1 = base[:-3] + "/v1"
    reference = add_extended_query_tags(session, v1, [PRIVATE])
    final = wait_for_operation(session, reference, poll_interval=0.05, progress=False)
    assert final.status == "completed" and final.succeeded


def test_wait_gives_up_after_its_timeout(http: TestClient) -> None:
    """The in-process app lets the test hold the reindex; the helper takes any client."""
    assert store(http, PatientAge="030Y") == 200
    with paused(http.app.state.components.reindexer):
        reference = add_extended_query_tags(http, "http://testserver/v2",
                                            [{"path": "PatientAge", "level": "Study"}])
        running = get_operation(http, reference)
        assert not running.finished and running.percent_complete == 0
        with pytest.raises(TimeoutError, match="raise timeout="):
            wait_for_operation(http, reference, timeout=0.2, poll_interval=0.05,
                               progress=False)
    assert wait_for_operation(http, reference, poll_interval=0.05, progress=False).succeeded
