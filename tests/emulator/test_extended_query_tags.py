"""Extended query tags: validation rules and messages, CRUD, errors, store-time indexing."""

from __future__ import annotations

import re

import pytest
from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from tests.support.datasets import make_dataset, make_instance
from tests.support.extended_query_tags import (
    add_and_wait,
    add_tags,
    instance_count,
    paused,
    store,
    store_dataset,
    value_rows,
    wait_for_operation,
)

AGE = {"path": "PatientAge", "level": "Study"}


def test_add_returns_an_operation_and_the_tag_becomes_ready(http: TestClient) -> None:
    response = http.post("/v2/extendedquerytags", json=[AGE])
    assert response.status_code == 202
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert re.fullmatch("[0-9a-f]{32}", body["id"]), body["id"]  # a GUID in "N" format
    assert body["href"] == f"http://testserver/v2/operations/{body['id']}"
    assert response.headers["location"] == body["href"]

    assert wait_for_operation(http, body["href"])["status"] == "succeeded"
    entry = http.get("/v2/extendedquerytags/PatientAge").json()
    assert entry == {"path": "00101010", "vr": "AS", "level": "study", "status": "ready",
                     "queryStatus": "enabled"}
    assert http.get("/v2/extendedquerytags/00101010").json() == entry
    assert http.get("/v2/extendedquerytags").json() == [entry]


def test_tag_is_adding_with_its_operation_until_the_reindex_completes(http: TestClient) -> None:
    reindexer = http.app.state.components.reindexer
    with paused(reindexer):  # the worker waits before its first batch
        body = add_tags(http, {"Path": "StudyID", "VR": "sh", "Level": "series"})
        entry = http.get("/v2/extendedquerytags/StudyID").json()
        assert entry["status"] == "adding"
        assert entry["operation"] == {"id": body["id"], "href": body["href"]}
        assert entry["vr"] == "SH" and entry["level"] == "series"
    wait_for_operation(http, body["href"])
    entry = http.get("/v2/extendedquerytags/StudyID").json()
    assert entry["status"] == "ready" and "operation" not in entry


def test_private_tag_entry_keeps_its_creator(http: TestClient) -> None:
    add_and_wait(http, {"path": "00091001", "vr": "LO", "privateCreator": "ACME 1.0",
                        "level": "Instance"})
    entry = http.get("/v1/extendedquerytags/00091001").json()
    assert entry["privateCreator"] == "ACME 1.0" and entry["level"] == "instance"


def test_list_paging(http: TestClient) -> None:
    add_and_wait(http, AGE, {"path": "StudyID", "level": "Study"},
                 {"path": "SeriesNumber", "level": "Series"})
    paths = [e["path"] for e in http.get("/v2/extendedquerytags?limit=2&offset=1").json()]
    assert paths == ["00200010", "00200011"]
    assert http.get("/v2/extendedquerytags?offset=3").json() == []
    bad = http.get("/v2/extendedquerytags?limit=201")
    assert bad.status_code == 400
    assert bad.text == ("The query parameter 'Limit' is invalid. The field Limit must be between "
                        "1 and 200.")


