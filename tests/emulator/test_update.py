"""Bulk update: the request's statuses and messages (the service's words), the operation
and its results, what QIDO and WADO see after it, and roles.

Literal texts come from the service at eeefbe4: ``DicomCoreResource.resx``
(``MissingRequiredField``, ``DicomUpdateStudyInstanceUidsExceedMaxCount``,
``DicomUpdateTagValidationFailed``, ``ErrorMessageFormat``, ``ExistingOperation``),
EnsureThat's ``ArgumentNullException`` and ``UpdateDurableFunction``'s errors.
"""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path

import pytest
from pydicom import dcmread
from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from dicom_emulator import EmulatorSettings, create_app
from tests.support.datasets import make_dataset, make_instance
from tests.support.extended_query_tags import add_and_wait, store_dataset, wait_for_operation
from tests.support.headers import DICOM_JSON, STOW_SINGLE_PART
from tests.support.polling import wait_until
from tests.support.tokens import get_token, new_app
from tests.support.updates import (
    BULK_UPDATE,
    held,
    patient_name,
    start_update,
    store_study,
    update_and_wait,
)

ORIGINAL = {"msdicom-request-original": "true"}
INVALID_UID = ("Dicom element 'StudyInstanceUid' failed validation for VR 'UI': DICOM "
               "Identifier is invalid. Value length should not exceed the maximum length of "
               "64 characters. Value should contain characters in '0'-'9' and '.'. Each "
               "component must start with non-zero number.")


def _post(http: TestClient, body: object, **headers: str) -> tuple[int, str]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = http.post(BULK_UPDATE, content=raw,
                         headers={"Content-Type": "application/json", **headers})
    return response.status_code, response.text


def _metadata(http: TestClient, study: str, **headers: str) -> list[dict]:
    response = http.get(f"/v2/studies/{study}/metadata",
                        headers={"Accept": DICOM_JSON, **headers})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _names(metadata: list[dict]) -> list[str]:
    return sorted(m["00100010"]["Value"][0]["Alphabetic"] for m in metadata)


def _file(http: TestClient, study: str, series: str, sop: str, **headers: str):
    response = http.get(f"/v2/studies/{study}/series/{series}/instances/{sop}",
                        headers={"Accept": "application/dicom; transfer-syntax=*", **headers})
    assert response.status_code == 200
    return dcmread(BytesIO(response.content))


# -- the request ---------------------------------------------------------------------------


def test_202_with_the_operation_reference(http: TestClient) -> None:
    study, _ = store_study(http, 1)
    response = http.post(BULK_UPDATE, json={"studyInstanceUids": [study],
                                            "changeDataset": patient_name("New^Name")})
    assert response.status_code == 202
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert list(body) == ["id", "href"]
    assert body["href"] == f"http://testserver/v2/operations/{body['id']}"
    assert "location" not in response.headers  # StatusCode(202, reference): no header
    wait_for_operation(http, body["href"])


@pytest.mark.parametrize("prefix", ["v1", "v1.0", "v1.0-prerelease"])
def test_v1_has_no_bulk_update(http: TestClient, prefix: str) -> None:
    study, _ = store_study(http, 1)
    response = http.post(f"/{prefix}/studies/$bulkUpdate", json={
        "studyInstanceUids": [study], "changeDataset": patient_name("New^Name")})
    assert (response.status_code, response.content) == (404, b"")
    assert _names(_metadata(http, study)) == ["Doe^Jane"]


def test_a_body_that_is_not_json_is_415(http: TestClient) -> None:
    response = http.post(BULK_UPDATE, content=b"{}", headers={"Content-Type": "text/plain"})
    assert (response.status_code, response.content) == (415, b"")


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b'"text"',
                                  # deeper than System.Text.Json reads (64): does not bind
                                  b'{"studyInstanceUids": ' + b"[" * 65 + b"]" * 65 + b"}",
                                  {"studyInstanceUids": "1.2.3", "changeDataset": {}},
                                  {"studyInstanceUids": ["1.2.3"], "changeDataset": []},
                                  {"studyInstanceUids": ["1.2.3"],
                                   "changeDataset": {"00100010": {"vr": "PN", "Value": 7}}}])
def test_a_body_that_does_not_bind_is_a_null_specification(http: TestClient,
                                                           body: object) -> None:
    assert _post(http, body) == (400, "Value can not be null. (Parameter 'UpdateSpec')")


def test_the_change_dataset_is_required(http: TestClient) -> None:
    assert _post(http, {"studyInstanceUids": ["1.2.3"]}) == (
        400, "Value can not be null. (Parameter 'ChangeDataset')")


@pytest.mark.parametrize("uids", [None, []])
def test_the_studies_are_required(http: TestClient, uids: list[str] | None) -> None:
    body = {"changeDataset": patient_name("X"), "studyInstanceUids": uids}
    assert _post(http, body) == (
        400, "The required field 'StudyInstanceUids' is missing or empty.")


