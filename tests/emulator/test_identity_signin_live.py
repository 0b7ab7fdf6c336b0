"""The whole sign-in over real HTTP: an emulator process, users and an SPA made with its
command line, the form, the code with PKCE, the token on the DICOM API, and CORS."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from dicom_emulator.__main__ import main
from dicom_emulator.identity.directory import DIRECTORY_FILE
from tests.support.live_emulator import LiveEmulator, running_emulator
from tests.support.signin import REDIRECT_URI, SPA_ORIGIN, Pkce, redeem, sign_in

pytestmark = pytest.mark.live
PASSWORD = "Viewer-Pa55word!"


def _cli(data_dir: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(["--data-dir", str(data_dir), *args]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveEmulator]:
    with running_emulator(tmp_path_factory.mktemp("signin"), "--cors-origin", SPA_ORIGIN,
                          "--cors-header", "authorization", "--cors-header", "accept",
                          "--cors-method", "GET", "--cors-method", "POST") as live:
        yield live


def test_cli_users_and_spas(emulator: LiveEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    user = _cli(emulator.data_dir, capsys, "identity", "add-user", "live@contoso.test",
                "--password", PASSWORD, "--role", "DICOM Data Reader")
    assert (user["userPrincipalName"], user["roles"]) == ("live@contoso.test",
                                                          ["DICOM Data Reader"])
    spa = _cli(emulator.data_dir, capsys, "identity", "add-spa", "live-viewer",
               "--redirect-uri", REDIRECT_URI)
    assert spa["spa"] == {"redirectUris": [REDIRECT_URI]}
    stored = sqlite3.connect(emulator.data_dir / DIRECTORY_FILE).execute(
        "SELECT password_salt, password_hash FROM user_account").fetchall()
    assert all(PASSWORD.encode() not in bytes(salt) + bytes(digest)
               for salt, digest in stored)
    assert main(["--data-dir", str(emulator.data_dir), "identity", "add-spa", "bad",
                 "--redirect-uri", "http://viewer.example/callback"]) == 1
    assert "must start with 'https' or 'http://localhost'" in capsys.readouterr().err


def test_sign_in_over_http_reads_with_the_users_role(
        emulator: LiveEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    user = _cli(emulator.data_dir, capsys, "identity", "add-user", "flow@contoso.test",
                "--password", PASSWORD, "--role", "DICOM Data Reader")
    spa = _cli(emulator.data_dir, capsys, "identity", "add-spa", "flow-viewer",
               "--redirect-uri", REDIRECT_URI)
    tenant, client_id = str(spa["tenant"]), str(spa["appId"])
    pkce = Pkce.new()
    with httpx.Client(base_url=emulator.url) as browser:
        answer = sign_in(browser, tenant, client_id, "flow@contoso.test", PASSWORD, pkce)
        tokens = redeem(browser, tenant, client_id, answer["code"], pkce.verifier)
    assert tokens.status_code == 200, tokens.text
    assert tokens.headers["access-control-allow-origin"] == "*"
    bearer = {"Authorization": f"Bearer {tokens.json()['access_token']}",
              "Accept": "application/dicom+json"}
    found = httpx.get(f"{emulator.url}/v2/studies", headers=bearer)
    assert found.status_code == 204
    refused = httpx.post(f"{emulator.url}/v2/studies", headers={
        **bearer, "Content-Type": "application/dicom"}, content=b"")
    assert (refused.status_code, refused.text) == (403, "Authorization failed.")
    assert user["id"]


def test_cors_preflight_and_actual_response_over_http(emulator: LiveEmulator) -> None:
    preflight = httpx.options(f"{emulator.url}/v2/studies", headers={
        "Origin": SPA_ORIGIN, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == SPA_ORIGIN
    assert preflight.headers["access-control-allow-headers"] == "authorization,accept"
    assert "access-control-max-age" not in preflight.headers  # none configured
    stranger = httpx.options(f"{emulator.url}/v2/studies", headers={
        "Origin": "http://localhost:9999", "Access-Control-Request-Method": "GET"})
    assert stranger.status_code == 204
    assert "access-control-allow-origin" not in stranger.headers
    # The 401 of a request without a token still carries the CORS headers (UseCors comes
    # first), so a browser app can read why it failed.
    actual = httpx.get(f"{emulator.url}/v2/studies", headers={"Origin": SPA_ORIGIN})
    assert actual.status_code == 401
    assert actual.headers["access-control-allow-origin"] == SPA_ORIGIN