@pytest.mark.parametrize(("body", "message"), [
    ([], "The extended query tag(s) is missing."),
    ([{"path": "ManufacturerModelName", "vr": "LO", "level": "Series"}],
     "The query tag 'ManufacturerModelName' is already supported."),
    ([{"path": "00100010", "level": "Study"}], "The query tag '00100010' is already supported."),
    ([{"path": "NotAKeyword", "level": "Study"}],
     "The extended query tag 'NotAKeyword' is invalid as it cannot be parsed into a valid Dicom "
     "Tag."),
    ([{"path": "patientAge", "level": "Study"}],
     "The extended query tag 'patientAge' is invalid as it cannot be parsed into a valid Dicom "
     "Tag."),
    ([{"path": "00101999", "level": "Study"}],
     "The extended query tag '00101999' is invalid as it cannot be parsed into a valid Dicom "
     "Tag."),
    ([{"path": "PatientAge", "vr": "LO", "level": "Study"}],
     "The VR code 'LO' is incorrectly specified for 'PatientAge'. The expected VR code for it is "
     "'AS'. Retry this request either with the correct VR code or without specifying it."),
    ([{"path": "PatientAge", "vr": "ZZ", "level": "Study"}],
     "The VR code 'ZZ' for tag 'PatientAge' is invalid."),
    ([{"path": "SliceThickness", "level": "Instance"}],
     "The VR code 'DS' specified for tag 'SliceThickness' is not supported."),
    ([{"path": "ImageComments", "level": "Instance"}],
     "The VR code 'LT' specified for tag 'ImageComments' is not supported."),
    ([{"path": "00091001", "privateCreator": "ACME", "level": "Study"}],
     "The vr for tag '00091001' is missing."),
    ([{"path": "00091001", "vr": "LO", "level": "Study"}],
     "The private creator for private tag '00091001' is missing."),
    ([{"path": "00091001", "vr": "OB", "privateCreator": "ACME", "level": "Study"}],
     "The VR code 'OB' specified for tag '00091001' is not supported."),
    ([{"path": "00091001", "vr": "LO", "privateCreator": "A" * 65, "level": "Study"}],
     "The private creator for tag '00091001' is not a valid LO attribute."),
    ([{"path": "PatientAge", "privateCreator": "ACME", "level": "Study"}],
     "The private creator is not empty for standard tag 'PatientAge'."),
    ([{"path": "00090010", "privateCreator": "ACME", "level": "Study"}],
     "The private creator is not empty for private identification code '00090010'."),
    ([AGE, {"path": "StudyID", "level": "Study"}, {"path": "PatientAge", "level": "Series"}],
     "The extended query tag 'PatientAge' has been specified before."),
    ([AGE, {"path": "00101010", "level": "Study"}],
     "The extended query tag '00101010' has been specified before."),
    ([{"path": "PatientAge"}],
     "The field '[0].Level' in request body is invalid: The Dicom Tag Property Level must be "
     "specified and must not be null, empty or whitespace."),
    ([AGE, {"level": "Study"}],
     "The field '[1].Path' in request body is invalid: The Dicom Tag Property Path must be "
     "specified and must not be null, empty or whitespace."),
    ([{"path": "PatientAge", "level": "Patient"}],
     "The field '[0].Level' in request body is invalid: Input Dicom Tag Level 'Patient' is "
     "invalid. It must have value 'Study', 'Series' or 'Instance'."),
    ([{"path": "PatientAge", "level": 2}],
     "The field '[0].Level' in request body is invalid: Input Dicom Tag Level '2' is invalid. It "
     "must have value 'Study', 'Series' or 'Instance'."),
    ([{"path": "ReferencedStudySequence.StudyInstanceUID", "level": "Study"}],
     "Dicom element 'ReferencedStudySequence.StudyInstanceUID' failed validation for VR 'SQ': "
     "Sequential dicom tags are currently not supported."),
])
def test_add_validation(http: TestClient, body: list, message: str) -> None:
    response = http.post("/v2/extendedquerytags", json=body)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == message
    assert http.get("/v2/extendedquerytags").json() == []


def test_add_needs_a_json_array(http: TestClient) -> None:
    assert http.post("/v2/extendedquerytags", json=AGE).status_code == 400
    broken = http.post("/v2/extendedquerytags", content=b"[{",
                       headers={"Content-Type": "application/json"})
    assert broken.status_code == 400
    empty = http.post("/v2/extendedquerytags", content=b"",
                      headers={"Content-Type": "application/json"})
    assert empty.status_code == 400
    assert empty.text.endswith("A non-empty request body is required.")
    plain = http.post("/v2/extendedquerytags", content=b"[]",
                      headers={"Content-Type": "text/plain"})
    assert plain.status_code == 415


def test_at_most_128_tags(http: TestClient) -> None:
    private = [{"path": f"0009{0x1000 + i:04X}", "vr": "LO", "privateCreator": "ACME",
                "level": "Instance"} for i in range(129)]
    too_many = http.post("/v2/extendedquerytags", json=private)
    assert too_many.status_code == 503  # a DicomServerException: the middleware's fallback
    assert too_many.text == "Extended query tags exceeds max allowed count '128'."
    add_and_wait(http, *private[:128])
    assert len(http.get("/v2/extendedquerytags?limit=200").json()) == 128
    one_more = http.post("/v2/extendedquerytags", json=[AGE])
    assert one_more.status_code == 503
    assert one_more.text == "Extended query tags exceeds max allowed count '128'."


def test_existing_tag_is_a_conflict(http: TestClient) -> None:
    add_and_wait(http, AGE)
    response = http.post("/v2/extendedquerytags", json=[{"path": "StudyID", "level": "Study"},
                                                         {"path": "00101010", "level": "Study"}])
    assert response.status_code == 409
    assert response.text == "One or more extended query tags already exist."
    assert [e["path"] for e in http.get("/v2/extendedquerytags").json()] == ["00101010"]


