"""QIDO-RS through HTTP: returned attributes, paging and order, the extension point, and
the official tutorial's searches."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from dicom_emulator.dicom.attributes import Level
from dicom_emulator.dicom.matching import Condition
from dicom_emulator.storage import search as storage_search
from dicom_emulator.storage.search import Criterion, IndexColumn
from tests.support.datasets import make_instance
from tests.support.headers import ACCEPT_DICOM_JSON, STOW_SINGLE_PART
from tests.support.qido import (
    MODALITY,
    PATIENT_NAME,
    SERIES_UID,
    SOP_UID,
    STUDY_UID,
    Seeded,
    assert_search,
    first,
    store,
    uids,
    values,
)
from tests.support.stow import multipart_stow

# -- returned attributes -------------------------------------------------------------------

V2_STUDY = {"00080020", "00080050", "00081030", "00080090", "00100010", "00100020", "00100030",
            "0020000D"}
V2_SERIES = {"00080060", "00081090", "0020000E", "00400244"}


def test_v2_defaults_per_level(read_only_http: TestClient, seeded: Seeded) -> None:
    http, a = read_only_http, seeded.a
    (study,) = assert_search(http, f"/v2/studies?StudyInstanceUID={a}")
    assert set(study) == V2_STUDY - {"00100030"}  # PatientBirthDate is not in the file
    assert first(study, "00081030") == "Head CT"
    assert first(study, PATIENT_NAME) == {"Alphabetic": "John^Doe"}
    (series,) = assert_search(http, f"/v2/studies/{a}/series?SeriesInstanceUID={seeded.a_ct}")
    assert set(series) == V2_SERIES | {STUDY_UID}  # + the path UID
    (instance,) = assert_search(http, f"/v2/studies/{a}/series/{seeded.a_ct}/instances?limit=1")
    assert set(instance) == {STUDY_UID, SERIES_UID, SOP_UID}


def test_v1_defaults_are_the_larger_set(read_only_http: TestClient, seeded: Seeded) -> None:
    http = read_only_http
    (study,) = assert_search(http, f"/v1/studies?StudyInstanceUID={seeded.a}")
    assert "00081030" not in study  # StudyDescription is a v2 default only
    assert first(study, "00080030") == "101500"  # StudyTime
    assert first(study, "00100040") == "M"  # PatientSex
    assert "00080056" not in study  # InstanceAvailability: only when the file has it
    (series,) = assert_search(http, f"/v1/series?SeriesInstanceUID={seeded.a_ct}")
    assert "00081090" not in series  # ManufacturerModelName is a v2 default only
    assert first(series, MODALITY) == "CT"
    (instance,) = assert_search(http, f"/v1/instances?SOPInstanceUID={seeded.sops[0]}")
    assert first(instance, "00080016") == "1.2.840.10008.5.1.4.1.1.7"  # SOPClassUID
    assert first(instance, "00280010") == 8  # Rows


def test_higher_levels_are_added(read_only_http: TestClient, seeded: Seeded) -> None:
    http = read_only_http
    (series,) = assert_search(http, f"/v2/series?SeriesInstanceUID={seeded.b_us}")
    assert first(series, PATIENT_NAME) == {"Alphabetic": "Renée^Françoise"}  # study level
    (instance,) = assert_search(http, f"/v2/instances?SOPInstanceUID={seeded.sops[3]}")
    assert first(instance, PATIENT_NAME) == {"Alphabetic": "Renée^Françoise"}
    assert first(instance, MODALITY) == "US"
    (instance,) = assert_search(http, f"/v2/studies/{seeded.b}/instances")
    assert first(instance, MODALITY) == "US"  # series level
    assert PATIENT_NAME not in instance  # but not the study level
    assert first(instance, STUDY_UID) == seeded.b  # the path UID


def test_includefield_named(read_only_http: TestClient, seeded: Seeded) -> None:
    http = read_only_http
    (study,) = assert_search(http, "/v2/studies?PatientID=PID-A&includefield=StudyTime,00100040"
                                   "&includefield=NumberOfStudyRelatedInstances"
                                   "&includefield=NumberOfStudyRelatedSeries,ModalitiesInStudy")
    # NumberOfStudyRelatedSeries (0020,1206) is no computed attribute of the service's
    assert set(study) == V2_STUDY - {"00100030"} | {"00080030", "00100040", "00201208",
                                                    "00080061"}
    assert first(study, "00201208") == 3
    assert values(study, "00080061") == ["CT", "MR"]
    found = assert_search(
        http, f"/v2/studies/{seeded.a}/series?includefield=NumberOfSeriesRelatedInstances")
    assert [first(s, "00201209") for s in found] == [1, 2]


def test_includefield_all(read_only_http: TestClient, seeded: Seeded) -> None:
    http = read_only_http
    (study,) = assert_search(http, "/v2/studies?PatientID=PID-A&includefield=all")
    assert {"00080030", "00100040", "00200010"} <= set(study)
    assert "00080056" not in study  # InstanceAvailability is not made up
    assert "00201208" not in study  # computed attributes only when named
    (instance,) = assert_search(http, f"/v2/studies/{seeded.a}/instances?SOPInstanceUID="
                                      f"{seeded.sops[0]}&includefield=all")
    assert first(instance, "00200013") == 1  # InstanceNumber (instance level)
    assert first(instance, MODALITY) == "CT"  # series level
    assert "00081090" not in instance  # ManufacturerModelName is not in AllSeriesTags
    assert PATIENT_NAME not in instance


def test_includefield_beyond_the_level_sets_reads_the_newest_instance(
        read_only_http: TestClient, seeded: Seeded) -> None:
    (study,) = assert_search(read_only_http,
                             "/v2/studies?PatientID=PID-A&includefield=ImageComments")
    assert first(study, "00204000") == "the MR one"


# -- paging and order ------------------------------------------------------------------------


def test_limit_and_offset_page_newest_first(read_only_http: TestClient, seeded: Seeded) -> None:
    http = read_only_http
    pages = [uids(assert_search(http, f"/v2/instances?limit=2&offset={o}"), SOP_UID)
             for o in (0, 2, 4)]
    assert pages == [seeded.newest_instances[0:2], seeded.newest_instances[2:4],
                     seeded.newest_instances[4:]]
    assert_search(http, "/v2/instances?limit=2&offset=5", status=204)
    assert uids(assert_search(http, "/v2/studies?LIMIT=1&Offset=1"), STUDY_UID) == [seeded.b]


def test_default_limit_is_100(http: TestClient) -> None:
    study = generate_uid()
    # One request: 101 series of one instance each.
    body, headers = multipart_stow(*(make_instance(study, generate_uid(), generate_uid())
                                     for _ in range(101)))
    response = http.post("/v2/studies", content=body, headers=headers)
    assert response.status_code == 200, response.text
    assert len(assert_search(http, "/v2/series")) == 100
    assert len(assert_search(http, "/v2/series?limit=200")) == 101


@pytest.mark.parametrize("url", [
    "/v2/studies", "/v2/studies?ModalitiesInStudy=CT&StudyDate=20200101-",
    "/v2/series?Modality=CT&limit=1&offset=1", "/v2/instances?PatientName=jo&fuzzymatching=true",
    "/v2/instances?Modality=CT&includefield=all",
])
def test_slow_plans_fall_back_to_a_walk_in_key_order(read_only_http: TestClient, seeded: Seeded,
                                                     url: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    expected = assert_search(read_only_http, url)
    walks: list[bool] = []
    page_sql = storage_search.page_sql

    def spy(*args: Any, in_order: bool = False) -> tuple[str, list[Any]]:
        walks.append(in_order)
        return page_sql(*args, in_order=in_order)

    monkeypatch.setattr(storage_search, "page_sql", spy)
    monkeypatch.setattr(storage_search, "PLANNER_BUDGET_SECONDS", -1.0)
    monkeypatch.setattr(storage_search, "PROGRESS_STEPS", 1)
    assert assert_search(read_only_http, url) == expected
    assert walks == [False, True]  # the planner's plan was cut short, then the walk ran


# -- the extension point ---------------------------------------------------------------------


@dataclass(frozen=True)
class SeriesDescriptionTag:
    """A stand-in extended query tag: named SeriesDescription, its values searched in the
    ManufacturerModelName column (the tests store both with the same value)."""

    tag: str = "0008103E"
    name: str = "SeriesDescription"
    vr: str = "LO"
    level: Level = Level.SERIES
    query_disabled: bool = False
    has_errors: bool = True

    def criterion(self, condition: Condition) -> Criterion:
        return Criterion(IndexColumn(Level.SERIES, "manufacturer_model_name"), condition)


def test_extra_attributes_plug_in_through_components(http: TestClient, tmp_path: Path) -> None:
    study, series = generate_uid(), generate_uid()
    store(http, study, series, generate_uid(), SeriesDescription="axial",
          ManufacturerModelName="axial")
    store(http, study, generate_uid(), generate_uid(), SeriesDescription="coronal",
          ManufacturerModelName="coronal")
    http.app.state.components.query_attributes = lambda: [SeriesDescriptionTag()]
    response = http.get("/v2/series?SeriesDescription=axial", headers=ACCEPT_DICOM_JSON)
    assert response.status_code == 200
    assert response.headers["erroneous-dicom-attributes"] == "SeriesDescription"
    (found,) = response.json()
    assert (first(found, SERIES_UID), first(found, "0008103E")) == (series, "axial")
    response = http.get("/v2/studies?SeriesDescription=axial", headers=ACCEPT_DICOM_JSON)
    assert response.status_code == 400  # a series-level tag is not queryable on /studies
    http.app.state.components.query_attributes = lambda: [SeriesDescriptionTag(query_disabled=True)]
    response = http.get("/v2/series?SeriesDescription=axial", headers=ACCEPT_DICOM_JSON)
    assert (response.status_code, response.text) == (
        400, "Query is disabled on specified attribute 'SeriesDescription'.")


# -- the official tutorial -------------------------------------------------------------------

SAMPLE_STUDY = "1.2.826.0.1.3680043.8.498.13230779778012324449356534479549187420"
SAMPLE_SERIES = "1.2.826.0.1.3680043.8.498.45787841905473114233124723359129632652"
SAMPLE_SOP = "1.2.826.0.1.3680043.8.498.47359123102728459884412887463296905395"  # red triangle


def test_azure_tutorial_searches(http: TestClient, azure_samples: dict[str, Path]) -> None:
    for path in azure_samples.values():
        response = http.post("/v2/studies", content=path.read_bytes(), headers=STOW_SINGLE_PART)
        assert response.status_code in (200, 202), response.text
    s, se, sop = SAMPLE_STUDY, SAMPLE_SERIES, SAMPLE_SOP
    calls = [
        (f"/v2/studies?StudyInstanceUID={s}", STUDY_UID, [s]),
        (f"/v2/series?SeriesInstanceUID={se}", SERIES_UID, [se]),
        (f"/v2/studies/{s}/series?SeriesInstanceUID={se}", SERIES_UID, [se]),
        (f"/v2/instances?SOPInstanceUID={sop}", SOP_UID, [sop]),
        (f"/v2/studies/{s}/instances?SOPInstanceUID={sop}", SOP_UID, [sop]),
        (f"/v2/studies/{s}/series/{se}/instances?SOPInstanceUID={sop}", SOP_UID, [sop]),
    ]
    for url, tag, expected in calls:
        assert uids(assert_search(http, url), tag) == expected, url
    (study,) = assert_search(http, "/v2/studies?PatientName=anony&fuzzymatching=true"
                                   "&includefield=NumberOfStudyRelatedInstances")
    assert first(study, PATIENT_NAME) == {"Alphabetic": "Anony Mous"}
    assert first(study, "00201208") == 3
    # Fuzzy matching is SQL Server's phrase prefix: each word a prefix, adjacent, in order.
    for name, matches in [("anony%20mo", True), ("an%20mo", True), ("anony%20mous", True),
                          ("mous", True), ("mo", True), ("mo%20an", False),
                          ("mous%20anony", False), ("anony%20x", False), ("nony", False)]:
        found = assert_search(http, f"/v2/studies?PatientName={name}&fuzzymatching=true",
                              status=200 if matches else 204)
        assert uids(found, STUDY_UID) == ([s] if matches else []), name
    assert len(assert_search(http, f"/v2/studies/{s}/series")) == 2
