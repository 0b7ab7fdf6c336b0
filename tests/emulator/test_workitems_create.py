"""Create and retrieve workitems: statuses, headers, the service's requirement checks and
texts (WorkitemController.Add/Retrieve, WorkitemService.Add, AddWorkitemDatasetValidator)."""

from __future__ import annotations

from typing import Any

import pytest
from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from tests.support.workitems import DICOM_JSON, HEADERS, create, element, scheduled, stored


def post(http: TestClient, dataset: dict[str, Any], query: str = "", **headers: str) -> Any:
    return http.post(f"/v2/workitems{query}", json=[dataset], headers={**HEADERS, **headers})


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_create_answers_201_with_its_location_and_no_body(http: TestClient, version: str) -> None:
    uid = generate_uid()
    response = http.post(f"/{version}/workitems?{uid}", json=[scheduled()], headers=HEADERS)
    assert response.status_code == 201
    url = f"http://testserver/{version}/workitems/{uid}"
    assert response.headers["location"] == url
    assert response.headers["content-location"] == url
    assert response.content == b""
    assert "content-type" not in response.headers


def test_retrieve_gives_what_the_service_sets_at_create_and_never_the_transaction_uid(
        http: TestClient) -> None:
    uid = create(http, scheduled(procedure_step_label="MR knee"))
    item = stored(http, uid)
    assert "00081195" not in item  # the (empty) Transaction UID sent at create
    assert item["00080016"]["Value"] == ["1.2.840.10008.5.1.4.34.6.1"]  # UPS Push
    assert item["00080018"]["Value"] == [uid]
    assert item["00741000"]["Value"] == ["SCHEDULED"]
    assert item["00741202"]["Value"] == ["worklist"]  # whatever the client sent
    assert item["00741204"]["Value"] == ["MR knee"]
    assert "00404010" in item  # ScheduledProcedureStepModificationDateTime


def test_the_uid_may_come_from_the_dataset_alone(http: TestClient) -> None:
    uid = generate_uid()
    response = post(http, scheduled(sop_instance_uid=uid))
    assert response.status_code == 201
    assert response.headers["location"].endswith(f"/workitems/{uid}")


def test_a_dataset_uid_that_differs_from_the_query_is_a_plain_text_400(http: TestClient) -> None:
    uid = generate_uid()
    response = post(http, scheduled(sop_instance_uid=generate_uid()), f"?{uid}")
    assert response.status_code == 400
    assert response.text == ("SOPInstanceUID in the payload does not match the workitem query "
                             "parameter.")
    assert response.headers["content-type"].startswith("text/plain")
    assert http.get(f"/v2/workitems/{uid}", headers={"Accept": DICOM_JSON}).status_code == 404


def test_an_invalid_workitem_uid_in_the_query_is_400(http: TestClient) -> None:
    response = post(http, scheduled(), "?1.2.abc")
    assert response.status_code == 400
    assert response.text.startswith(
        "Dicom element 'WorkitemInstanceUid' failed validation for VR 'UI': DICOM Identifier "
        "is invalid.")


def test_a_second_create_with_the_same_uid_is_409_and_keeps_the_first(http: TestClient) -> None:
    uid = create(http, scheduled(procedure_step_label="first"))
    response = post(http, scheduled(procedure_step_label="second"), f"?{uid}")
    assert response.status_code == 409
    assert response.text == ('"The workitem instance already exists. Try creating using a '
                             'different UID."')
    assert response.headers["content-type"] == "application/dicom+json; charset=utf-8"
    assert stored(http, uid)["00741204"]["Value"] == ["first"]


def _without(dataset: dict[str, Any], tag: str) -> dict[str, Any]:
    return {k: v for k, v in dataset.items() if k != tag}


# (change to a valid dataset, the service's message): each is a rule of the create table.
REFUSED = [
    pytest.param(lambda d: _without(d, "00081195"),
                 "The required tag '(0008,1195)' is missing.", id="TransactionUID 2/2"),
    pytest.param(lambda d: {**d, "00081195": element("UI", "1.2.3")},
                 "The attribute with tag '(0008,1195)' must be empty.", id="TransactionUID empty"),
    pytest.param(lambda d: _without(d, "00741204"),
                 "The required tag '(0074,1204)' is missing.", id="ProcedureStepLabel 1/1"),
    pytest.param(lambda d: {**d, "00741204": element("LO")},
                 "The value for tag '(0074,1204)' is missing.", id="ProcedureStepLabel value"),
    pytest.param(lambda d: {**d, "00741204": element("LO", "   ")},
                 "The attribute with tag '(0074,1204)' must not be empty.", id="spaces"),
    pytest.param(lambda d: _without(d, "00404005"),
                 "The required tag '(0040,4005)' is missing.", id="start date time 1/1"),
    pytest.param(lambda d: _without(d, "00100010"),
                 "The required tag '(0010,0010)' is missing.", id="PatientName 2/2"),
    pytest.param(lambda d: {**d, "00100030": element("DA")},
                 "The value for tag '(0010,0030)' is missing.", id="PatientBirthDate 3/3 too"),
    pytest.param(lambda d: _without(d, "00404025"),
                 "The required tag '(0040,4025)' is missing.", id="station name sequence 2/2"),
    pytest.param(lambda d: {**d, "00404025": element("SQ", {"00080100": element("SH", "CT1")})},
                 "The required tag '(0008,0104)' is missing.", id="code item without meaning"),
    pytest.param(lambda d: {**d, "00741002": element("SQ", {"00741004": element("DS", 50)})},
                 "The attribute with tag '(0074,1004)' cannot be present.",
                 id="progress at create"),
    pytest.param(lambda d: {**d, "00100020": element("LO")},
                 "The value for tag '(0010,0020)' is missing.", id="PatientID 1C/2"),
    pytest.param(lambda d: {**d, "00100040": element("CS", " ")},
                 "The attribute with tag '(0010,0040)' must not be empty.", id="blank sex 3/3"),
]