def test_at_most_50_studies(http: TestClient) -> None:
    fifty_one = [f"1.2.3.{n}" for n in range(1, 52)]
    assert _post(http, {"studyInstanceUids": fifty_one, "changeDataset": patient_name("X")}) == (
        400, "StudyInstanceUids count exceeded maximum length '50'")
    done = update_and_wait(http, fifty_one[:50], patient_name("X"))
    assert done["results"]["studyProcessed"] == 50


def test_an_invalid_study_uid(http: TestClient) -> None:
    body = {"studyInstanceUids": ["1.2.3", "1.2.abc"], "changeDataset": patient_name("X")}
    assert _post(http, body) == (400, INVALID_UID)


def test_property_names_are_case_insensitive(http: TestClient) -> None:
    study, _ = store_study(http, 1)
    response = http.post(BULK_UPDATE, json={"StudyInstanceUIDs": [study],
                                            "ChangeDataset": patient_name("Case^Blind")})
    assert response.status_code == 202
    wait_for_operation(http, response.json()["href"])
    assert _names(_metadata(http, study)) == ["Case^Blind"]


def test_attributes_that_cannot_change_are_listed_and_nothing_changes(http: TestClient) -> None:
    study, _ = store_study(http, 2)
    change = {"00080060": {"vr": "CS", "Value": ["CT"]},                       # Modality
              "00100010": {"vr": "PN", "Value": [{"Alphabetic": "A" * 65}]},   # too long
              "00101010": {"vr": "AS", "Value": ["24 years"]},                # not an age
              "00100020": {"vr": "LO", "Value": ["NEW-ID"]}}                  # fine
    response = http.post(BULK_UPDATE, json={"studyInstanceUids": [study], "changeDataset": change})
    assert response.status_code == 400
    assert response.headers["content-type"] == DICOM_JSON
    items = response.json()["00741048"]["Value"]
    comments = [item["00000902"]["Value"][0] for item in items]
    assert comments[0] == "DICOM100: (0008,0060) - Updating the tag is not supported"
    assert comments[1].startswith(f'DICOM100: (0010,0010) - Content "{"A" * 65}" does not '
                                  "validate VR PN: value exceeds maximum length of 64")
    assert comments[2].startswith('DICOM100: (0010,1010) - Content "24 years" does not '
                                  "validate VR AS:")
    assert len(comments) == 3
    metadata = _metadata(http, study)
    assert _names(metadata) == ["Doe^Jane", "Doe^Jane"]
    assert {m["00100020"]["Value"][0] for m in metadata} == {"PID-1"}
    changes = http.get("/v2/changefeed", headers={"Accept": "application/json"}).json()
    assert {e["action"] for e in changes} == {"Create"}


def test_a_sequence_and_a_private_tag_cannot_change(http: TestClient) -> None:
    change = {"00081110": {"vr": "SQ", "Value": []},
              "00191001": {"vr": "LO", "Value": ["site"]}}
    response = http.post(BULK_UPDATE, json={"studyInstanceUids": ["1.2.3"],
                                            "changeDataset": change})
    comments = [i["00000902"]["Value"][0] for i in response.json()["00741048"]["Value"]]
    assert comments == ["DICOM100: (0008,1110) - Updating the tag is not supported",
                        "DICOM100: (0019,1001) - Updating the tag is not supported"]


# -- the operation ---------------------------------------------------------------------------


def test_running_then_done_with_results(http: TestClient) -> None:
    first, _ = store_study(http, 2)
    second, _ = store_study(http, 3)
    updater = http.app.state.components.updater
    with held(updater) as gate:
        body = start_update(http, [first, second], patient_name("New^Name"))
        assert gate.reached.wait(30)
        running = http.get(body["href"])
        assert running.status_code == 202
        assert running.headers["location"] == body["href"]
        state = running.json()
        assert (state["type"], state["status"]) == ("update", "running")
        assert state["percentComplete"] == 0
        assert state["results"] == {"studyProcessed": 0, "studyUpdated": 0, "studyFailed": 0,
                                    "instanceUpdated": 0}
        gate.release()  # the first study switches; the worker waits before the second
        wait_until(lambda: http.get(body["href"]).json()["percentComplete"] == 50,
                   what="half of the studies processed")
    done = wait_for_operation(http, body["href"])
    assert list(done) == ["operationId", "type", "createdTime", "lastUpdatedTime", "status",
                          "percentComplete", "results"]
    assert (done["status"], done["percentComplete"]) == ("succeeded", 100)
    assert done["results"] == {"studyProcessed": 2, "studyUpdated": 2, "studyFailed": 0,
                               "instanceUpdated": 5}
    assert http.get(f"/v1/operations/{body['id']}").json()["status"] == "completed"


def test_an_unknown_study_completes_with_nothing_updated(http: TestClient) -> None:
    done = update_and_wait(http, [generate_uid()], patient_name("New^Name"))
    assert done["status"] == "succeeded"
    assert done["results"] == {"studyProcessed": 1, "studyUpdated": 0, "studyFailed": 0,
                               "instanceUpdated": 0}


