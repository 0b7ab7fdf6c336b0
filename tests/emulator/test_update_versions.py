"""Bulk update: the original kept beside the latest, the change feed, delete, concurrent
requests on the same study, a restart in the middle, and UID updates (Learn, 2025)."""

from __future__ import annotations

import threading
from io import BytesIO
from pathlib import Path

import pytest
from pydicom import dcmread
from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from dicom_emulator import EmulatorSettings, create_app
from tests.support.datasets import make_dataset, to_bytes
from tests.support.extended_query_tags import store_dataset, wait_for_operation
from tests.support.headers import DICOM_JSON, STOW_SINGLE_PART
from tests.support.polling import wait_until
from tests.support.updates import (
    BULK_UPDATE,
    held,
    patient_name,
    start_update,
    store_study,
    update_and_wait,
)

ORIGINAL = {"msdicom-request-original": "true"}
ALL_SYNTAXES = {"Accept": 'multipart/related; type="application/dicom"; transfer-syntax=*'}


def _names(http: TestClient, path: str, **headers: str) -> list[str]:
    response = http.get(f"/v2{path}/metadata", headers={"Accept": DICOM_JSON, **headers})
    assert response.status_code == 200, response.text
    return sorted(m["00100010"]["Value"][0]["Alphabetic"] for m in response.json())


def _file_names(http: TestClient, path: str, **headers: str) -> list[str]:
    """PatientName of each file a multipart retrieve returns."""
    response = http.get(f"/v2{path}", headers={**ALL_SYNTAXES, **headers})
    assert response.status_code == 200
    boundary = response.headers["content-type"].split("boundary=")[1].strip('"')
    parts = response.content.split(b"--" + boundary.encode())[1:-1]
    return sorted(str(dcmread(BytesIO(p.split(b"\r\n\r\n", 1)[1][:-2])).PatientName)
                  for p in parts)


def _files_on_disk(settings: EmulatorSettings) -> int:
    return sum(1 for _ in settings.blob_dir.rglob("*.dcm"))


def _changes(http: TestClient) -> list[tuple[str, str, str]]:
    feed = http.get("/v2/changefeed", headers={"Accept": "application/json"}).json()
    return [(e["action"], e["state"], e["sopInstanceUid"]) for e in feed]


# -- the original --------------------------------------------------------------------------


def test_the_original_is_retrieved_with_the_header(http: TestClient) -> None:
    study, [(series, sop), _] = store_study(http, 2)
    update_and_wait(http, [study], patient_name("New^Name"))
    for path in (f"/studies/{study}", f"/studies/{study}/series/{series}"):
        assert _file_names(http, path) == ["New^Name", "New^Name"]
        assert _file_names(http, path, **ORIGINAL) == ["Doe^Jane", "Doe^Jane"]
        assert _names(http, path) == ["New^Name", "New^Name"]
        assert _names(http, path, **ORIGINAL) == ["Doe^Jane", "Doe^Jane"]
        assert _file_names(http, path, **{"msdicom-request-original": "false"}) == [
            "New^Name", "New^Name"]
    instance = f"/studies/{study}/series/{series}/instances/{sop}"
    single = http.get(f"/v2{instance}", headers={
        "Accept": "application/dicom; transfer-syntax=*", **ORIGINAL})
    assert dcmread(BytesIO(single.content)).PatientName == "Doe^Jane"
    assert _names(http, instance, **ORIGINAL) == ["Doe^Jane"]


def test_a_never_updated_instance_is_its_own_original(http: TestClient) -> None:
    study, _ = store_study(http, 1)
    assert _names(http, f"/studies/{study}", **ORIGINAL) == ["Doe^Jane"]


def test_intermediate_versions_are_not_kept(http: TestClient,
                                            settings: EmulatorSettings) -> None:
    study, _ = store_study(http, 2)
    update_and_wait(http, [study], patient_name("First^Fix"))
    assert _files_on_disk(settings) == 4  # two originals, two latest
    update_and_wait(http, [study], patient_name("Second^Fix"))
    assert _files_on_disk(settings) == 4
    assert _names(http, f"/studies/{study}", **ORIGINAL) == ["Doe^Jane", "Doe^Jane"]