@pytest.mark.parametrize(("change", "message"), REFUSED)
def test_a_dataset_the_create_table_refuses_is_400_and_nothing_is_stored(
        http: TestClient, change: Any, message: str) -> None:
    uid = generate_uid()
    response = post(http, change(scheduled()), f"?{uid}")
    assert response.status_code == 400
    assert response.json() == message
    assert response.headers["content-type"] == "application/dicom+json; charset=utf-8"
    assert http.get(f"/v2/workitems/{uid}", headers={"Accept": DICOM_JSON}).status_code == 404


def test_a_referenced_request_needs_its_own_required_attributes(http: TestClient) -> None:
    request = {"0020000D": element("UI", generate_uid()), "00080050": element("SH", "A1")}
    response = post(http, {**scheduled(), "0040A370": element("SQ", request)}, f"?{generate_uid()}")
    assert response.status_code == 400
    assert response.json() == "The required tag '(0008,0051)' is missing."


def test_a_sent_procedure_step_state_is_overwritten_with_scheduled(http: TestClient) -> None:
    uid = create(http, {**scheduled(), "00741000": element("CS", "COMPLETED")})
    assert stored(http, uid)["00741000"]["Value"] == ["SCHEDULED"]


@pytest.mark.parametrize("content_type", [None, "application/json", "application/dicom"])
def test_a_body_that_is_not_dicom_json_is_415_with_no_body(
        http: TestClient, content_type: str | None) -> None:
    headers = {"Accept": DICOM_JSON} | ({"Content-Type": content_type} if content_type else {})
    response = http.post(f"/v2/workitems?{generate_uid()}", content=b"[{}]", headers=headers)
    assert response.status_code == 415
    assert response.content == b""


def test_an_accept_without_dicom_json_is_406_after_the_body_checks(http: TestClient) -> None:
    uid = generate_uid()
    assert post(http, scheduled(), f"?{uid}", Accept="application/json").status_code == 406
    assert http.post(f"/v2/workitems?{uid}", content=b"",
                     headers={**HEADERS, "Accept": "application/json"}).status_code == 400


@pytest.mark.parametrize(("body", "message"), [
    (b"", "The query parameter '' is invalid. A non-empty request body is required."),
    (b"[]", "The query parameter '' is invalid. The field dicomDatasets must be a string or "
            "array type with a minimum length of '1'."),
])
def test_an_empty_body_is_the_model_binding_400(http: TestClient, body: bytes,
                                                message: str) -> None:
    response = http.post(f"/v2/workitems?{generate_uid()}", content=body, headers=HEADERS)
    assert response.status_code == 400
    assert response.text == message


def test_a_body_that_is_no_dicom_json_array_is_400(http: TestClient) -> None:
    # The last one nests deeper than System.Text.Json reads (64 levels).
    for body in (b"{", b"{}", b"[1]", b"[" * 100_000 + b"]" * 100_000):
        response = http.post(f"/v2/workitems?{generate_uid()}", content=body, headers=HEADERS)
        assert response.status_code == 400, body[:10]


def test_retrieve_of_an_unknown_workitem_is_404_with_the_message_as_json(http: TestClient) -> None:
    response = http.get(f"/v2/workitems/{generate_uid()}", headers={"Accept": DICOM_JSON})
    assert response.status_code == 404
    assert response.text == '"The workitem instance is not found."'


def test_retrieve_checks_accept_and_the_uid(http: TestClient) -> None:
    uid = create(http)
    wrong = http.get(f"/v2/workitems/{uid}", headers={"Accept": "application/json"})
    assert wrong.status_code == 406
    response = http.get("/v2/workitems/abc", headers={"Accept": DICOM_JSON})
    assert response.status_code == 400
    assert "Dicom element 'WorkitemInstanceUid' failed validation" in response.text


def test_workitems_survive_a_restart(http: TestClient, settings: Any) -> None:
    from dicom_emulator import create_app
    uid = create(http)
    with TestClient(create_app(settings), base_url="http://testserver") as again:
        assert stored(again, uid)["00080018"]["Value"] == [uid]