def test_a_second_add_while_a_reindex_runs_is_a_conflict(http: TestClient) -> None:
    reindexer = http.app.state.components.reindexer
    with paused(reindexer):
        first = add_tags(http, AGE)
        # Checked before the entries are validated, as the service does.
        response = http.post("/v2/extendedquerytags", json=[{"path": "Nonsense", "level": "x"},
                                                            ])
        assert response.status_code == 400  # body shape errors come first
        response = http.post("/v2/extendedquerytags", json=[{"path": "Nonsense",
                                                             "level": "Study"}])
        assert response.status_code == 409
        assert response.headers["content-type"].startswith("text/plain")
        assert response.text == (f"There is already an active re-index operation with ID "
                                  f"'{first['id']}'.")
        assert response.headers["location"] == first["href"]


def test_get_update_delete_unknown_or_invalid_paths(http: TestClient) -> None:
    missing = http.get("/v2/extendedquerytags/PatientAge")
    assert missing.status_code == 404
    assert missing.text == ("The specified extended query tag with tag path 00101010 cannot be "
                            "found.")
    assert http.delete("/v2/extendedquerytags/PatientAge").status_code == 404
    assert http.get("/v2/extendedquerytags/PatientAge/errors").status_code == 404
    patch = http.patch("/v2/extendedquerytags/PatientAge", json={"queryStatus": "Disabled"})
    assert patch.status_code == 404
    bad = http.get("/v2/extendedquerytags/NoSuchTag")
    assert bad.status_code == 400
    assert bad.text == ("The extended query tag 'NoSuchTag' is invalid as it cannot be parsed into "
                        "a valid Dicom Tag.")


@pytest.mark.parametrize(("body", "message"), [
    ({}, "The field 'QueryStatus' in request body is invalid: The QueryStatus field is required."),
    ({"queryStatus": "Enabled", "level": "Study"},
     "The field 'level' in request body is invalid: The field is not supported: \"level\"."),
    ({"queryStatus": "Maybe"}, "The field 'QueryStatus' in request body is invalid: The value "
                               "'Maybe' is not valid for QueryStatus. It must be 'Enabled' or "
                               "'Disabled'."),
])
def test_patch_validation(http: TestClient, body: dict, message: str) -> None:
    add_and_wait(http, AGE)
    response = http.patch("/v2/extendedquerytags/PatientAge", json=body)
    assert response.status_code == 400
    assert response.text == message


def test_patch_query_status(http: TestClient) -> None:
    add_and_wait(http, AGE)
    response = http.patch("/v2/extendedquerytags/00101010", json={"QueryStatus": "disabled"})
    assert response.status_code == 200
    assert response.json()["queryStatus"] == "disabled"
    assert http.get("/v2/extendedquerytags/PatientAge").json()["queryStatus"] == "disabled"
    again = http.patch("/v2/extendedquerytags/PatientAge", json={"queryStatus": "Enabled"})
    assert again.json()["queryStatus"] == "enabled"


def test_reindex_indexes_existing_instances_and_records_errors(http: TestClient) -> None:
    study = generate_uid()
    good = [generate_uid() for _ in range(3)]
    for i, sop in enumerate(good):
        assert store(http, study, generate_uid(), sop, PatientAge=f"0{i}5Y") == 200
    # v1 does not validate attributes that are not indexed, so these are stored as they are.
    too_long_sop, wrong_vr_sop = generate_uid(), generate_uid()
    assert store(http, generate_uid(), generate_uid(), too_long_sop, version="v1",
                 PatientAge="TOO LONG") == 200
    wrong_vr = make_dataset(generate_uid(), generate_uid(), wrong_vr_sop)
    wrong_vr.add_new(0x00101010, "LO", "040Y")
    assert store_dataset(http, wrong_vr, version="v1") == 200
    assert store(http, generate_uid(), generate_uid(), generate_uid()) == 200  # no PatientAge

    state = add_and_wait(http, {"path": "PatientAge", "level": "Instance"})
    assert state["percentComplete"] == 100
    entry = http.get("/v2/extendedquerytags/PatientAge").json()
    assert entry["status"] == "ready"
    assert entry["queryStatus"] == "disabled"  # the service disables a tag with errors
    assert entry["errors"] == {
        "count": 2, "href": "http://testserver/v2/extendedquerytags/00101010/errors"}
    errors = http.get(entry["errors"]["href"]).json()
    by_sop = {e["sopInstanceUid"]: e for e in errors}
    assert by_sop[too_long_sop]["errorMessage"] == "Value length is not expected."
    assert by_sop[wrong_vr_sop]["errorMessage"] == "The extended query tag VR is not expected."
    assert set(errors[0]) == {"partitionName", "studyInstanceUid", "seriesInstanceUid",
                              "sopInstanceUid", "createdTime", "errorMessage"}
    assert errors[0]["createdTime"].endswith("Z")
    assert len(http.get(entry["errors"]["href"] + "?limit=1&offset=1").json()) == 1
    assert sorted(r[1] for r in value_rows(http, "00101010")) == ["005Y", "015Y", "025Y"]


