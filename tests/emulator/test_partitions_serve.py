"""``serve --data-partitions``: the setting on the command line, kept by the data dir, and
the service's refusal to start without it once a partition other than the default exists
(``DataPartitionFeatureValidatorService``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.support.datasets import make_instance
from tests.support.headers import STOW_SINGLE_PART
from tests.support.live_emulator import running_emulator
from tests.support.paths import REPO

pytestmark = pytest.mark.live


def _serve(data_dir: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dicom_emulator", "serve", "--port", "0", "--auth", "off",
         "--data-dir", str(data_dir), *options],
        capture_output=True, text=True, timeout=60, cwd=REPO)


def test_serve_keeps_the_setting_and_refuses_to_turn_it_off(tmp_path: Path) -> None:
    with running_emulator(tmp_path, "--auth", "off", "--data-partitions") as emulator:
        stored = requests.post(f"{emulator.url}/v2/partitions/p1/studies",
                               data=make_instance(), headers=STOW_SINGLE_PART, timeout=30)
        assert stored.status_code == 200
    with running_emulator(tmp_path, "--auth", "off") as emulator:  # as recorded: on
        listed = requests.get(f"{emulator.url}/v2/partitions", timeout=30)
        assert [p["partitionName"] for p in listed.json()] == ["Microsoft.Default", "p1"]
    refused = _serve(tmp_path, "--no-data-partitions")
    assert refused.returncode == 1 and "ready at" not in refused.stdout
    assert ("Data partitions feature cannot be disabled while existing data has already "
            "been partitioned.") in refused.stderr
    assert "Traceback" not in refused.stderr
