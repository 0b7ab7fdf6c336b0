"""Fixtures for export: a real Azurite process, and emulators whose identity may write to it.

Azurite comes from ``azurite/node_modules`` (``npm ci --prefix azurite``). Without it the
tests that need it are skipped with the reason, except under ``CI=true``, where they must
run (as the Postman collection's newman test).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from azure.storage.blob import ContainerClient
from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from dicom_emulator import EmulatorSettings, create_app
from dicom_emulator.features.export.service import Exporter
from helpers.azurite import (
    ACCOUNT,
    OTHER_ACCOUNT,
    AzuriteMissingError,
    StorageAccount,
    start_azurite,
    stop_process,
    storage_accounts,
    storage_credential,
)


@dataclass(frozen=True)
class Azurite:
    url: str
    data_dir: Path
    accounts: dict[str, StorageAccount]

    @property
    def credential(self) -> str:
        """What the emulator is started with: the key of the account it may write to."""
        return storage_credential(self.data_dir)

    def new_container(self, account: str = ACCOUNT) -> ContainerClient:
        container = ContainerClient.from_connection_string(
            self.accounts[account].connection_string, f"export-{generate_uid()[-12:]}")
        container.create_container()
        return container


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    """A real Azurite blob service on a free loopback port, for the whole session."""
    data_dir = tmp_path_factory.mktemp("azurite")
    try:
        process, url = start_azurite(data_dir, 0)
    except AzuriteMissingError as missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing} CI must run the export tests")
        pytest.skip(str(missing))
    try:
        yield Azurite(url, data_dir, storage_accounts(data_dir, url))
    finally:
        stop_process(process)


@pytest.fixture
def container(azurite: Azurite) -> Iterator[ContainerClient]:
    """A new, empty container in the account the emulator's identity may write to."""
    client = azurite.new_container()
    yield client
    client.delete_container()


@pytest.fixture
def other_account_container(azurite: Azurite) -> Iterator[ContainerClient]:
    client = azurite.new_container(OTHER_ACCOUNT)
    yield client
    client.delete_container()


@pytest.fixture
def export_settings(tmp_path: Path, azurite: Azurite) -> EmulatorSettings:
    return EmulatorSettings(data_dir=tmp_path / "emulator", auth=False,
                            storage_credential=azurite.credential)


@pytest.fixture
def export_http(export_settings: EmulatorSettings) -> Iterator[TestClient]:
    """The emulator in-process, its identity holding the Azurite account's key."""
    with TestClient(create_app(export_settings), base_url="http://testserver") as client:
        yield client


@contextmanager
def paused(exporter: Exporter) -> Iterator[threading.Semaphore]:
    """Hold the export worker before each batch; ``release()`` lets one batch through."""
    gate = threading.Semaphore(0)
    exporter.before_batch = gate.acquire
    try:
        yield gate
    finally:
        exporter.before_batch = lambda: None
        gate.release(1000)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that start Azurite are in the ``live`` tier (they start a process)."""
    for item in items:
        if "azurite" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.live)
