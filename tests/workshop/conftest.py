"""A fresh emulator with auth on and an app holding DICOM Data Owner, for the workshop paths.

The Postman collection and the cURL walkthrough are run against it as a participant would
run them against their own emulator: tokens from its identity service, an app made with
the az-style CLI (``ad sp create-for-rbac``, then ``role assignment create``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.live_emulator import running_emulator
from tests.support.paths import REPO


@dataclass(frozen=True)
class WorkshopEmulator:
    """A running emulator (auth on) and the credentials of an app with the Owner role."""

    url: str
    data_dir: Path
    tenant_id: str
    client_id: str
    client_secret: str


def emulator_cli(data_dir: Path, *args: str) -> str:
    """Run ``python -m dicom_emulator --data-dir D ARGS``; returns what it printed."""
    result = subprocess.run([sys.executable, "-m", "dicom_emulator", "--data-dir", str(data_dir),
                             *args], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def workshop_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkshopEmulator]:
    """A new emulator process per test module, auth on, with an Owner app provisioned."""
    data_dir = tmp_path_factory.mktemp("workshop-emulator")
    with running_emulator(data_dir) as emulator:
        app = json.loads(emulator_cli(data_dir, "ad", "sp", "create-for-rbac",
                                      "--display-name", "workshop-paths"))
        emulator_cli(data_dir, "role", "assignment", "create", "--assignee", app["appId"],
                     "--role", "DICOM Data Owner")
        yield WorkshopEmulator(url=emulator.url, data_dir=data_dir, tenant_id=app["tenant"],
                               client_id=app["appId"], client_secret=app["password"])
