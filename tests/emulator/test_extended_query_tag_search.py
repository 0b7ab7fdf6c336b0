"""QIDO on extended query tags: levels, exact/range/fuzzy matching, status and errors."""

from __future__ import annotations

import pytest
from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from tests.support.datasets import make_dataset
from tests.support.extended_query_tags import add_and_wait, add_tags, paused, store, store_dataset
from tests.support.headers import ACCEPT_DICOM_JSON

NOT_QUERYABLE = "Invalid query: AttributeId {} is not queryable."


def search(http: TestClient, path: str, **params: object) -> list[dict]:
    response = http.get(f"/v2{path}", params=params, headers=ACCEPT_DICOM_JSON)
    assert response.status_code in (200, 204), response.text
    return response.json() if response.status_code == 200 else []


def uids_of(results: list[dict], tag: str) -> set[str]:
    return {r[tag]["Value"][0] for r in results}


@pytest.fixture
def tagged(http: TestClient) -> dict[str, str]:
    """Three instances in two studies, indexed on five tags of three levels."""
    ids = {k: generate_uid() for k in ("study1", "study2", "series1", "series2", "series3",
                                       "sop1", "sop2", "sop3")}
    rows = [
        ("study1", "series1", "sop1", dict(PatientAge="030Y", SeriesNumber="1",
                                          AcquisitionDateTime="20240102030405",
                                          ContentTime="083000", ContentDate="20240102",
                                          OperatorsName="Johnson^Mary")),
        ("study1", "series2", "sop2", dict(PatientAge="030Y", SeriesNumber="2",
                                          AcquisitionDateTime="20240305120000.5",
                                          ContentTime="170000", ContentDate="20240305",
                                          OperatorsName="Doe^John")),
        ("study2", "series3", "sop3", dict(PatientAge="045Y", SeriesNumber="1",
                                          AcquisitionDateTime="2023",
                                          ContentTime="2359", ContentDate="20231231",
                                          OperatorsName="Müller^Jürgen")),
    ]
    for study, series, sop, attributes in rows:
        assert store(http, ids[study], ids[series], ids[sop], **attributes) == 200
    add_and_wait(http, {"path": "PatientAge", "level": "Study"},
                 {"path": "SeriesNumber", "level": "Series"},
                 {"path": "OperatorsName", "level": "Series"},
                 {"path": "AcquisitionDateTime", "level": "Instance"},
                 {"path": "ContentTime", "level": "Instance"},
                 {"path": "ContentDate", "level": "Instance"})
    return ids


def test_study_tag_matches_at_its_level_and_below(http: TestClient, tagged: dict) -> None:
    studies = search(http, "/studies", PatientAge="030Y")
    assert uids_of(studies, "0020000D") == {tagged["study1"]}
    assert studies[0]["00101010"] == {"vr": "AS", "Value": ["030Y"]}
    assert uids_of(search(http, "/series", PatientAge="045Y"), "0020000E") == {
        tagged["series3"]}
    assert uids_of(search(http, "/instances", PatientAge="030y"), "00080018") == {
        tagged["sop1"], tagged["sop2"]}
    nested = http.get(f"/v2/studies/{tagged['study1']}/series", params={"PatientAge": "030Y"},
                      headers=ACCEPT_DICOM_JSON)
    assert nested.status_code == 400
    assert nested.text.startswith(NOT_QUERYABLE.format("PatientAge"))


def test_series_tag_is_not_a_study_filter(http: TestClient, tagged: dict) -> None:
    response = http.get("/v2/studies", params={"SeriesNumber": "1"}, headers=ACCEPT_DICOM_JSON)
    assert response.status_code == 400
    assert response.text.startswith(NOT_QUERYABLE.format("SeriesNumber"))
    assert uids_of(search(http, "/series", SeriesNumber=1), "0020000E") == {
        tagged["series1"], tagged["series3"]}
    assert uids_of(search(http, f"/studies/{tagged['study1']}/series", **{"00200011": "2"}),
                   "0020000E") == {tagged["series2"]}


def test_date_time_exact_and_range(http: TestClient, tagged: dict) -> None:
    def sops(**params: object) -> set[str]:
        return uids_of(search(http, "/instances", **params), "00080018")

    assert sops(AcquisitionDateTime="20240102030405") == {tagged["sop1"]}
    assert sops(AcquisitionDateTime="2023") == {tagged["sop3"]}
    assert sops(AcquisitionDateTime="20240101-20241231") == {tagged["sop1"], tagged["sop2"]}
    assert sops(AcquisitionDateTime="-20240102") == {tagged["sop3"]}
    assert sops(ContentTime="1200-") == {tagged["sop2"], tagged["sop3"]}
    assert sops(ContentTime="0800-0900") == {tagged["sop1"]}
    assert sops(ContentDate="20240101-20240401") == {tagged["sop1"], tagged["sop2"]}
    assert sops(ContentDate="20231231") == {tagged["sop3"]}


