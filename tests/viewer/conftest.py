"""Fixtures of the browser tests: one Chromium per session, an emulator serving OHIF
with studies in it, and a page whose network responses are recorded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
import requests

from helpers import samples
from tests.support.live_emulator import running_emulator
from tests.viewer.browser import CHROMIUM, NetworkLog, require_browser, require_ohif

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield chromium
        chromium.close()


def store(url: str, paths: list[Path]) -> None:
    for path in paths:
        response = requests.post(f"{url}/v2/studies", data=path.read_bytes(), timeout=30,
                                 headers={"Content-Type": "application/dicom",
                                          "Accept": "application/dicom+json"})
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

    page.on("response", record)
    return log