def test_errors_count_follows_deleted_instances(http: TestClient) -> None:
    study, series, sop = generate_uid(), generate_uid(), generate_uid()
    assert store(http, study, series, sop, version="v1", PatientAge="BAD") == 200
    add_and_wait(http, {"path": "PatientAge", "level": "Study"})
    assert http.get("/v2/extendedquerytags/PatientAge").json()["errors"]["count"] == 1
    assert http.delete(f"/v2/studies/{study}").status_code == 204
    entry = http.get("/v2/extendedquerytags/PatientAge").json()
    assert "errors" not in entry
    assert http.get("/v2/extendedquerytags/PatientAge/errors").json() == []


def test_instances_stored_after_ready_are_indexed_at_store_time(http: TestClient) -> None:
    add_and_wait(http, {"path": "PatientAge", "level": "Study"},
                 {"path": "SeriesNumber", "level": "Series"},
                 {"path": "AcquisitionDateTime", "level": "Instance"},
                 {"path": "ContentTime", "level": "Instance"},
                 {"path": "Rows", "level": "Instance"},
                 {"path": "00091001", "vr": "LO", "privateCreator": "ACME", "level": "Instance"})
    ds = make_dataset(PatientAge="030Y", SeriesNumber="7", AcquisitionDateTime="20240102030405",
                      ContentTime="1230")
    ds.private_block(0x0009, "ACME", create=True).add_new(0x01, "LO", "secret")
    other = make_dataset()
    other.private_block(0x0009, "OTHER", create=True).add_new(0x01, "LO", "not ours")
    assert store_dataset(http, ds) == 200 and store_dataset(http, other) == 200
    assert [r[1] for r in value_rows(http, "00101010")] == ["030Y"]
    assert [r[2] for r in value_rows(http, "00200011")] == [7]
    assert [r[1] for r in value_rows(http, "0008002A")] == ["20240102030405.000000"]
    assert [r[1] for r in value_rows(http, "00080033")] == ["123000.000000"]
    assert [r[2] for r in value_rows(http, "00280010")] == [8, 8]
    assert [r[1] for r in value_rows(http, "00091001")] == ["secret"]


def test_v1_store_validates_ready_tags_and_v2_drops_invalid_values(http: TestClient) -> None:
    add_and_wait(http, {"path": "PatientAge", "level": "Study"})
    v1 = http.post("/v1/studies", content=make_instance(PatientAge="1 YEAR"),
                   headers={"Accept": "application/dicom+json",
                            "Content-Type": "application/dicom"})
    assert v1.status_code == 409
    failed = v1.json()["00081198"]["Value"][0]
    assert failed["00081197"]["Value"] == [43264]
    assert failed["00741048"]["Value"][0]["00000902"]["Value"][0] == (
        "DICOM100: (0010,1010) - Dicom element 'PatientAge' failed validation for VR 'AS': "
        "Value length is not 4.")

    wrong_vr = make_dataset()
    wrong_vr.add_new(0x00101010, "LO", "040Y")
    assert store_dataset(http, wrong_vr, version="v1") == 409
    assert store(http, PatientAge="1 YEAR") == 202  # v2: a warning, the value is not indexed
    assert store(http, PatientAge="041Y", version="v1") == 200
    assert [r[1] for r in value_rows(http, "00101010")] == ["041Y"]
    assert instance_count(http) == 2


def test_delete_removes_the_tag_and_its_values(http: TestClient) -> None:
    for age in ("001Y", "002Y"):
        assert store(http, PatientAge=age) == 200
    add_and_wait(http, AGE)
    assert len(value_rows(http, "00101010")) == 2
    assert http.delete("/v2/extendedquerytags/PatientAge").status_code == 204
    assert value_rows(http, "00101010") == []
    assert http.get("/v2/extendedquerytags/PatientAge").status_code == 404
    assert http.get("/v2/extendedquerytags").json() == []
    # The tag can be added again; its values come back through a new reindex.
    add_and_wait(http, AGE)
    assert len(value_rows(http, "00101010")) == 2


def test_deleting_an_instance_deletes_its_values(http: TestClient) -> None:
    add_and_wait(http, AGE)
    study, series, sop = generate_uid(), generate_uid(), generate_uid()
    assert store(http, study, series, sop, PatientAge="010Y") == 200
    assert store(http, PatientAge="011Y") == 200
    assert http.delete(f"/v2/studies/{study}").status_code == 204
    assert [r[1] for r in value_rows(http, "00101010")] == ["011Y"]