def test_person_name_exact_and_fuzzy(http: TestClient, tagged: dict) -> None:
    def series(**params: object) -> set[str]:
        return uids_of(search(http, "/series", **params), "0020000E")

    assert series(OperatorsName="doe^john") == {tagged["series2"]}
    assert series(OperatorsName="MULLER^JURGEN") == {tagged["series3"]}
    assert series(OperatorsName="jo", fuzzymatching="true") == {tagged["series1"],
                                                                tagged["series2"]}
    assert series(OperatorsName="jo ma", fuzzymatching="true") == {tagged["series1"]}
    # A phrase prefix (CONTAINS '"ma jo*"'): the words adjacent and in order.
    assert series(OperatorsName="ma jo", fuzzymatching="true") == set()
    assert series(OperatorsName="john doe", fuzzymatching="true") == set()
    assert series(OperatorsName="do^jo", fuzzymatching="true") == {tagged["series2"]}
    assert series(OperatorsName="mary", fuzzymatching="true") == {tagged["series1"]}
    assert series(OperatorsName="ohn", fuzzymatching="true") == set()
    assert series(OperatorsName="jo") == set()  # exact without fuzzymatching


def test_tag_not_ready_is_not_queryable(http: TestClient) -> None:
    assert store(http, PatientAge="030Y") == 200
    with paused(http.app.state.components.reindexer):
        add_tags(http, {"path": "PatientAge", "level": "Study"})
        response = http.get("/v2/studies", params={"PatientAge": "030Y"}, headers=ACCEPT_DICOM_JSON)
        assert response.status_code == 400
        assert response.text.startswith(NOT_QUERYABLE.format("PatientAge"))


def test_errors_disable_queries_until_enabled_then_warn(http: TestClient) -> None:
    study = generate_uid()
    assert store(http, study, generate_uid(), generate_uid(), PatientAge="030Y") == 200
    assert store(http, generate_uid(), generate_uid(), generate_uid(), version="v1",
                 PatientAge="THIRTY") == 200
    add_and_wait(http, {"path": "PatientAge", "level": "Study"})
    disabled = http.get("/v2/studies", params={"PatientAge": "030Y"}, headers=ACCEPT_DICOM_JSON)
    assert disabled.status_code == 400
    assert disabled.text == "Query is disabled on specified attribute 'PatientAge'."

    patched = http.patch("/v2/extendedquerytags/PatientAge", json={"queryStatus": "Enabled"})
    assert patched.status_code == 200
    enabled = http.get("/v2/studies", params={"00101010": "030Y"}, headers=ACCEPT_DICOM_JSON)
    assert enabled.status_code == 200
    assert enabled.headers["erroneous-dicom-attributes"] == "00101010"
    assert uids_of(enabled.json(), "0020000D") == {study}


def test_deleted_tag_is_not_queryable(http: TestClient, tagged: dict) -> None:
    assert http.delete("/v2/extendedquerytags/PatientAge").status_code == 204
    response = http.get("/v2/studies", params={"PatientAge": "030Y"}, headers=ACCEPT_DICOM_JSON)
    assert response.status_code == 400
    assert response.text.startswith(NOT_QUERYABLE.format("PatientAge"))


def test_newest_instance_gives_a_series_its_value(http: TestClient) -> None:
    add_and_wait(http, {"path": "SeriesDescription", "level": "Series"})
    study, series = generate_uid(), generate_uid()
    assert store(http, study, series, generate_uid(), SeriesDescription="first") == 200
    assert store(http, study, series, generate_uid(), SeriesDescription="second") == 200
    assert search(http, "/series", SeriesDescription="first") == []
    assert uids_of(search(http, "/series", SeriesDescription="SECOND"), "0020000E") == {series}


def test_private_tag_by_path(http: TestClient) -> None:
    add_and_wait(http, {"path": "00091001", "vr": "LO", "privateCreator": "ACME",
                        "level": "Instance"})
    ds = make_dataset()
    ds.private_block(0x0009, "ACME", create=True).add_new(0x01, "LO", "tumor board")
    assert store_dataset(http, ds) == 200
    found = search(http, "/instances", **{"00091001": "Tumor Board"})
    assert uids_of(found, "00080018") == {ds.SOPInstanceUID}


def test_numbers_match_as_numbers(http: TestClient) -> None:
    add_and_wait(http, {"path": "Rows", "level": "Instance"},
                 {"path": "SeriesNumber", "level": "Series"})
    assert store(http, rows=16, SeriesNumber="0042") == 200
    assert len(search(http, "/instances", Rows=16)) == 1
    assert len(search(http, "/instances", Rows=8)) == 0
    assert len(search(http, "/series", SeriesNumber=42)) == 1


def test_a_uid_list_on_a_ui_tag_is_one_value(http: TestClient) -> None:
    """No UID list matching for extended query tags either: ``a,b`` is compared whole."""
    add_and_wait(http, {"path": "FrameOfReferenceUID", "level": "Series"})
    frame, other = generate_uid(), generate_uid()
    assert store(http, FrameOfReferenceUID=frame) == 200
    assert store(http, FrameOfReferenceUID=other) == 200
    assert len(search(http, "/series", FrameOfReferenceUID=frame)) == 1
    assert search(http, "/series", FrameOfReferenceUID=f"{frame},{other}") == []
    assert search(http, "/series", FrameOfReferenceUID=f"{frame},") == []
