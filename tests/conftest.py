"""Fixtures shared by every test: emulator settings, an in-process app, the test tiers.

The live-emulator fixtures (real processes) are in ``tests/support/live_emulator.py``,
registered here as a plugin, which also puts the tests that use them in the ``live`` tier.
Two markers split the suite (``pyproject.toml``): ``live`` (starts an emulator process) and
``slow`` (real-time waits, external tools). ``pytest -m "not live and not slow"`` is the
edit loop, and still has every feature's in-process HTTP tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from dicom_emulator import EmulatorSettings, create_app
from dicom_emulator.dicom.reading import use_emulator_reading_policy
from dicom_emulator.identity.keys import KEY_FILE, load_or_create_signing_key
from tests.support.paths import SHARED_SAMPLES_DIR

pytest_plugins = ["tests.support.live_emulator"]


def pytest_configure(config: pytest.Config) -> None:
    # In-process apps read DICOM as the emulator process does (``serve`` sets this).
    use_emulator_reading_policy()


@pytest.fixture
def settings(tmp_path: Path) -> EmulatorSettings:
    return EmulatorSettings(data_dir=tmp_path / "emulator", auth=False)


@pytest.fixture
def http(settings: EmulatorSettings) -> Iterator[TestClient]:
    """The emulator app in-process (lifespan included), auth off, base URL ``/``."""
    with TestClient(create_app(settings), base_url="http://testserver") as client:
        yield client


@pytest.fixture
def azure_samples() -> dict[str, Path]:
    """The three files the Azure docs use (beside the checkout, as CI lays it out)."""
    if not SHARED_SAMPLES_DIR.is_dir():
        pytest.skip("../shared/data/azure-samples is not beside this checkout")
    return {p.stem: p for p in sorted(SHARED_SAMPLES_DIR.glob("*.dcm"))}


@pytest.fixture(scope="session")
def signing_key_pem(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """One identity signing key for the session (a new RSA key per test is slow)."""
    data_dir = tmp_path_factory.mktemp("signing-key")
    load_or_create_signing_key(data_dir)
    return (data_dir / KEY_FILE).read_bytes()


@pytest.fixture
def auth_settings(tmp_path: Path, signing_key_pem: bytes) -> EmulatorSettings:
    """Settings with auth on, as the Azure service always has it (session signing key)."""
    data_dir = tmp_path / "emulator-auth"
    data_dir.mkdir()
    (data_dir / KEY_FILE).write_bytes(signing_key_pem)
    return EmulatorSettings(data_dir=data_dir, auth=True)


@pytest.fixture
def auth_http(auth_settings: EmulatorSettings) -> Iterator[TestClient]:
    """The app in-process with auth on, called from loopback (so admin routes answer)."""
    with TestClient(create_app(auth_settings), base_url="http://127.0.0.1",
                    client=("127.0.0.1", 50000)) as client:
        yield client


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """The one headless Chromium of the session (Debian's, driven by Playwright): one
    sync Playwright per thread is all Playwright allows, so every browser test shares it.
    Without Chromium or Playwright the tests skip with the reason, except under CI=true."""
    from tests.viewer.browser import CHROMIUM, require_browser

    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()