def test_delete_removes_the_original_too(http: TestClient, settings: EmulatorSettings) -> None:
    study, [(series, sop)] = store_study(http, 1)
    update_and_wait(http, [study], patient_name("New^Name"))
    assert http.delete(f"/v2/studies/{study}").status_code == 204
    for headers in ({}, ORIGINAL):
        assert http.get(f"/v2/studies/{study}/series/{series}/instances/{sop}", headers={
            "Accept": "application/dicom; transfer-syntax=*", **headers}).status_code == 404
        assert http.get(f"/v2/studies/{study}/metadata",
                        headers={"Accept": DICOM_JSON, **headers}).status_code == 404
    assert _files_on_disk(settings) == 0


def test_an_upsert_replaces_both_versions(http: TestClient, settings: EmulatorSettings) -> None:
    study, [(series, sop)] = store_study(http, 1)
    update_and_wait(http, [study], patient_name("New^Name"))
    replacement = to_bytes(make_dataset(study, series, sop, PatientName="Put^Again"))
    assert http.put("/v2/studies", content=replacement,
                    headers=STOW_SINGLE_PART).status_code == 200
    assert _names(http, f"/studies/{study}") == ["Put^Again"]
    assert _names(http, f"/studies/{study}", **ORIGINAL) == ["Put^Again"]  # a new instance
    assert _files_on_disk(settings) == 1


def test_the_change_feed_has_update_entries_and_replaced_creates(http: TestClient) -> None:
    study, instances = store_study(http, 2)
    update_and_wait(http, [study], patient_name("New^Name"))
    sops = [sop for _, sop in instances]
    assert _changes(http) == [("Create", "Replaced", sops[0]), ("Create", "Replaced", sops[1]),
                              ("Update", "Current", sops[0]), ("Update", "Current", sops[1])]
    v1 = http.get("/v1/changefeed", params={"includemetadata": "true"},
                  headers={"Accept": "application/json"}).json()
    assert [e["action"] for e in v1] == ["Create", "Create", "Update", "Update"]
    assert v1[2]["metadata"]["00100010"]["Value"][0]["Alphabetic"] == "New^Name"
    latest = http.get("/v2/changefeed/latest", headers={"Accept": "application/json"}).json()
    assert (latest["action"], latest["state"]) == ("Update", "Current")


# -- concurrent requests ---------------------------------------------------------------------


def test_a_second_update_of_the_same_study_is_409(http: TestClient) -> None:
    study, _ = store_study(http, 1)
    other, _ = store_study(http, 1)
    with held(http.app.state.components.updater) as gate:
        body = start_update(http, [study], patient_name("First"))
        second = http.post(BULK_UPDATE, json={"studyInstanceUids": [other, study],
                                              "changeDataset": patient_name("Second")})
        assert second.status_code == 409
        assert second.text == f"There is already an active update operation with ID '{body['id']}'."
        assert second.headers["location"] == body["href"]
        # Another study may be updated meanwhile (Learn: one operation per study at a time).
        elsewhere = start_update(http, [other], patient_name("Elsewhere"))
        gate.release(2)
    wait_for_operation(http, body["href"])
    wait_for_operation(http, elsewhere["href"])
    assert _names(http, f"/studies/{study}") == ["First"]
    assert _names(http, f"/studies/{other}") == ["Elsewhere"]


def test_a_study_deleted_during_its_update_fails_the_operation(
        http: TestClient, settings: EmulatorSettings) -> None:
    study, _ = store_study(http, 2)
    with held(http.app.state.components.updater) as gate:
        body = start_update(http, [study], patient_name("New^Name"))
        assert gate.reached.wait(30)  # the new files are written, the index not switched
        assert http.delete(f"/v2/studies/{study}").status_code == 204
        gate.release()
    done = wait_for_operation(http, body["href"])
    assert done["status"] == "failed"
    assert done["results"] == {"studyProcessed": 1, "studyUpdated": 0, "studyFailed": 1,
                               "instanceUpdated": 0,
                               "errors": [f"Failed to update instances for study {study}"]}
    assert _files_on_disk(settings) == 0  # the new versions went with it
    assert http.get(f"/v2/studies/{study}/metadata",
                    headers={"Accept": DICOM_JSON}).status_code == 404


