"""QIDO-RS through HTTP: the six routes, status codes and errors, and matching."""

from __future__ import annotations

import pytest
from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from tests.support.headers import ACCEPT_DICOM_JSON
from tests.support.qido import (
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
from tests.support.uids import INVALID_UID

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


@pytest.mark.parametrize(("path", "name"), [("/v2/studies/1.2.x/series", "StudyInstanceUid"),
                                            ("/v2/studies/1.2/series/abc/instances",
                                             "SeriesInstanceUid")])
def test_invalid_path_uid_is_400(read_only_http: TestClient, path: str, name: str) -> None:
    response = read_only_http.get(path, headers=ACCEPT_DICOM_JSON)
    assert (response.status_code, response.text) == (400, INVALID_UID.format(name))


@pytest.mark.parametrize(("query", "message"), [
    ("limit=500", "The query parameter 'Limit' is invalid."),
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


NOT_QUERYABLE = ("Invalid query: AttributeId {} is not queryable.  If the parameter is an "
                 "attribute keyword, check the casing as they are case-sensitive. The "
                 "conformance statement has a list of supported query parameters, attributes "
                 "and the levels.")


@pytest.mark.parametrize(("path", "query"), [
    ("/v2/studies/{a}/series", "StudyInstanceUID={a}"),
    ("/v2/studies/{a}/instances", "StudyInstanceUID={a}"),
    ("/v2/studies/{a}/series/{a_ct}/instances", "SeriesInstanceUID={a_ct}"),
    ("/v2/studies/{a}/series/{a_ct}/instances", "0020000D={a}"),
])
def test_path_uid_given_again_as_filter_is_not_queryable(
        read_only_http: TestClient, seeded: Seeded, path: str, query: str) -> None:
    """The nested routes accept no attribute of the path's levels (QueryParser's
    GetQualifiedQueryTags), so the UID is "not queryable" there, named as it was given."""
    url = f"{path}?{query}".format(a=seeded.a, a_ct=seeded.a_ct)
    response = read_only_http.get(url, headers=ACCEPT_DICOM_JSON)
    key = query.split("=")[0]
    assert (response.status_code, response.text) == (400, NOT_QUERYABLE.format(key))


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
    ("ohn", ""), ("jo%20x", ""), ("fran", "b"), ("Ren%C3%A9e", "b"), ("jo%5Edo", "a"),
    # A phrase prefix: the words adjacent and in order (CONTAINS(col, '"do jo*"')).
    ("do%5Ejo", ""), ("doe%20john", ""), ("ma%20jo", ""), ("jo%20ma", "c"),
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


@pytest.mark.parametrize("query", [
    "StudyInstanceUID={a},{c}", "StudyInstanceUID={a},", "SOPInstanceUID={sop0},{sop4}",
    "SeriesInstanceUID={a_ct}, {a_mr}",
])
def test_a_uid_list_is_one_value_and_matches_nothing(read_only_http: TestClient,
                                                     seeded: Seeded, query: str) -> None:
    """No UID list matching: the whole value is compared (BaseQueryParser's
    ParseStringTagValue, an ``=`` in SQL), so Azure answers 204."""
    s = seeded
    query = query.format(a=s.a, c=s.c, a_ct=s.a_ct, a_mr=s.a_mr, sop0=s.sops[0], sop4=s.sops[4])
    assert_search(read_only_http, f"/v2/instances?{query}", status=204)


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


@pytest.mark.parametrize(("query", "message"), [
    ("limit=abc", "The query parameter 'Limit' is invalid. The value 'abc' is not valid for "
                  "Limit."),
    ("LIMIT=0", "The query parameter 'Limit' is invalid. The field Limit must be between 1 and "
                "200."),
    ("offset=-1", "The query parameter 'Offset' is invalid. The field Offset must be between 0 "
                  "and 9.223372036854776E+18."),
    ("fuzzymatching=yes", "The query parameter 'FuzzyMatching' is invalid. The value 'yes' is "
                          "not valid for FuzzyMatching."),
])
@pytest.mark.parametrize("path", ["/v2/studies", "/v2/studies/1.2.x/series"])
def test_option_binding_is_checked_before_accept(read_only_http: TestClient, seeded: Seeded,
                                                 query: str, message: str, path: str) -> None:
    """Model binding: the controller's [QueryModelStateValidator] runs before the action's
    [AcceptContentFilter] (400 before 406, and before the path UID), and names the
    property, as the service's E2E test spells out for QueryOptions ('Limit')."""
    response = read_only_http.get(f"{path}?{query}&PatientID=1&PatientID=2",
                                  headers={"Accept": "application/json"})
    assert (response.status_code, response.text) == (400, message)


def test_accept_is_checked_before_filters_and_path_uids(read_only_http: TestClient,
                                                        seeded: Seeded) -> None:
    for url in ("/v2/studies?PatientSex=F", "/v2/studies/1.2.x/series", "/v2/studies?limit=5"):
        response = read_only_http.get(url, headers={"Accept": "application/json"})
        assert (response.status_code, response.content) == (406, b""), url
