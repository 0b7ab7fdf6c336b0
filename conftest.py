"""nbval runs (``pytest --nbval-lax notebooks/``) get a fresh local emulator.

It lives here, one level above ``notebooks/``, so that the participants' notebooks folder
holds only lessons; pytest reads it for any run in this repository, and it acts only
when ``--nbval`` or ``--nbval-lax`` is on.

Unless ``DICOM_SERVICE_URL`` points the notebooks at a real service, the run uses an
emulator with auth on, on a free port, with its state in a temporary folder, so it never
touches your ``.dicom-emulator`` or the emulator ``make lab`` uses. The notebook kernels
inherit these variables; the emulator is stopped when the run ends.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile

import pytest

from helpers.azurite import stop_azurite
from helpers.config import load_settings
from helpers.emulator import stop_emulator

_created: list[str] = []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pytest_configure(config: pytest.Config) -> None:
    nbval = config.getoption("nbval", False) or config.getoption("nbval_lax", False)
    if not nbval or load_settings().service_url:
        return
    data_dir = tempfile.mkdtemp(prefix="nbval-emulator-")
    _created.append(data_dir)
    os.environ["DICOM_EMULATOR_DATA_DIR"] = data_dir
    os.environ["DICOM_EMULATOR_PORT"] = str(_free_port())
    os.environ["DICOM_EMULATOR_AUTH"] = "on"  # as on Azure, whatever the shell says
    # The export lesson's Azurite too: its own port and data, stopped at the end.
    if not load_settings().export_account_url:
        os.environ["AZURITE_DATA_DIR"] = os.path.join(data_dir, "azurite")
        os.environ["AZURITE_PORT"] = str(_free_port())


def pytest_unconfigure(config: pytest.Config) -> None:
    for data_dir in _created:
        stop_emulator(load_settings())
        stop_azurite(load_settings())
        shutil.rmtree(data_dir, ignore_errors=True)
