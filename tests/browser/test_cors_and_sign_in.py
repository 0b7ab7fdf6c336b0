"""In Chromium: a page on another origin calls the emulator (CORS, configured and not), and
the sign-in page is filled and sent, back to the app's redirect URI with a code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from dicom_emulator.__main__ import main
from tests.support.live_emulator import running_emulator
from tests.support.signin import SCOPE, Pkce

pytestmark = [pytest.mark.live, pytest.mark.slow]

# fetch() with an Authorization header: the browser sends a preflight first.
CALL_QIDO = """async (url) => {
  try {
    const response = await fetch(url + "/v2/studies", {headers: {
      "Accept": "application/dicom+json", "Authorization": "Bearer not-needed-with-auth-off"}});
    return "status " + response.status;
  } catch (error) { return "failed: " + error.message; }
}"""


def _page(folder: Path, name: str) -> None:
    (folder / name).write_text("<!DOCTYPE html><title>viewer</title><p>viewer</p>")


def test_a_page_on_another_origin_needs_the_cors_setting(
        browser: Any, static_site: tuple[str, Path], tmp_path: Path) -> None:
    origin, folder = static_site
    _page(folder, "index.html")
    page = browser.new_page()
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    page.goto(f"{origin}/index.html")
    with running_emulator(tmp_path / "plain", "--auth", "off") as plain:
        assert page.evaluate(CALL_QIDO, plain.url) == "failed: Failed to fetch"
    assert any("blocked by CORS policy" in m for m in messages), messages
    with running_emulator(tmp_path / "cors", "--auth", "off", "--cors-origin", origin,
                          "--cors-header", "*", "--cors-method", "GET") as allowed:
        assert page.evaluate(CALL_QIDO, allowed.url) == "status 204"
    page.close()


def test_signing_in_returns_to_the_redirect_uri_with_a_code_that_reads_studies(
        browser: Any, static_site: tuple[str, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    origin, folder = static_site
    _page(folder, "callback")
    redirect_uri = f"{origin}/callback"
    with running_emulator(tmp_path / "auth", "--cors-origin", origin, "--cors-header",
                          "authorization,accept", "--cors-method", "GET") as emulator:
        def cli(*args: str) -> dict[str, Any]:
            assert main(["--data-dir", str(emulator.data_dir), *args]) == 0
            return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]
        cli("identity", "add-user", "browser@contoso.test", "--password", "Br0wser-Pass",
            "--role", "DICOM Data Reader")
        spa = cli("identity", "add-spa", "browser-viewer", "--redirect-uri", redirect_uri)
        pkce = Pkce.new()
        query = urlencode({"client_id": spa["appId"], "response_type": "code",
                           "redirect_uri": redirect_uri, "scope": SCOPE, "state": "xyz",
                           "code_challenge": pkce.challenge, "code_challenge_method": "S256"})
        page = browser.new_page()
        page.goto(f"{emulator.url}/{spa['tenant']}/oauth2/v2.0/authorize?{query}")
        page.fill("#login", "browser@contoso.test")
        page.fill("#passwd", "Br0wser-Pass")
        page.click("#idSIButton9")
        page.wait_for_url(lambda url: url.startswith(f"{redirect_uri}?"))
        returned = parse_qs(urlsplit(page.url).query)
        assert returned["state"] == ["xyz"] and returned["code"][0]
        # As OHIF does next, from the redirect URI's page: redeem the code, then search.
        outcome = page.evaluate("""async ([authority, body, service]) => {
          const tokens = await (await fetch(authority + "/oauth2/v2.0/token", {method: "POST",
            headers: {"Content-Type": "application/x-www-form-urlencoded"},
            body: new URLSearchParams(body)})).json();
          const found = await fetch(service + "/v2/studies", {headers: {
            "Accept": "application/dicom+json",
            "Authorization": "Bearer " + tokens.access_token}});
          return [tokens.token_type, found.status];
        }""", [f"{emulator.url}/{spa['tenant']}", {
            "grant_type": "authorization_code", "client_id": spa["appId"],
            "code": returned["code"][0], "redirect_uri": redirect_uri,
            "code_verifier": pkce.verifier}, emulator.url])
        assert outcome == ["Bearer", 204]
        page.close()
    assert httpx.get(redirect_uri).status_code == 200
