"""Fixtures of the browser tests: one Chromium per session, an emulator serving OHIF
with studies in it, and a page whose network responses are recorded."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
import requests

from helpers import samples
from tests.support.live_emulator import running_emulator
from tests.viewer.browser import NetworkLog, require_ohif

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


def store(url: str, paths: list[Path], token: str | None = None) -> None:
    headers = {"Content-Type": "application/dicom", "Accept": "application/dicom+json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    for path in paths:
        response = requests.post(f"{url}/v2/studies", data=path.read_bytes(), timeout=30,
                                 headers=headers)
        assert response.status_code in (200, 409), response.text  # 409: stored already


@pytest.fixture(scope="session")
def ohif_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An emulator serving OHIF (auth off) with two studies: the multi-frame XA run and
    the Azure shapes (three instances, two series); yields its root URL."""
    require_ohif()
    with running_emulator(tmp_path_factory.mktemp("viewer"), "--auth", "off",
                          "--viewer") as emulator:
        store(emulator.url, [samples.xa_multiframe(), *samples.azure_shapes().values()])
        yield emulator.url


READER = ("reader@contoso.test", "Reader-pass-1")


@dataclass(frozen=True)
class SignInEmulator:
    url: str
    tenant: str


def _cli(data_dir: Path, *args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "dicom_emulator", "--data-dir", str(data_dir),
                           *args], capture_output=True, text=True, check=True, timeout=60)
    answer = json.loads(done.stdout)
    assert isinstance(answer, dict)
    return answer


@pytest.fixture(scope="session")
def ohif_auth_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SignInEmulator]:
    """An emulator with auth on serving OHIF: the XA run stored by an Owner app, and a
    user with the DICOM Data Reader role who signs in on the sign-in page."""
    require_ohif()
    data_dir = tmp_path_factory.mktemp("viewer-auth")
    with running_emulator(data_dir, "--viewer") as emulator:
        owner = _cli(data_dir, "ad", "sp", "create-for-rbac", "--display-name", "seeder",
                     "--role", "DICOM Data Owner")
        _cli(data_dir, "identity", "add-user", READER[0], "--password", READER[1],
             "--role", "DICOM Data Reader")
        token = requests.post(
            f"{emulator.url}/{owner['tenant']}/oauth2/v2.0/token", timeout=30,
            data={"grant_type": "client_credentials", "client_id": owner["appId"],
                  "client_secret": owner["password"],
                  "scope": "https://dicom.healthcareapis.azure.com/.default"},
        ).json()["access_token"]
        store(emulator.url, [samples.xa_multiframe()], token)
        yield SignInEmulator(emulator.url, owner["tenant"])


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def network(page: Page) -> NetworkLog:
    """The responses ``page`` gets from now on."""
    log = NetworkLog()

    def record(response: Any) -> None:
        parts = urlsplit(response.url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        log.entries.append((response.request.method, target, response.status))
        if "authorization" in response.request.headers:
            log.authorized.add(target)

    page.on("response", record)
    return log
