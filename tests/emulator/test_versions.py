"""Versions, routing and status-only answers, as the Azure DICOM service gives them (M17,
M22-M24): Microsoft.AspNetCore.Mvc.Versioning 5.1 with a URL-segment reader and
``ReportApiVersions``, ASP.NET Core endpoint routing, ``StatusCodeResult``s."""

from __future__ import annotations

import pytest
from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from dicom_emulator.web.versions import parse_api_version
from tests.support.datasets import make_instance
from tests.support.headers import ACCEPT_DICOM_JSON, DICOM_JSON, STOW_SINGLE_PART

SUPPORTED = "1.0-prerelease, 1, 2"


def _stored_url(response_json: dict[str, object]) -> str:
    (item,) = response_json["00081199"]["Value"]  # type: ignore[index]
    return str(item["00081190"]["Value"][0])


@pytest.mark.parametrize(("prefix", "version"), [
    ("v1.0-prerelease", 1), ("v1", 1), ("v1.0", 1), ("v2", 2), ("v2.0", 2),
    ("V2", 2), ("v1-Prerelease", 1), ("v1.0-PRERELEASE", 1)])
def test_aliases_answer_as_their_version(http: TestClient, prefix: str, version: int) -> None:
    response = http.get(f"/{prefix}/changefeed")
    assert response.status_code == 200
    assert response.headers["api-supported-versions"] == SUPPORTED
    # v1 pages by sequence with limit at most 100, v2 by time with limit at most 200.
    assert http.get(f"/{prefix}/changefeed?limit=150").status_code == (400 if version == 1
                                                                        else 200)


def test_returned_urls_keep_the_prefix_the_request_used(http: TestClient) -> None:
    study = generate_uid()
    response = http.post(f"/v2.0/studies/{study}", content=make_instance(study),
                         headers=STOW_SINGLE_PART)
    assert response.status_code == 200
    assert _stored_url(response.json()).startswith(f"http://testserver/v2.0/studies/{study}/")
    assert response.json()["00081190"]["Value"] == [f"http://testserver/v2.0/studies/{study}"]


@pytest.mark.parametrize(("path", "shown"), [
    ("/v3/studies", "3"), ("/v2.1/studies", "2.1"), ("/v3.0/changefeed", "3.0"),
    ("/v1-beta/studies", "1-beta"), ("/V3/Studies", "3"), ("/v0/studies/1.2.3", "0")])
def test_unsupported_version_is_the_libraries_json_400(http: TestClient, path: str,
                                                       shown: str) -> None:
    response = http.get(path + "?limit=1", headers=ACCEPT_DICOM_JSON)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["api-supported-versions"] == SUPPORTED
    # System.Text.Json's default encoder writes the apostrophes as \u0027; innerError is
    # null outside Development and left out (WhenWritingNull).
    assert response.content == (
        b'{"error":{"code":"UnsupportedApiVersion","message":"The HTTP resource that '
        b"matches the request URI \\u0027http://testserver" + path.encode() +
        b"\\u0027 does not support the API version \\u0027" + shown.encode() +
        b'\\u0027."}}')


def test_unsupported_version_on_no_route_or_wrong_method(http: TestClient) -> None:
    for path in ("/v3/nothing", "/vabc/studies", "/v1.0.0/studies", "/v/studies", "/v3"):
        response = http.get(path)
        assert (response.status_code, response.content) == (404, b""), path
        assert "content-type" not in response.headers
    response = http.request("PUT", "/v3/changefeed")
    assert (response.status_code, response.content) == (405, b"")
    assert response.headers["allow"] == "GET"


def test_parse_api_version() -> None:
    assert str(parse_api_version("1.0-prerelease")) == "1.0-prerelease"
    assert str(parse_api_version("2")) == "2"
    assert str(parse_api_version("2.0")) == "2.0"
    assert parse_api_version("abc") is None
    assert parse_api_version("1.0-9x") is None  # a status starts with a letter


@pytest.mark.parametrize("path", ["/V2/Studies", "/v2/STUDIES", "/v2/ChangeFeed/Latest",
                                  "/v2/studies/", "/v2/changefeed/"])