def test_qido_finds_the_new_values_at_once_and_the_old_ones_no_more(http: TestClient) -> None:
    study, _ = store_study(http, 2, PatientID="OLD-ID", AccessionNumber="A1")
    change = {**patient_name("Fixed^Name"), "00100020": {"vr": "LO", "Value": ["NEW-ID"]},
              "00080050": {"vr": "SH", "Value": ["A2"]}}
    update_and_wait(http, [study], change)
    accept = {"Accept": DICOM_JSON}
    for level in ("studies", "series", "instances"):
        found = http.get(f"/v2/{level}", params={"PatientID": "NEW-ID"}, headers=accept)
        assert found.status_code == 200, level
        assert {r["0020000D"]["Value"][0] for r in found.json()} == {study}
        assert http.get(f"/v2/{level}", params={"PatientID": "OLD-ID"},
                        headers=accept).status_code == 204
    fuzzy = http.get("/v2/studies", params={"PatientName": "fix", "fuzzymatching": "true"},
                     headers=accept)
    assert [r["00100010"]["Value"][0]["Alphabetic"] for r in fuzzy.json()] == ["Fixed^Name"]
    assert http.get("/v2/studies", params={"AccessionNumber": "A1"},
                    headers=accept).status_code == 204
    assert http.get("/v2/studies", params={"PatientName": "Doe^Jane"},
                    headers=accept).status_code == 204


def test_the_file_changes_its_dataset_only(http: TestClient) -> None:
    study, [(series, sop)] = store_study(http, 1)
    before = _file(http, study, series, sop)
    update_and_wait(http, [study], patient_name("New^Name"))
    after = _file(http, study, series, sop)
    assert after.PatientName == "New^Name"
    assert after.PixelData == before.PixelData
    assert after.file_meta.ImplementationClassUID == "1.3.6.1.4.1.311.129"
    assert after.file_meta.TransferSyntaxUID == before.file_meta.TransferSyntaxUID
    unchanged = {e.keyword for e in before if e.keyword not in ("PatientName", "PixelData")}
    assert {k: after.get(k) for k in unchanged} == {k: before.get(k) for k in unchanged}
    frames = http.get(f"/v2/studies/{study}/series/{series}/instances/{sop}/frames/1",
                      headers={"Accept": "multipart/related; type=\"application/octet-stream\"; "
                                         "transfer-syntax=*"})
    assert frames.status_code == 200 and before.PixelData in frames.content


def test_extended_query_tags_follow_the_update(http: TestClient) -> None:
    study, _ = store_study(http, 3, PatientAge="035Y")
    add_and_wait(http, {"path": "PatientAge", "level": "Study"})
    update_and_wait(http, [study], {"00101010": {"vr": "AS", "Value": ["054Y"]}})
    accept = {"Accept": DICOM_JSON}
    found = http.get("/v2/instances", params={"PatientAge": "054Y"}, headers=accept)
    assert len(found.json()) == 3
    assert http.get("/v2/instances", params={"PatientAge": "035Y", "StudyInstanceUID": study},
                    headers=accept).status_code == 204


# -- roles -----------------------------------------------------------------------------------


def test_bulk_update_needs_the_write_data_action(tmp_path: Path) -> None:
    settings = EmulatorSettings(data_dir=tmp_path / "auth", auth=True)
    with TestClient(create_app(settings), base_url="http://127.0.0.1",
                    client=("127.0.0.1", 50000)) as http:
        owner, reader = ({"Authorization": f"Bearer {get_token(http, new_app(http, name, role))}"}
                         for name, role in (("o", "DICOM Data Owner"), ("r", "DICOM Data Reader")))
        study = generate_uid()
        stored = http.post("/v2/studies", content=make_instance(study),
                           headers={**STOW_SINGLE_PART, **owner})
        assert stored.status_code == 200
        body = {"studyInstanceUids": [study], "changeDataset": patient_name("New^Name")}
        refused = http.post(BULK_UPDATE, json=body, headers=reader)
        assert refused.status_code == 403
        assert refused.text == "Authorization failed."  # as every data action refused
        accepted = http.post(BULK_UPDATE, json=body, headers=owner)
        assert accepted.status_code == 202
        href = accepted.json()["href"]
        wait_until(lambda: http.get(href, headers=reader).status_code == 200)
        names = _names(_metadata(http, study, **reader))
        assert names == ["New^Name"]


def test_a_second_update_keeps_the_first_original(http: TestClient) -> None:
    study = generate_uid()
    assert store_dataset(http, make_dataset(study)) == 200
    update_and_wait(http, [study], patient_name("First^Fix"))
    update_and_wait(http, [study], patient_name("Second^Fix"))
    assert _names(_metadata(http, study)) == ["Second^Fix"]
    assert _names(_metadata(http, study, **ORIGINAL)) == ["Doe^Jane"]
