"""CORS as the DICOM service answers it (ASP.NET Core's CORS middleware, one policy from the
service's CORS setting: Learn "Configure cross-origin resource sharing"), and Entra ID's
answer on its token and discovery endpoints."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from dicom_emulator import EmulatorSettings, create_app
from dicom_emulator.web.cors_policy import CorsPolicy, CorsSettingError

VIEWER = "http://localhost:3000"
PREFLIGHT = {"Origin": VIEWER, "Access-Control-Request-Method": "GET",
             "Access-Control-Request-Headers": "authorization,accept"}
CORS_HEADERS = ("access-control-allow-origin", "access-control-allow-credentials",
                "access-control-allow-headers", "access-control-allow-methods",
                "access-control-max-age", "access-control-expose-headers")


def _client(tmp_path: Path, policy: CorsPolicy) -> Iterator[TestClient]:
    settings = EmulatorSettings(data_dir=tmp_path / "emulator", auth=False, cors=policy)
    with TestClient(create_app(settings), base_url="http://127.0.0.1",
                    client=("127.0.0.1", 50000)) as client:
        yield client


@pytest.fixture
def unconfigured(tmp_path: Path) -> Iterator[TestClient]:
    yield from _client(tmp_path, CorsPolicy())


@pytest.fixture
def configured(tmp_path: Path) -> Iterator[TestClient]:
    yield from _client(tmp_path, CorsPolicy.from_lists(
        [VIEWER], ["authorization", "accept", "content-type"], ["GET", "POST", "DELETE"], 600,
        True))


def _cors(response: object) -> dict[str, str]:
    headers = response.headers  # type: ignore[attr-defined]
    return {name: headers[name] for name in CORS_HEADERS if name in headers}


def test_without_a_setting_a_preflight_is_204_with_no_cors_headers(
        unconfigured: TestClient) -> None:
    answer = unconfigured.options("/v2/studies", headers=PREFLIGHT)
    assert (answer.status_code, answer.content, _cors(answer)) == (204, b"", {})
    actual = unconfigured.get("/v2/studies", headers={"Origin": VIEWER,
                                                      "Accept": "application/dicom+json"})
    assert actual.status_code == 204
    assert _cors(actual) == {}


def test_an_allowed_origin_gets_the_settings_headers(configured: TestClient) -> None:
    answer = configured.options("/v2/studies", headers=PREFLIGHT)
    assert (answer.status_code, answer.content) == (204, b"")
    assert _cors(answer) == {
        "access-control-allow-origin": VIEWER,
        "access-control-allow-credentials": "true",
        "access-control-allow-headers": "authorization,accept,content-type",
        "access-control-allow-methods": "GET,POST,DELETE",
        "access-control-max-age": "600"}
    actual = configured.get("/v2/studies", headers={"Origin": VIEWER,
                                                    "Accept": "application/dicom+json"})
    assert _cors(actual) == {"access-control-allow-origin": VIEWER,
                             "access-control-allow-credentials": "true"}


def test_a_preflight_asking_for_more_is_answered_with_the_setting(
        configured: TestClient) -> None:
    # ASP.NET Core 3+ does not refuse: it lists what is allowed and the browser decides.
    answer = configured.options("/v2/studies", headers={
        **PREFLIGHT, "Access-Control-Request-Method": "PATCH"})
    assert answer.status_code == 204
    assert answer.headers["access-control-allow-methods"] == "GET,POST,DELETE"


def test_another_origin_gets_nothing(configured: TestClient) -> None:
    answer = configured.options("/v2/studies", headers={**PREFLIGHT,
                                                        "Origin": "https://evil.example"})
    assert (answer.status_code, _cors(answer)) == (204, {})
    actual = configured.get("/v2/studies", headers={"Origin": "https://evil.example",
                                                    "Accept": "application/dicom+json"})
    assert _cors(actual) == {}


def test_any_origin_and_any_header_echo_the_request(tmp_path: Path) -> None:
    for client in _client(tmp_path, CorsPolicy.from_lists(["*"], ["*"], ["*"])):
        answer = client.options("/v2/studies", headers=PREFLIGHT)
        assert _cors(answer) == {"access-control-allow-origin": "*",
                                 "access-control-allow-headers": "authorization,accept",
                                 "access-control-allow-methods": "GET"}


def test_credentials_cannot_be_allowed_with_any_origin() -> None:
    with pytest.raises(CorsSettingError):
        CorsPolicy.from_lists(["*"], allow_credentials=True)


def test_entras_endpoints_answer_any_origin_and_the_admin_api_none(
        configured: TestClient) -> None:
    tenant = configured.get("/admin/identity").json()["tenant"]
    other = {"Origin": "https://another.example"}
    discovery = configured.get(f"/{tenant}/v2.0/.well-known/openid-configuration",
                               headers=other)
    assert discovery.headers["access-control-allow-origin"] == "*"
    token = configured.post(f"/{tenant}/oauth2/v2.0/token", headers=other, data={})
    assert token.status_code == 400
    assert token.headers["access-control-allow-origin"] == "*"
    admin = configured.options("/admin/identity", headers={**PREFLIGHT, "Origin": VIEWER})
    assert _cors(admin) == {}


def test_serve_refuses_credentials_with_any_origin(tmp_path: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    from dicom_emulator.__main__ import main

    code = main(["--data-dir", str(tmp_path), "serve", "--cors-origin", "*",
                 "--cors-allow-credentials"])
    assert code == 2
    assert "Allow credentials cannot be set when origins contain '*'" in caplog.text
