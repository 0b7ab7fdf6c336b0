"""The OpenAPI description where the service serves its own (``/{document}/api.json`` and
``api.yaml``, no token), made from the route table; and schemathesis against it with auth
on and a real token: no 5xx, and only the statuses, media types and JSON shapes the
description gives."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import schemathesis
import yaml
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.testclient import TestClient

from tests.reliability import route_table
from tests.support.datasets import make_instance
from tests.support.live_emulator import LiveEmulator, running_emulator
from tests.support.stow import multipart_stow
from tests.support.tokens import DICOM_SCOPE

EXAMPLES_PER_OPERATION = 6


@schemathesis.serializer("application/dicom", "multipart/related")
def _as_bytes(ctx: object, value: object) -> bytes:
    """STOW bodies as generated (random bytes: the emulator's 4xx for unreadable parts)."""
    return value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogatepass")


def test_every_route_of_the_table_is_described(auth_http: TestClient) -> None:
    described = auth_http.get("/v2/api.json").json()["paths"]
    routes = [r for r in route_table.routes_of(list(auth_http.app.routes))  # type: ignore[attr-defined]
              if r.versioned]
    assert routes
    for route in routes:
        operation = described["/v2" + route.template][route.method.lower()]
        assert operation["description"].strip(), f"{route.method} {route.template} has none"


def test_each_version_s_description_is_served_without_a_token_as_json_and_yaml(
        auth_http: TestClient) -> None:
    as_json = auth_http.get("/v2/api.json")
    as_yaml = auth_http.get("/v2/api.yaml")
    assert (as_json.status_code, as_yaml.status_code) == (200, 200)
    assert yaml.safe_load(as_yaml.text) == as_json.json()
    assert as_json.json()["info"]["title"] == "Medical Imaging Server for DICOM"
    prerelease = auth_http.get("/v1-prerelease/api.json").json()["paths"]
    assert all(p.startswith("/v1.0-prerelease/") for p in prerelease)
    assert auth_http.get("/v3/api.json").status_code == 404
    assert auth_http.get("/v2/studies", headers={"Accept": "*/*"}).status_code == 401


@pytest.fixture(scope="module")
def emulator_with_token(tmp_path_factory: pytest.TempPathFactory
                        ) -> Iterator[tuple[LiveEmulator, str]]:
    data_dir: Path = tmp_path_factory.mktemp("openapi")
    with running_emulator(data_dir) as emulator:
        app = requests.post(f"{emulator.url}/admin/identity/service-principals",
                            json={"displayName": "fuzz"}, timeout=30).json()
        requests.post(f"{emulator.url}/admin/identity/role-assignments", timeout=30,
                      json={"assignee": app["appId"], "role": "DICOM Data Owner"})
        token = requests.post(f"{emulator.url}/{app['tenant']}/oauth2/v2.0/token", timeout=30,
                              data={"grant_type": "client_credentials", "client_id": app["appId"],
                                    "client_secret": app["password"], "scope": DICOM_SCOPE})
        yield emulator, token.json()["access_token"]


def _until_finished(session: requests.Session, href: str) -> requests.Response:
    for _ in range(300):
        response = session.get(href, timeout=30)
        if response.status_code != 202:
            return response
        time.sleep(0.1)
    raise AssertionError(f"{href} never finished")


@pytest.mark.live
def test_real_answers_have_the_media_types_and_shapes_described(
        emulator_with_token: tuple[LiveEmulator, str]) -> None:
    """The fuzzer's cases rarely find data; these answers carry some: a stored study, a
    conflict, an update and a reindex, their feed entries and operations."""
    emulator, token = emulator_with_token
    schema = schemathesis.openapi.from_url(f"{emulator.url}/v2/api.json")
    base = f"{emulator.url}/v2"
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    study = "2.25.1717"
    body, headers = multipart_stow(make_instance(study), make_instance(study))
    answers = [("POST", "/studies", session.post(f"{base}/studies", data=body,
                                                 headers=headers, timeout=30)),
               ("POST", "/studies", session.post(f"{base}/studies", data=body,
                                                 headers=headers, timeout=30))]  # 409
    reindex = session.post(f"{base}/extendedquerytags", timeout=30,
                           json=[{"path": "Occupation", "level": "Study"}])
    update = session.post(f"{base}/studies/$bulkUpdate", timeout=30, json={
        "studyInstanceUids": [study],
        "changeDataset": {"00100010": {"vr": "PN", "Value": [{"Alphabetic": "New^Name"}]}}})
    answers += [("POST", "/extendedquerytags", reindex), ("POST", "/studies/$bulkUpdate", update)]
    for started in (reindex, update):
        answers.append(("GET", "/operations/{operationId}",
                        _until_finished(session, started.json()["href"])))
    dicom_json = {"Accept": "application/dicom+json"}
    for path, url in [("/studies", "/studies"), ("/series", "/series"),
                      ("/instances", "/instances"),
                      ("/studies/{study}/metadata", f"/studies/{study}/metadata"),
                      ("/changefeed", "/changefeed?includeMetadata=true"),
                      ("/changefeed/latest", "/changefeed/latest"),
                      ("/extendedquerytags", "/extendedquerytags"),
                      ("/extendedquerytags/{tagPath}", "/extendedquerytags/00102180"),
                      ("/extendedquerytags/{tagPath}/errors", "/extendedquerytags/00102180/errors"),
                      ("/partitions", "/partitions"),
                      ("/studies/{study}/metadata", "/studies/2.25.404/metadata")]:
        answers.append(("GET", path, session.get(base + url, headers=dicom_json, timeout=30)))
    assert [status for _, _, status in [(m, p, a.status_code) for m, p, a in answers]] == [
        200, 409, 202, 202, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 400, 404]
    described = requests.get(f"{emulator.url}/v2/api.json", timeout=30).json()["paths"]
    for method, path, answer in answers:
        status = str(answer.status_code)
        content = described["/v2" + path][method.lower()]["responses"][status].get("content")
        assert answer.headers["Content-Type"].split(";")[0] in (content or {}), (
            method, path, status)
        schema["/v2" + path][method].validate_response(answer)  # the JSON's shape


@pytest.mark.live
def test_the_partitions_list_has_the_shape_described(tmp_path: Path) -> None:
    with running_emulator(tmp_path / "partitioned", "--auth", "off",
                          "--data-partitions") as emulator:
        body, headers = multipart_stow(make_instance())
        stored = requests.post(f"{emulator.url}/v2/partitions/clinic/studies", data=body,
                               headers=headers, timeout=30)
        answer = requests.get(f"{emulator.url}/v2/partitions", timeout=30)
        schema = schemathesis.openapi.from_url(f"{emulator.url}/v2/api.json")
    assert (stored.status_code, answer.status_code) == (200, 200)
    assert len(answer.json()) == 2  # the default partition and the new one
    schema["/v2/partitions"]["GET"].validate_response(answer)


@pytest.mark.live
def test_schemathesis_finds_no_5xx_and_no_undescribed_status_or_body(
        emulator_with_token: tuple[LiveEmulator, str]) -> None:
    emulator, token = emulator_with_token
    schema = schemathesis.openapi.from_url(f"{emulator.url}/v2/api.json")
    headers = {"Authorization": f"Bearer {token}", "Accept": "*/*"}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40

    calls = 0
    for operation in operations:
        found, made = _fuzz(operation, emulator.url, headers)
        failures += found
        calls += made
    assert calls >= 2 * len(operations)
    assert failures == []


def _fuzz(operation: schemathesis.APIOperation, url: str,
          headers: dict[str, str]) -> tuple[list[str], int]:
    """Schemathesis' cases for one operation: the failed checks, described, and the calls."""
    failures: list[str] = []
    calls = []

    @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, database=None,
              deadline=None, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def check(case: schemathesis.Case) -> None:
        response = case.call(base_url=url, headers=headers, timeout=60)
        calls.append(response.status_code)
        try:
            case.validate_response(response, checks=[
                not_a_server_error, status_code_conformance, content_type_conformance,
                response_schema_conformance])
        except Exception as failure:  # noqa: BLE001 (collected, reported by the test)
            failures.append(f"{operation.label}: {str(failure)[:300]}")

    check()
    return failures, len(calls)
