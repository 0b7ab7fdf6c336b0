"""QIDO-RS through HTTP: the six routes, matching, returned attributes, paging, errors.

Most tests only read: they share one app seeded once per module (``read_only_http`` and
``seeded``), and fail if they store or delete anything there. A test that changes the seed
data takes ``writable_seeded``, the same data in its own app (``http``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from dicom_emulator import EmulatorSettings, create_app
from dicom_emulator.dicom.attributes import Level
from dicom_emulator.dicom.matching import Condition
from dicom_emulator.storage import search as storage_search
from dicom_emulator.storage.search import Criterion, IndexColumn
from tests.support.datasets import make_instance
from tests.support.headers import ACCEPT_DICOM_JSON, STOW_SINGLE_PART
from tests.support.stow import multipart_stow

STUDY_UID, SERIES_UID, SOP_UID = "0020000D", "0020000E", "00080018"
PATIENT_NAME, MODALITY = "00100010", "00080060"


def values(dataset: dict[str, Any], tag: str) -> list[Any]:
    return dataset.get(tag, {}).get("Value", [])


def first(dataset: dict[str, Any], tag: str) -> Any:
    return values(dataset, tag)[0]


def store(http: TestClient, study: str, series: str, sop: str, **attributes: Any) -> None:
    response = http.post("/v2/studies", content=make_instance(study, series, sop, **attributes),
                         headers=STOW_SINGLE_PART)
    assert response.status_code == 200, response.text


def assert_search(http: TestClient, url: str, status: int = 200) -> list[dict[str, Any]]:
    """GET a QIDO ``url`` and assert its status (200: DICOM JSON; 204: an empty body)."""
    response = http.get(url, headers=ACCEPT_DICOM_JSON)
    assert response.status_code == status, response.text
    if status == 204:
        assert response.content == b""
        return []
    assert response.headers["content-type"].startswith("application/dicom+json")
    return response.json()  # type: ignore[no-any-return]


def uids(datasets: list[dict[str, Any]], tag: str) -> list[str]:
    return [first(d, tag) for d in datasets]


@dataclass
class Seeded:
    """Three studies stored oldest first: A (2 series, 3 instances), B, C (newest)."""

    a: str
    a_ct: str
    a_mr: str
    b: str
    b_us: str
    c: str
    c_ct: str
    sops: list[str]  # in store order

    @property
    def newest_instances(self) -> list[str]:
        return self.sops[::-1]


def seed(http: TestClient) -> Seeded:
    """Store the three studies of ``Seeded``, one instance per request."""
    s = Seeded(*(generate_uid() for _ in range(7)), sops=[])  # type: ignore[misc]
    study_a = dict(PatientName="John^Doe", PatientID="PID-A", StudyDate="20200115",
                   AccessionNumber="ACC-1", ReferringPhysicianName="House^Gregory",
                   StudyDescription="Head CT", StudyTime="101500", PatientSex="M", StudyID="7")
    instances = [
        (s.a, s.a_ct, dict(study_a, Modality="CT", ManufacturerModelName="Scanner X",
                           PerformedProcedureStepStartDate="20200115", InstanceNumber=1)),
        (s.a, s.a_ct, dict(study_a, Modality="CT", ManufacturerModelName="Scanner X",
                           PerformedProcedureStepStartDate="20200115", InstanceNumber=2)),
        (s.a, s.a_mr, dict(study_a, Modality="MR", ImageComments="the MR one")),
        (s.b, s.b_us, dict(PatientName="Renée^Françoise", PatientID="PID-B", StudyDate="20210610",
                           StudyDescription="Tête", Modality="US")),
        (s.c, s.c_ct, dict(PatientName="Johnson^Mary", PatientID="pid-c", StudyDate="20220301",
                           Modality="CT")),
    ]
    for study, series, attributes in instances:
        sop = generate_uid()
        s.sops.append(sop)
        store(http, study, series, sop, **attributes)
    return s


def latest_change(http: TestClient) -> object:
    response = http.get("/v2/changefeed/latest", headers=ACCEPT_DICOM_JSON)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def seeded_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Seeded]]:
    """One app for the module, seeded once: (client, what was stored)."""
    settings = EmulatorSettings(data_dir=tmp_path_factory.mktemp("query") / "emulator",
                                auth=False)
    with TestClient(create_app(settings), base_url="http://testserver") as client:
        yield client, seed(client)


@pytest.fixture
def read_only_http(seeded_app: tuple[TestClient, Seeded]) -> Iterator[TestClient]:
    """The module's seeded app, for a test that only reads; one that writes fails here."""
    client, _ = seeded_app
    before = latest_change(client)
    yield client
    assert latest_change(client) == before, (
        "this test changed the shared seed data: give it `writable_seeded` and `http`")


