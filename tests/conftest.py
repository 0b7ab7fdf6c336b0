"""Fixtures shared by every test: emulator settings, an in-process app, a live process."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from dicom_emulator import EmulatorSettings, create_app
from dicom_emulator.dicom.reading import use_emulator_reading_policy
from dicom_emulator.identity.keys import KEY_FILE, load_or_create_signing_key
from dicom_emulator.launcher import launch

REPO = Path(__file__).resolve().parent.parent
SHARED_SAMPLES_DIR = REPO.parent / "shared" / "data" / "azure-samples"


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


def start_emulator(data_dir: Path, *extra: str) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``python -m dicom_emulator serve`` on a free port; returns (process, base URL)."""
    return launch(data_dir, *extra, cwd=REPO)


@pytest.fixture(scope="session")
def live_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real emulator process (auth off) for the whole session; yields its base URL."""
    process, url = start_emulator(tmp_path_factory.mktemp("live"), "--auth", "off")
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


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


@dataclass(frozen=True)
class LiveEmulator:
    """A running emulator process: its base URL and its data dir (for the CLI)."""

    url: str
    data_dir: Path


@pytest.fixture(scope="session")
def live_emulator_auth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveEmulator]:
    """A real emulator process with auth on (the default) for the whole session."""
    data_dir = tmp_path_factory.mktemp("live-auth")
    process, url = start_emulator(data_dir)
    try:
        yield LiveEmulator(url=url, data_dir=data_dir)
    finally:
        process.terminate()
        process.wait(timeout=10)