def test_an_instance_deleted_during_the_update_is_left_out(
        http: TestClient, settings: EmulatorSettings) -> None:
    study, [(series, gone), (_, kept)] = store_study(http, 2)
    with held(http.app.state.components.updater) as gate:
        body = start_update(http, [study], patient_name("New^Name"))
        assert gate.reached.wait(30)
        assert http.delete(f"/v2/studies/{study}/series/{series}/instances/{gone}"
                           ).status_code == 204
        gate.release()
    done = wait_for_operation(http, body["href"])
    assert (done["status"], done["results"]["instanceUpdated"]) == ("succeeded", 1)
    assert _names(http, f"/studies/{study}") == ["New^Name"]
    assert _files_on_disk(settings) == 2  # the kept instance's two versions, no orphan


def test_an_instance_stored_during_the_update_keeps_its_values(http: TestClient) -> None:
    study, [(series, _)] = store_study(http, 1)
    with held(http.app.state.components.updater) as gate:
        body = start_update(http, [study], patient_name("New^Name"))
        assert gate.reached.wait(30)
        assert store_dataset(http, make_dataset(study, series, PatientName="Late^Comer")) == 200
        gate.release()
    done = wait_for_operation(http, body["href"])
    assert done["results"]["instanceUpdated"] == 1
    assert _names(http, f"/studies/{study}") == ["Late^Comer", "New^Name"]


class _Crash(BaseException):
    """Ends the worker's thread where it is raised, as a crash would."""


def test_a_crash_between_a_studys_files_and_its_switch_is_redone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threading, "excepthook", lambda args: None)  # the crash is expected
    settings = EmulatorSettings(data_dir=tmp_path / "restart", auth=False)
    with TestClient(create_app(settings), base_url="http://testserver") as http:
        first, _ = store_study(http, 2)
        second, _ = store_study(http, 2)
        switches: list[int] = []

        def crash_before_the_second_switch() -> None:
            switches.append(1)
            if len(switches) == 2:  # the second study's new files are written
                raise _Crash

        http.app.state.components.updater.before_switch = crash_before_the_second_switch
        body = start_update(http, [first, second], patient_name("New^Name"))
        wait_until(lambda: len(switches) == 2, what="the second study's switch")
        state = http.get(body["href"])
        assert (state.status_code, state.json()["percentComplete"]) == (202, 50)
        assert _names(http, f"/studies/{first}") == ["New^Name", "New^Name"]
        assert _names(http, f"/studies/{second}") == ["Doe^Jane", "Doe^Jane"]
        assert _file_names(http, f"/studies/{second}") == ["Doe^Jane", "Doe^Jane"]
    with TestClient(create_app(settings), base_url="http://testserver") as http:
        done = wait_for_operation(http, body["href"])
        assert done["results"] == {"studyProcessed": 2, "studyUpdated": 2, "studyFailed": 0,
                                   "instanceUpdated": 4}
        for study in (first, second):
            assert _names(http, f"/studies/{study}") == ["New^Name", "New^Name"]
            assert _file_names(http, f"/studies/{study}") == ["New^Name", "New^Name"]
            assert _names(http, f"/studies/{study}", **ORIGINAL) == ["Doe^Jane", "Doe^Jane"]
        assert [c[0] for c in _changes(http)].count("Update") == 4  # each instance once
        # The crashed attempt's new files are orphans: start-up recovery removes them.
        wait_until(lambda: _files_on_disk(settings) == 8, what="4 originals and 4 latest")


# -- UID updates (Learn) ---------------------------------------------------------------------


def _uid(value: str) -> dict[str, object]:
    return {"vr": "UI", "Value": [value]}