@pytest.fixture
def seeded(seeded_app: tuple[TestClient, Seeded], read_only_http: TestClient,
           request: pytest.FixtureRequest) -> Seeded:
    """What ``read_only_http`` holds (the app's own ``http`` is empty: never pair them)."""
    assert "http" not in request.fixturenames, "seeded data is in `read_only_http`, not `http`"
    return seeded_app[1]


@pytest.fixture
def writable_seeded(http: TestClient) -> Seeded:
    """The seed data stored in the test's own app, for a test that changes it."""
    return seed(http)


# -- routes and status codes -----------------------------------------------------------


def test_the_six_routes(read_only_http: TestClient, seeded: Seeded) -> None:
    http, s = read_only_http, seeded
    assert uids(assert_search(http, "/v2/studies"), STUDY_UID) == [s.c, s.b, s.a]
    assert uids(assert_search(http, "/v2/series"), SERIES_UID) == [
        s.c_ct, s.b_us, s.a_mr, s.a_ct]
    assert uids(assert_search(http, "/v2/instances"), SOP_UID) == s.newest_instances
    assert uids(assert_search(http, f"/v2/studies/{s.a}/series"), SERIES_UID) == [
        s.a_mr, s.a_ct]
    assert uids(assert_search(http, f"/v2/studies/{s.a}/instances"), SOP_UID) == s.sops[2::-1]
    assert uids(assert_search(http, f"/v2/studies/{s.a}/series/{s.a_ct}/instances"),
                SOP_UID) == s.sops[1::-1]


@pytest.mark.parametrize("prefix", ["v1.0-prerelease", "v1", "v2"])
def test_every_version_prefix_searches(read_only_http: TestClient, seeded: Seeded,
                                       prefix: str) -> None:
    found = assert_search(read_only_http, f"/{prefix}/studies?PatientID=PID-B")
    assert uids(found, STUDY_UID) == [seeded.b]


@pytest.mark.parametrize("path", [
    "/v2/studies?PatientID=nobody", "/v2/series?Modality=XA", "/v2/instances?SOPInstanceUID=1.2",
    "/v2/studies/1.2.3/series", "/v2/studies/1.2.3/instances",
    "/v2/studies/1.2.3/series/1.2.3.4/instances",
])
def test_no_match_is_204_with_empty_body(read_only_http: TestClient, seeded: Seeded,
                                         path: str) -> None:
    assert_search(read_only_http, path, status=204)


def test_empty_store_is_204(http: TestClient) -> None:
    assert_search(http, "/v2/studies", status=204)


@pytest.mark.parametrize("path", ["/v2/studies", "/v2/studies/1.2/series/1.3/instances"])
@pytest.mark.parametrize("accept", ["application/json", "application/dicom", ""])
def test_accept_must_admit_dicom_json(read_only_http: TestClient, seeded: Seeded, path: str,
                                      accept: str) -> None:
    response = read_only_http.get(path, headers={"Accept": accept})
    assert response.status_code == 406
    assert response.content == b""


@pytest.mark.parametrize("accept", ["*/*", "application/*", "application/dicom+json; q=0.5"])
def test_wildcard_accept_is_fine(read_only_http: TestClient, seeded: Seeded, accept: str) -> None:
    assert read_only_http.get("/v2/studies", headers={"Accept": accept}).status_code == 200


@pytest.mark.parametrize("path", ["/v2/studies/1.2.x/series",
                                  "/v2/studies/1.2/series/abc/instances"])
def test_invalid_path_uid_is_400(read_only_http: TestClient, path: str) -> None:
    response = read_only_http.get(path, headers=ACCEPT_DICOM_JSON)
    assert response.status_code == 400
    assert response.text.startswith("DICOM Identifier is invalid.")