def test_route_literals_are_case_insensitive_and_one_trailing_slash_is_ignored(
        http: TestClient, path: str) -> None:
    response = http.get(path, headers=ACCEPT_DICOM_JSON, follow_redirects=False)
    assert response.status_code in (200, 204), path  # no 307 redirect, no 404


def test_no_route_and_wrong_method_are_status_only(http: TestClient) -> None:
    for path in ("/v2/nothing-here", "/v2/studies//", "/nothing", "/v2"):
        response = http.get(path, follow_redirects=False)
        assert (response.status_code, response.content) == (404, b""), path
        assert "content-type" not in response.headers
        assert "api-supported-versions" not in response.headers
    response = http.delete("/v2/studies")
    assert (response.status_code, response.content) == (405, b"")
    assert "content-type" not in response.headers
    assert response.headers["allow"] == "POST, PUT, GET"  # every route of the path (PUT: v2)


def test_accept_filter_406_is_status_only(http: TestClient) -> None:
    response = http.get("/v2/studies", headers={"Accept": "application/json"})
    assert (response.status_code, response.content) == (406, b"")
    assert "content-type" not in response.headers
    assert response.headers["api-supported-versions"] == SUPPORTED  # an action filter


def test_not_found_with_a_message_keeps_it(http: TestClient) -> None:
    response = http.get(f"/v2/studies/{generate_uid()}/metadata", headers=ACCEPT_DICOM_JSON)
    assert response.status_code == 404
    assert response.text == "The specified study cannot be found."
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    response = http.get("/v2/operations/0123456789abcdef0123456789abcdef")  # NotFound()
    assert (response.status_code, response.content) == (404, b"")
    assert "content-type" not in response.headers


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/partitions"), ("GET", "/partitions/foo/studies"),
    ("POST", "/partitions/foo/studies"), ("GET", "/partitions/foo/studies/1.2.3/metadata"),
    ("DELETE", "/partitions/Microsoft.Default/studies/1.2.3"),
    ("GET", "/partitions/foo/series"), ("POST", "/partitions/foo/studies/$bulkUpdate"),
    ("GET", "/Partitions/foo/Instances")])
def test_partitions_off_is_400(http: TestClient, method: str, path: str) -> None:
    for prefix in ("v1", "v2"):
        response = http.request(method, f"/{prefix}{path}", headers={"Accept": DICOM_JSON})
        assert response.status_code == 400
        assert response.text == "Data partitions feature is disabled."
        assert response.headers["api-supported-versions"] == SUPPORTED


def test_partition_routes_outside_the_partitioned_families_are_404(http: TestClient) -> None:
    assert http.get("/v2/partitions/foo/changefeed").status_code == 404
    assert http.get("/v2/partitions/foo").status_code == 404


BULK_UPDATE = {"studyInstanceUids": ["1.2.3"],
               "changeDataset": {"00100010": {"vr": "PN", "Value": [{"Alphabetic": "X"}]}}}


def test_bulk_update_is_not_a_store_to_a_study(http: TestClient) -> None:
    response = http.post("/v1/studies/$bulkUpdate", json=BULK_UPDATE)
    assert (response.status_code, response.content) == (404, b"")  # StatusCode(404)
    assert "content-type" not in response.headers
    assert http.post("/v2/studies/$bulkUpdate", json=BULK_UPDATE).status_code == 202
    other = dict(BULK_UPDATE, studyInstanceUids=["1.2.4"])  # 1.2.3 may still be updating
    assert http.post("/v2/studies/$BULKUPDATE", json=other).status_code == 202
    for prefix in ("v1", "v2"):  # [Consumes("application/json")]
        response = http.post(f"/{prefix}/studies/$bulkUpdate", content=make_instance(),
                             headers=STOW_SINGLE_PART)
        assert (response.status_code, response.content) == (415, b"")
    # A GET reads it as a study UID, as the service's route table does.
    response = http.get("/v2/studies/$bulkUpdate", headers={"Accept": "*/*"})
    assert response.status_code == 400
    assert "StudyInstanceUid" in response.text
