"""Emulator processes for the ``live`` tier: start one, stop it, and the session fixtures.

Every test that starts ``python -m dicom_emulator serve`` goes through ``running_emulator``
(or a fixture built on it), so that a process is always stopped, even when the test fails.
Tests that ask for one of ``LIVE_FIXTURES`` are put in the ``live`` tier automatically
(``pytest_collection_modifyitems`` below); tests that start a process some other way carry
the marker themselves.

Registered as a plugin by ``tests/conftest.py``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from dicom_emulator.launcher import launch
from tests.support.paths import REPO

STOP_TIMEOUT = 10


@dataclass(frozen=True)
class LiveEmulator:
    """A running emulator process: its base URL and its data dir (for the CLI)."""

    url: str
    data_dir: Path


def start_emulator(data_dir: Path, *extra: str) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``python -m dicom_emulator serve`` on a free port; returns (process, base URL).

    The caller stops it; prefer ``running_emulator``, which always does.
    """
    return launch(data_dir, *extra, cwd=REPO)


def stop_emulator(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then wait for the clean exit."""
    process.terminate()
    process.wait(timeout=STOP_TIMEOUT)


@contextmanager
def running_emulator(data_dir: Path, *extra: str) -> Iterator[LiveEmulator]:
    """An emulator process on ``data_dir`` for the ``with`` block (``extra``: serve options)."""
    process, url = start_emulator(data_dir, *extra)
    try:
        yield LiveEmulator(url=url, data_dir=data_dir)
    finally:
        stop_emulator(process)


@pytest.fixture(scope="session")
def live_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real emulator process (auth off) for the whole session; yields its base URL."""
    with running_emulator(tmp_path_factory.mktemp("live"), "--auth", "off") as emulator:
        yield emulator.url


@pytest.fixture(scope="session")
def live_emulator_auth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveEmulator]:
    """A real emulator process with auth on (the default) for the whole session."""
    with running_emulator(tmp_path_factory.mktemp("live-auth")) as emulator:
        yield emulator


# The shared fixtures that start an emulator process: these two, and the workshop's
# (tests/workshop/conftest.py). Fixtures local to one test module are covered by its marker.
LIVE_FIXTURES = frozenset({"live_emulator", "live_emulator_auth", "workshop_emulator"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that asks for a live-emulator fixture is in the ``live`` tier, marked or not."""
    for item in items:
        if LIVE_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.live)