@pytest.mark.parametrize(("query", "message"), [
    ("limit=500", "The query parameter 'limit' is invalid."),
    ("patientname=Doe", "Invalid query: unknown query parameter 'patientname'."),
    ("SOPInstanceUID=1.2", "Invalid query: AttributeId SOPInstanceUID is not queryable."),
    ("StudyDate=2020", "Date should be valid and formatted as yyyyMMdd."),
    ("PatientID=", "has empty string value that is not supported."),
    ("PatientID=1&00100020=1", "has been specified more than once"),
    ("includefield=all&includefield=PatientSex",
     "Invalid query: cannot specify included fields in addition to 'all'."),
])
def test_bad_queries_are_400_plain_text(read_only_http: TestClient, seeded: Seeded, query: str,
                                        message: str) -> None:
    response = read_only_http.get(f"/v2/studies?{query}", headers=ACCEPT_DICOM_JSON)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert message in response.text


def test_path_uid_given_again_as_filter(read_only_http: TestClient, seeded: Seeded) -> None:
    response = read_only_http.get(
        f"/v2/studies/{seeded.a}/series?StudyInstanceUID={seeded.a}", headers=ACCEPT_DICOM_JSON)
    assert response.status_code == 400
    assert "cannot specify attribute 'StudyInstanceUID' for the given resource" in response.text


# -- matching ------------------------------------------------------------------------------


@pytest.mark.parametrize(("dates", "expected"), [
    ("20200115", "a"), ("20200101-20201231", "a"), ("20210101-", "cb"), ("-20210610", "ba"),
    ("20200116-20210609", ""),
])
def test_study_date_ranges(read_only_http: TestClient, seeded: Seeded, dates: str,
                           expected: str) -> None:
    found = assert_search(read_only_http, f"/v2/studies?StudyDate={dates}",
                          status=200 if expected else 204)
    assert uids(found, STUDY_UID) == [getattr(seeded, k) for k in expected]


def test_series_date_range_on_all_instances(read_only_http: TestClient, seeded: Seeded) -> None:
    found = assert_search(read_only_http,
                          "/v2/instances?PerformedProcedureStepStartDate=-20200115")
    assert uids(found, SOP_UID) == seeded.sops[1::-1]


def test_person_names_are_case_and_accent_insensitive(read_only_http: TestClient,
                                                      seeded: Seeded) -> None:
    http = read_only_http
    assert uids(assert_search(http, "/v2/studies?PatientName=JOHN^doe"), STUDY_UID) == [seeded.a]
    assert uids(assert_search(http, "/v2/studies?PatientName=renee^FRANCOISE"), STUDY_UID) == [
        seeded.b]
    # Exact match: a part of the name is not enough without fuzzymatching.
    assert_search(http, "/v2/studies?PatientName=John", status=204)


def test_other_strings_are_case_insensitive_but_accent_sensitive(read_only_http: TestClient,
                                                                 seeded: Seeded) -> None:
    http = read_only_http
    assert uids(assert_search(http, "/v2/studies?PatientID=PID-C"), STUDY_UID) == [seeded.c]
    assert uids(assert_search(http, "/v2/studies?StudyDescription=head%20ct"), STUDY_UID) == [
        seeded.a]
    assert uids(assert_search(http, "/v2/series?ManufacturerModelName=SCANNER%20x"),
                SERIES_UID) == [seeded.a_ct]
    assert_search(http, "/v2/studies?StudyDescription=Tete", status=204)
    assert uids(assert_search(http, "/v2/studies?StudyDescription=T%C3%AAte"), STUDY_UID) == [
        seeded.b]


@pytest.mark.parametrize(("name", "expected"), [
    ("jo%20do", "a"), ("John%20Doe", "a"), ("doe", "a"), ("jo", "ca"), ("MARY", "c"),
    ("ohn", ""), ("jo%20x", ""), ("fran", "b"), ("Ren%C3%A9e", "b"), ("do%5Ejo", "a"),
])
def test_fuzzy_matching_prefix_words(read_only_http: TestClient, seeded: Seeded, name: str,
                                     expected: str) -> None:
    found = assert_search(read_only_http, f"/v2/studies?PatientName={name}&fuzzymatching=true",
                          status=200 if expected else 204)
    assert uids(found, STUDY_UID) == [getattr(seeded, k) for k in expected]


def test_fuzzy_matching_on_referring_physician_and_all_series(read_only_http: TestClient,
                                                              seeded: Seeded) -> None:
    found = assert_search(read_only_http,
                          "/v2/series?ReferringPhysicianName=greg&fuzzymatching=true")
    assert uids(found, SERIES_UID) == [seeded.a_mr, seeded.a_ct]


