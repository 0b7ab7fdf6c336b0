"""Worklist search: the service's workitem query tags, matching, paging, returned attributes
and the texts of its 400s (WorkitemQueryParser, WorkitemQueryResponseBuilder, QueryOptions)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.support.workitems import DICOM_JSON, change_state, create, scheduled

ACCEPT = {"Accept": DICOM_JSON}


@pytest.fixture
def worklist(http: TestClient) -> dict[str, str]:
    """Two workitems; the CT one claimed."""
    ct = create(http, scheduled(patient_name="Jonathan^Quill^Stone Hall", patient_id="P-CT",
                                station_name=("CT1", "CT scanner 1"), accession_number="ACC-1",
                                requested_procedure_id="RP-1", scheduled_start="20261202090000",
                                study_instance_uid="1.2.3.4"))
    mr = create(http, scheduled(patient_name="Roe^Richard", patient_id="P-MR",
                                station_name=("MR1", "MR scanner 1"),
                                scheduled_start="20261203140000"))
    assert change_state(http, ct, "IN PROGRESS", "1.2.3.9").status_code == 200
    return {"ct": ct, "mr": mr}


def uids(response: Any) -> list[str]:
    if response.status_code == 204:
        return []
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/dicom+json"
    return [item["00080018"]["Value"][0] for item in response.json()]


@pytest.mark.parametrize(("query", "expected"), [
    ("PatientID=P-CT", ["ct"]),
    ("PatientID=p-ct", ["ct"]),  # case-insensitive, as the service's SQL collation
    ("00100020=P-MR", ["mr"]),
    ("PatientName=Roe^Richard", ["mr"]),
    ("PatientName=Roe", []),  # exact match compares the whole name
    ("PatientName=quill&fuzzymatching=true", ["ct"]),
    ("PatientName=stone ha&fuzzymatching=true", ["ct"]),
    ("PatientName=uill&fuzzymatching=true", []),
    ("ReferencedRequestSequence.AccessionNumber=ACC-1", ["ct"]),
    ("0040A370.00401001=RP-1", ["ct"]),
    ("ScheduledStationNameCodeSequence.CodeValue=MR1", ["mr"]),
    ("ScheduledProcedureStepStartDateTime=20261203-", ["mr"]),
    ("ScheduledProcedureStepStartDateTime=20261201-20261202235959", ["ct"]),
    ("ScheduledProcedureStepStartDateTime=20261202090000", ["ct"]),
    ("ProcedureStepState=SCHEDULED", ["mr"]),
    ("ProcedureStepState=IN PROGRESS", ["ct"]),
    ("StudyInstanceUID=1.2.3.4", ["ct"]),
    ("", ["mr", "ct"]),  # newest first
    ("limit=1", ["mr"]),
    ("limit=1&offset=1", ["ct"]),
    ("offset=2", []),
])
def test_search_matches_as_the_service(http: TestClient, worklist: dict[str, str], query: str,
                                       expected: list[str]) -> None:
    found = uids(http.get(f"/v2/workitems?{query}", headers=ACCEPT))
    assert found == [worklist[name] for name in expected]


def test_results_never_carry_the_transaction_uid_and_keep_the_return_attributes(
        http: TestClient, worklist: dict[str, str]) -> None:
    [item] = http.get("/v2/workitems?PatientID=P-CT", headers=ACCEPT).json()
    assert "00081195" not in item
    assert "00741000" in item and "0040A370" in item
    assert "00380010" in item  # AdmissionID: a return attribute
    assert "00081084" in item  # AdmittingDiagnosesCodeSequence: a return attribute
    assert "00400400" not in item  # CommentsOnTheScheduledProcedureStep: not one
    with_comments = http.get("/v2/workitems?PatientID=P-CT&includefield=00400400",
                             headers=ACCEPT).json()[0]
    assert "00400400" in with_comments
    everything = http.get("/v2/workitems?PatientID=P-CT&includefield=all", headers=ACCEPT)
    assert "00400400" in everything.json()[0] and "00081195" not in everything.json()[0]


NOT_QUERYABLE = ("Invalid query: AttributeId {} is not queryable.  If the parameter is an "
                 "attribute keyword, check the casing as they are case-sensitive. The conformance "
                 "statement has a list of supported query parameters, attributes and the levels.")


@pytest.mark.parametrize(("query", "message"), [
    ("Modality=CT", NOT_QUERYABLE.format("Modality")),
    ("patientid=1", NOT_QUERYABLE.format("patientid")),
    ("ReferencedRequestSequence.StudyInstanceUID=1.2", NOT_QUERYABLE.format(
        "ReferencedRequestSequence.StudyInstanceUID")),
    ("ReferencedRequestSequence.ReferencedRequestSequence.AccessionNumber=1",
     "Nested Dicom sequence tags are currently not supported."),
    ("PatientID=", "Invalid query: AttributeId 'PatientID' has empty string value that is not "
                   "supported."),
    ("PatientID=1&00100020=2", "Invalid query: attribute '00100020' has been specified more "
                               "than once using different ID formats. Each attribute is only "
                               "allowed to be specified once."),
    ("PatientName=Foo&limit=500", "The query parameter 'Limit' is invalid. The field Limit must "
                                  "be between 1 and 200."),
    ("limit=0", "The query parameter 'Limit' is invalid. The field Limit must be between 1 and "
                "200."),
    ("ScheduledProcedureStepStartDateTime=20261301",
     "Invalid query: specified DateTime value '20261301' is invalid for attribute "
     "'ScheduledProcedureStepStartDateTime'. DateTime should be valid and formatted as "
     "yyyyMMddHHmmss.FFFFFF where yyyy is mandatory."),
    ("includefield=all,PatientID", "Invalid query: cannot specify included fields in addition "
                                   "to 'all'."),
    ("includefield=ReferencedRequestSequence.AccessionNumber",
     "Sequential dicom tags are currently not supported."),
    ("PatientName=a\"b&fuzzymatching=true",
     "Invalid query: specified tag 'PatientName' value 'a\"b' contains unsupported character "
     "'\"'. Character is not supported with Fuzzy match, try exact match or removing the "
     "invalid character. "),
])
def test_a_query_the_service_refuses_is_400_with_its_text(http: TestClient, query: str,
                                                          message: str) -> None:
    response = http.get(f"/v2/workitems?{query}", headers=ACCEPT)
    assert response.status_code == 400
    assert response.text == message


def test_an_accept_without_dicom_json_is_406_but_option_errors_come_first(
        http: TestClient) -> None:
    assert http.get("/v2/workitems", headers={"Accept": "text/html"}).status_code == 406
    assert http.get("/v2/workitems?limit=0", headers={"Accept": "text/html"}).status_code == 400


def test_an_empty_worklist_is_204(http: TestClient) -> None:
    response = http.get("/v1/workitems?PatientID=20200101", headers=ACCEPT)
    assert response.status_code == 204
    assert response.content == b""


def test_an_update_is_searchable_at_once(http: TestClient, worklist: dict[str, str]) -> None:
    assert http.post(f"/v2/workitems/{worklist['mr']}/cancelrequest", json=[{}],
                     headers={**ACCEPT, "Content-Type": DICOM_JSON}).status_code == 202
    assert uids(http.get("/v2/workitems?ProcedureStepState=CANCELED", headers=ACCEPT)) == [
        worklist["mr"]]