def test_a_study_instance_uid_update_moves_the_whole_study(http: TestClient) -> None:
    study, instances = store_study(http, 2, series_count=2)
    new_study = generate_uid()
    done = update_and_wait(http, [study], {"0020000D": _uid(new_study)})
    assert done["results"]["instanceUpdated"] == 4
    assert http.get(f"/v2/studies/{study}/metadata",
                    headers={"Accept": DICOM_JSON}).status_code == 404
    found = http.get("/v2/studies", params={"StudyInstanceUID": new_study,
                                             "includefield": "NumberOfStudyRelatedInstances"},
                     headers={"Accept": DICOM_JSON}).json()
    assert found[0]["00201208"]["Value"] == [4]  # NumberOfStudyRelatedInstances
    originals = http.get(f"/v2/studies/{new_study}/metadata",
                         headers={"Accept": DICOM_JSON, **ORIGINAL}).json()
    assert {m["0020000D"]["Value"][0] for m in originals} == {study}
    series, sop = instances[0]
    moved = http.get(f"/v2/studies/{new_study}/series/{series}/instances/{sop}",
                     headers={"Accept": "application/dicom; transfer-syntax=*"})
    assert dcmread(BytesIO(moved.content)).StudyInstanceUID == new_study


def test_a_series_uid_update_moves_one_series(http: TestClient) -> None:
    study, instances = store_study(http, 1, series_count=2)
    (series, sop), (other_series, _) = instances
    new_series = generate_uid()
    update_and_wait(http, [study], {"0020000E": _uid(new_series)}, seriesInstanceUid=series)
    found = http.get(f"/v2/studies/{study}/series", headers={"Accept": DICOM_JSON}).json()
    assert sorted(s["0020000E"]["Value"][0] for s in found) == sorted([new_series, other_series])
    moved = http.get(f"/v2/studies/{study}/series/{new_series}/instances/{sop}/metadata",
                     headers={"Accept": DICOM_JSON}).json()
    assert moved[0]["0020000E"]["Value"] == [new_series]


def test_a_sop_instance_uid_update_changes_one_instance(http: TestClient) -> None:
    study, [(series, sop), (_, other)] = store_study(http, 2)
    new_sop = generate_uid()
    update_and_wait(http, [study], {"00080018": _uid(new_sop)}, seriesInstanceUid=series,
                    sopInstanceUid=sop)
    listed = http.get(f"/v2/studies/{study}/instances", headers={"Accept": DICOM_JSON}).json()
    assert sorted(i["00080018"]["Value"][0] for i in listed) == sorted([new_sop, other])
    moved = http.get(f"/v2/studies/{study}/series/{series}/instances/{new_sop}",
                     headers={"Accept": "application/dicom; transfer-syntax=*"})
    ds = dcmread(BytesIO(moved.content))
    assert ds.SOPInstanceUID == ds.file_meta.MediaStorageSOPInstanceUID == new_sop


def test_a_uid_update_fails_when_the_target_exists(http: TestClient) -> None:
    study, _ = store_study(http, 1)
    taken, _ = store_study(http, 1)
    done = update_and_wait(http, [study], {"0020000D": _uid(taken)})
    assert done["status"] == "failed"
    assert done["results"]["errors"] == [f"Failed to update instances for study {study}"]
    assert _names(http, f"/studies/{study}") == ["Doe^Jane"]


def test_uid_update_rules(http: TestClient) -> None:
    def refused(body: dict[str, object]) -> str:
        response = http.post(BULK_UPDATE, json=body)
        assert response.status_code == 400
        return response.text

    change = {"0020000D": _uid("1.2.3.9")}
    assert refused({"studyInstanceUids": ["1.2.3", "1.2.4"], "changeDataset": change}) == (
        "For updates involving UID changes, only one study can be updated in a single "
        "operation.")
    sop_change = {"00080018": _uid("1.2.3.9")}
    assert refused({"studyInstanceUids": ["1.2.3"], "changeDataset": sop_change,
                    "sopInstanceUid": "1.2.3.4.5"}) == (
        "SOP Instance UID updates require seriesInstanceUid.")
    assert refused({"studyInstanceUids": ["1.2.3"], "changeDataset": patient_name("X"),
                    "seriesInstanceUid": "1.2.3.4"}) == (
        "seriesInstanceUid and sopInstanceUid are only used by updates of UIDs.")
    assert refused({"studyInstanceUids": ["1.2.3"], "changeDataset": change,
                    "seriesInstanceUid": "1.2.x"}).startswith(
        "Dicom element 'SeriesInstanceUid' failed validation for VR 'UI'")
