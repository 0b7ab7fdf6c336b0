"""A full disk, for real: the data dir on a small tmpfs (mounted as root; skipped where
that is not allowed), filled to the last byte while the emulator runs.

Stores fail with the service's storage-failure code 272 (409) and leave nothing behind,
reads keep working, a delete still works (the index keeps a reserve for it), and once
space returns the emulator stores again without a restart.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.reliability import integrity
from tests.support.datasets import make_dataset, make_instance, to_bytes
from tests.support.live_emulator import LiveEmulator, running_emulator
from tests.support.stow import multipart_stow

pytestmark = pytest.mark.live


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "tiny"
    mount.mkdir()
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(path: Path) -> None:
    """Write ``path`` until not one more byte fits (unbuffered: nothing left to flush)."""
    with open(path, "wb", buffering=0) as f:
        size = 1 << 20
        while size:
            try:
                f.write(b"\0" * size)
            except OSError:
                size //= 2


def _failure_codes(response: requests.Response) -> list[int]:
    return [item["00081197"]["Value"][0]
            for item in response.json().get("00081198", {}).get("Value", [])]


def test_a_full_disk_fails_stores_with_272_and_keeps_reads_and_deletes(
        tiny_disk: Path) -> None:
    with running_emulator(tiny_disk / "emulator", "--auth", "off") as emulator:
        url: str = emulator.url
        stored = integrity.store_baseline(url, [make_instance() for _ in range(3)])
        filler = tiny_disk / "filler"
        _fill(filler)
        big = to_bytes(make_dataset(rows=256, columns=256))
        body, headers = multipart_stow(big)
        multipart = requests.post(f"{url}/v2/studies", data=body, headers=headers, timeout=60)
        single = requests.post(f"{url}/v2/studies", data=big, timeout=60, headers={
            "Content-Type": "application/dicom", "Accept": "application/dicom+json"})
        assert (multipart.status_code, _failure_codes(multipart)) == (409, [272])
        assert (single.status_code, _failure_codes(single)) == (409, [272])
        assert integrity.consistency_problems(tiny_disk / "emulator") == []
        assert integrity.changed_instances(url, stored) == []
        assert requests.get(f"{url}/v2/instances", headers={"Accept": "*/*"},
                            timeout=60).status_code == 200
        study, series, sop = next(iter(stored))
        deleted = requests.delete(f"{url}/v2/studies/{study}/series/{series}/instances/{sop}",
                                  timeout=60)
        assert deleted.status_code == 204
        filler.unlink()
        again = requests.post(f"{url}/v2/studies", data=body, headers=headers, timeout=60)
        assert again.status_code == 200
        assert integrity.consistency_problems(tiny_disk / "emulator") == []


def test_the_index_keeps_its_reserve(tmp_path: Path) -> None:
    with running_emulator(tmp_path / "emulator", "--auth", "off") as emulator:
        live: LiveEmulator = emulator
        assert (live.data_dir / "index.sqlite.reserve").stat().st_size > 0