def test_fuzzy_index_follows_updates_and_deletes(http: TestClient,
                                                 writable_seeded: Seeded) -> None:
    seeded = writable_seeded
    store(http, seeded.c, seeded.c_ct, generate_uid(), PatientName="Smith^Anna")
    assert uids(assert_search(http, "/v2/studies?PatientName=ann&fuzzymatching=true"),
                STUDY_UID) == [seeded.c]
    assert_search(http, "/v2/studies?PatientName=mary&fuzzymatching=true", status=204)
    assert http.delete(f"/v2/studies/{seeded.a}").status_code == 204
    assert_search(http, "/v2/studies?PatientName=jo%20do&fuzzymatching=true", status=204)


def test_percent_encoded_values_and_literal_wildcards(http: TestClient) -> None:
    study, other = generate_uid(), generate_uid()
    store(http, study, generate_uid(), generate_uid(), PatientName="A*", PatientID="X?1")
    store(http, other, generate_uid(), generate_uid(), PatientName="Abc", PatientID="X11")
    assert uids(assert_search(http, "/v2/studies?PatientName=A%2A"), STUDY_UID) == [study]
    assert uids(assert_search(http, "/v2/studies?PatientID=X%3F1"), STUDY_UID) == [study]
    assert_search(http, "/v2/studies?PatientName=A", status=204)


def test_a_uid_list_matches_any_of_its_uids(read_only_http: TestClient, seeded: Seeded) -> None:
    found = assert_search(read_only_http,
                          f"/v2/studies?StudyInstanceUID={seeded.a},{seeded.c}")
    assert uids(found, STUDY_UID) == [seeded.c, seeded.a]
    found = assert_search(read_only_http,
                          f"/v2/instances?SOPInstanceUID={seeded.sops[0]},{seeded.sops[4]}")
    assert uids(found, SOP_UID) == [seeded.sops[4], seeded.sops[0]]


def test_modalities_in_study(read_only_http: TestClient, seeded: Seeded) -> None:
    (study,) = assert_search(read_only_http, "/v2/studies?ModalitiesInStudy=mr")
    assert first(study, STUDY_UID) == seeded.a
    assert values(study, "00080061") == ["CT", "MR"]  # the match parameter is returned
    assert uids(assert_search(read_only_http, "/v2/studies?ModalitiesInStudy=CT"),
                STUDY_UID) == [seeded.c, seeded.a]


def test_filters_combine(read_only_http: TestClient, seeded: Seeded) -> None:
    found = assert_search(read_only_http, "/v2/instances?Modality=CT&StudyDate=20200101-")
    assert uids(found, SOP_UID) == [seeded.sops[4], seeded.sops[1], seeded.sops[0]]
    found = assert_search(read_only_http, f"/v2/studies/{seeded.a}/instances?Modality=CT"
                                          f"&SOPInstanceUID={seeded.sops[0]}")
    assert uids(found, SOP_UID) == [seeded.sops[0]]


def test_hex_attribute_ids(read_only_http: TestClient, seeded: Seeded) -> None:
    found = assert_search(read_only_http, "/v2/studies?00100020=PID-B")
    assert uids(found, STUDY_UID) == [seeded.b]


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
    assert first(study, "00080056") == "ONLINE"  # InstanceAvailability
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
    assert set(study) == V2_STUDY - {"00100030"} | {"00080030", "00100040", "00201208",
                                                    "00201206", "00080061"}
    assert (first(study, "00201208"), first(study, "00201206")) == (3, 2)
    assert values(study, "00080061") == ["CT", "MR"]
    found = assert_search(
        http, f"/v2/studies/{seeded.a}/series?includefield=NumberOfSeriesRelatedInstances")
    assert [first(s, "00201209") for s in found] == [1, 2]


def test_includefield_all(read_only_http: TestClient, seeded: Seeded) -> None:
    http = read_only_http
    (study,) = assert_search(http, "/v2/studies?PatientID=PID-A&includefield=all")
    assert {"00080030", "00100040", "00200010", "00080056"} <= set(study)
    assert first(study, "00080056") == "ONLINE"
    assert "00201208" not in study  # computed attributes only when named
    (instance,) = assert_search(http, f"/v2/studies/{seeded.a}/instances?SOPInstanceUID="
                                      f"{seeded.sops[0]}&includefield=all")
    assert first(instance, "00200013") == 1  # InstanceNumber (instance level)
    assert first(instance, "00081090") == "Scanner X"  # series level
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
    assert len(assert_search(http, f"/v2/studies/{s}/series")) == 2
