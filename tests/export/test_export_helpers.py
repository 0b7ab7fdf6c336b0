"""The client side of export: the kit's DICOMwebClient against a live emulator process and
a real Azurite; the storage settings; Azurite started on demand and stopped by reset."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from azure.storage.blob import ContainerClient
from pydicom.uid import generate_uid

from helpers.azurite import is_azurite, stop_azurite
from helpers.client import DICOMwebClient
from helpers.config import PROJECT_ROOT, load_settings
from helpers.export import container_client, export, read_error_log
from helpers.kit import reset
from tests.export.conftest import Azurite
from tests.support.datasets import make_dataset
from tests.support.live_emulator import LiveEmulator, running_emulator


def test_storage_settings_default_to_a_local_azurite(tmp_path: Path) -> None:
    local = load_settings(environ={}, env_file=_empty(tmp_path))
    assert local.export_account_url is None and local.export_container == "export"
    assert (local.azurite_port, local.azurite_data_dir) == (10000, PROJECT_ROOT / ".azurite")
    azure = load_settings(env_file=_empty(tmp_path), environ={
        "EXPORT_ACCOUNT_URL": "https://acct.blob.core.windows.net/", "AZURITE_PORT": "1"})
    assert azure.export_account_url == "https://acct.blob.core.windows.net"
    with pytest.raises(ValueError, match="AZURITE_PORT"):
        load_settings(environ={"AZURITE_PORT": "x"}, env_file=_empty(tmp_path))


def _empty(tmp_path: Path) -> Path:
    path = tmp_path / ".env"
    path.write_text("")
    return path


@pytest.fixture
def live_export_emulator(tmp_path: Path, azurite: Azurite) -> Iterator[LiveEmulator]:
    os.environ["DICOM_EMULATOR_STORAGE_CREDENTIAL"] = azurite.credential
    try:
        with running_emulator(tmp_path / "emulator", "--auth", "off") as emulator:
            yield emulator
    finally:
        del os.environ["DICOM_EMULATOR_STORAGE_CREDENTIAL"]


def test_the_kit_client_exports_and_reads_the_error_log(
        live_export_emulator: LiveEmulator, container: ContainerClient) -> None:
    client = DICOMwebClient(url=f"{live_export_emulator.url}/v2")
    ds = make_dataset()
    client.store_instances([ds])
    missing = generate_uid()
    done = export(client, [ds.StudyInstanceUID, missing], container.url)
    assert done.succeeded and done.results["exported"] == 1
    assert done.results["skipped"] == 1
    entries = read_error_log(container, done.results["errorHref"])
    assert [(e.identifier, e.error) for e in entries] == [
        (missing, "The specified study cannot be found.")]
    with pytest.raises(requests.HTTPError, match="does not exist in account"):
        export(client, [ds.StudyInstanceUID], container.url + "-missing")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_azurite_starts_on_demand_and_reset_stops_and_wipes_it(
        tmp_path: Path, azurite: Azurite) -> None:
    env = {"AZURITE_PORT": str(_free_port()), "AZURITE_DATA_DIR": str(tmp_path / "az"),
           "DICOM_EMULATOR_DATA_DIR": str(tmp_path / "emulator")}
    settings = load_settings(environ=env, env_file=_empty(tmp_path))
    try:
        container = container_client(settings)  # starts Azurite, creates "export"
        url = f"http://127.0.0.1:{settings.azurite_port}"
        assert is_azurite(url) and container.exists()
        assert container.url == f"{url}/kitexport/export"
        assert container_client(settings).url == container.url  # reused, not restarted
        assert reset(settings, dry_run=False) == 0
        assert not is_azurite(url) and not settings.azurite_data_dir.exists()
    finally:
        stop_azurite(settings)
