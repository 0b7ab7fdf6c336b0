"""QIDO's returned attributes as the service builds them (QueryResponseBuilder.cs,
QueryService.GetInstanceMetadataAsync, StudyResult.cs, SeriesResult.cs): nothing made up,
computed attributes only where the service adds them, and results served from its index
rows without empty values."""

from __future__ import annotations

import pytest
from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from tests.support.qido import MODALITY, Seeded, assert_search, first, store

INSTANCE_AVAILABILITY = "00080056"
STUDY_INSTANCES, SERIES_INSTANCES = "00201208", "00201209"
MODEL_NAME = "00081090"

# -- InstanceAvailability (M13) --------------------------------------------------------------


@pytest.mark.parametrize("url", ["/v1/studies", "/v1/instances", "/v2/studies?includefield=all",
                                 "/v2/instances?includefield=all",
                                 "/v2/studies?includefield=InstanceAvailability"])
def test_instance_availability_is_not_made_up(read_only_http: TestClient, seeded: Seeded,
                                              url: str) -> None:
    assert all(INSTANCE_AVAILABILITY not in ds for ds in assert_search(read_only_http, url))


def test_instance_availability_is_returned_when_the_file_has_it(http: TestClient) -> None:
    study = generate_uid()
    store(http, study, generate_uid(), generate_uid(), InstanceAvailability="NEARLINE")
    (found,) = assert_search(http, f"/v1/studies?StudyInstanceUID={study}")
    assert found[INSTANCE_AVAILABILITY] == {"vr": "CS", "Value": ["NEARLINE"]}
    (found,) = assert_search(http, f"/v1/instances?StudyInstanceUID={study}")
    assert found[INSTANCE_AVAILABILITY] == {"vr": "CS", "Value": ["NEARLINE"]}


# -- computed attributes (M14) ---------------------------------------------------------------


def test_no_number_of_study_related_series(read_only_http: TestClient, seeded: Seeded) -> None:
    (study,) = assert_search(read_only_http, f"/v2/studies?StudyInstanceUID={seeded.a}"
                                             "&includefield=NumberOfStudyRelatedSeries")
    assert "00201206" not in study


@pytest.mark.parametrize("route", ["/v1/instances", "/v2/instances", "/v2/studies/{a}/instances",
                                   "/v2/studies/{a}/series/{a_ct}/instances"])
def test_instance_results_carry_no_computed_counts(read_only_http: TestClient, seeded: Seeded,
                                                   route: str) -> None:
    url = route.format(a=seeded.a, a_ct=seeded.a_ct) + (
        "?includefield=NumberOfStudyRelatedInstances,NumberOfSeriesRelatedInstances"
        "&includefield=ModalitiesInStudy")
    for instance in assert_search(read_only_http, url):
        assert not {STUDY_INSTANCES, SERIES_INSTANCES, "00080061"} & set(instance)


def test_where_the_study_and_series_counts_appear(read_only_http: TestClient,
                                                  seeded: Seeded) -> None:
    http, a, a_ct = read_only_http, seeded.a, seeded.a_ct
    counts = ("includefield=NumberOfStudyRelatedInstances"
              "&includefield=NumberOfSeriesRelatedInstances")
    # Served from the index rows (v2, every attribute there): both rows are added.
    (series,) = assert_search(http, f"/v2/series?SeriesInstanceUID={a_ct}&{counts}")
    assert (first(series, STUDY_INSTANCES), first(series, SERIES_INSTANCES)) == (3, 2)
    (study,) = assert_search(http, f"/v2/studies?StudyInstanceUID={a}&{counts}")
    # The series count is that of the series of the study's newest instance (the MR one).
    assert (first(study, STUDY_INSTANCES), first(study, SERIES_INSTANCES)) == (3, 1)
    # Served from the stored metadata (v1 defaults, or any other attribute asked for):
    # only the result level's own computed attributes.
    for url in (f"/v1/series?SeriesInstanceUID={a_ct}&{counts}",
                f"/v2/series?SeriesInstanceUID={a_ct}&{counts}&includefield=StudyTime"):
        (series,) = assert_search(http, url)
        assert first(series, SERIES_INSTANCES) == 2 and STUDY_INSTANCES not in series, url
    for url in (f"/v1/studies?StudyInstanceUID={a}&{counts}",
                f"/v2/studies?StudyInstanceUID={a}&{counts}&includefield=StudyTime"):
        (study,) = assert_search(http, url)
        assert first(study, STUDY_INSTANCES) == 3 and SERIES_INSTANCES not in study, url


# -- includefield=all at series level (M12) --------------------------------------------------


@pytest.mark.parametrize("prefix", ["v1", "v2"])
def test_includefield_all_leaves_out_manufacturer_model_name(read_only_http: TestClient,
                                                             seeded: Seeded, prefix: str) -> None:
    http, a, a_ct = read_only_http, seeded.a, seeded.a_ct
    (default,) = assert_search(http, f"/v2/series?SeriesInstanceUID={a_ct}")
    assert first(default, MODEL_NAME) == "Scanner X"  # a v2 default
    for route in (f"/{prefix}/series", f"/{prefix}/studies/{a}/series"):
        (series,) = assert_search(http, f"{route}?SeriesInstanceUID={a_ct}&includefield=all")
        assert MODEL_NAME not in series, route
        assert first(series, MODALITY) == "CT"
    # A filter is always returned, so is a named field.
    (series,) = assert_search(http, f"/{prefix}/series?ManufacturerModelName=Scanner%20X"
                                    f"&SeriesInstanceUID={a_ct}&includefield=all")
    assert first(series, MODEL_NAME) == "Scanner X"


# -- empty values (M15) ----------------------------------------------------------------------


@pytest.fixture
def with_empties(http: TestClient) -> str:
    study = generate_uid()
    store(http, study, generate_uid(), generate_uid(), AccessionNumber="", PatientBirthDate="",
          ReferringPhysicianName="", StudyDescription="", ManufacturerModelName="",
          StudyTime="101500")
    return study


def test_v2_results_from_index_rows_leave_out_empty_values(http: TestClient,
                                                           with_empties: str) -> None:
    study = with_empties
    (found,) = assert_search(http, f"/v2/studies?StudyInstanceUID={study}")
    assert set(found) == {"00080020", "00100010", "00100020", "0020000D"}
    (found,) = assert_search(http, f"/v2/series?StudyInstanceUID={study}")
    assert set(found) == {"00080020", "00100010", "00100020", "0020000D", MODALITY, "0020000E"}
    (found,) = assert_search(http, f"/v2/studies/{study}/series")
    assert set(found) == {"0020000D", MODALITY, "0020000E"}


@pytest.mark.parametrize("url", ["/v1/studies?StudyInstanceUID={}",
                                 "/v2/studies?StudyInstanceUID={}&includefield=StudyTime",
                                 "/v2/studies?StudyInstanceUID={}&includefield=all"])
def test_results_from_stored_metadata_keep_empty_values(http: TestClient, with_empties: str,
                                                        url: str) -> None:
    (found,) = assert_search(http, url.format(with_empties))
    assert found["00080050"] == {"vr": "SH"}  # AccessionNumber
    assert found["00100030"] == {"vr": "DA"}  # PatientBirthDate
    assert found["00080090"] == {"vr": "PN"}  # ReferringPhysicianName


def test_v2_instance_results_keep_empty_values(http: TestClient, with_empties: str) -> None:
    (found,) = assert_search(http, f"/v2/instances?StudyInstanceUID={with_empties}")
    assert found["00080050"] == {"vr": "SH"} and found[MODEL_NAME] == {"vr": "LO"}
