"""The browser's side of interactive sign-in, for tests: PKCE, the sign-in form, the code.

Works with any client that has ``get``/``post`` like requests (a Starlette TestClient or
a ``requests.Session`` against a live emulator); redirects are not followed, so each hop
can be looked at.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

SPA_ORIGIN = "http://localhost:3000"
REDIRECT_URI = f"{SPA_ORIGIN}/callback"
SCOPE = "openid profile offline_access https://dicom.healthcareapis.azure.com/Dicom.ReadWrite"


class Client(Protocol):
    def get(self, url: str, **kwargs: Any) -> Any: ...
    def post(self, url: str, **kwargs: Any) -> Any: ...


@dataclass(frozen=True)
class Pkce:
    verifier: str
    challenge: str

    @classmethod
    def new(cls) -> Pkce:
        verifier = secrets.token_urlsafe(48)
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        return cls(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii"))


class _Form(HTMLParser):
    """The action and input values of the page's form; the error paragraph's text."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}
        self.error = ""
        self._in_error = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action = values.get("action", "")
        elif tag == "input" and "name" in values:
            self.fields[values["name"]] = values.get("value", "")
        elif tag == "p" and values.get("class") == "error":
            self._in_error = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self._in_error = False

    def handle_data(self, data: str) -> None:
        if self._in_error:
            self.error += data


def parse_page(html: str) -> _Form:
    form = _Form()
    form.feed(html)
    return form


def authorize_params(client_id: str, pkce: Pkce | None, **overrides: str | None
                     ) -> dict[str, str]:
    params: dict[str, str | None] = {
        "client_id": client_id, "response_type": "code", "redirect_uri": REDIRECT_URI,
        "scope": SCOPE, "state": "state-123", "nonce": "nonce-456",
        "code_challenge": pkce.challenge if pkce else None,
        "code_challenge_method": "S256" if pkce else None}
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def submit(client: Client, page_html: str, login: str, password: str) -> Any:
    """Fill the sign-in page's form and post it (as the browser would, with its cookie)."""
    form = parse_page(page_html)
    fields = {**form.fields, "login": login, "passwd": password}
    return client.post(form.action, data=fields, follow_redirects=False)


def redirect_params(location: str) -> dict[str, str]:
    parts = urlsplit(location)
    return {k: v[0] for k, v in parse_qs(parts.query or parts.fragment).items()}


def sign_in(client: Client, tenant: str, client_id: str, login: str, password: str,
            pkce: Pkce | None) -> dict[str, str]:
    """``/authorize``, the form, and the redirect's parameters (``code``, ``state``)."""
    page = client.get(f"/{tenant}/oauth2/v2.0/authorize",
                      params=authorize_params(client_id, pkce))
    assert page.status_code == 200, page.text
    answer = submit(client, page.text, login, password)
    assert answer.status_code == 302, answer.text
    assert answer.headers["location"].startswith(REDIRECT_URI + "?")
    return redirect_params(answer.headers["location"])


def redeem(client: Client, tenant: str, client_id: str, code: str, verifier: str | None,
           redirect_uri: str = REDIRECT_URI, origin: str | None = SPA_ORIGIN) -> Any:
    form = {"grant_type": "authorization_code", "client_id": client_id, "code": code,
            "redirect_uri": redirect_uri, "scope": SCOPE}
    if verifier is not None:
        form["code_verifier"] = verifier
    headers = {"Origin": origin} if origin else {}
    return client.post(f"/{tenant}/oauth2/v2.0/token", data=form, headers=headers)
