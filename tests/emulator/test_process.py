"""The emulator as a process: readiness, clean shutdown, durability and start-up recovery."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest
import requests
from pydicom.uid import generate_uid

from dicom_emulator.settings import EmulatorSettings
from dicom_emulator.storage.index import Index
from tests.support.datasets import make_instance
from tests.support.headers import STOW_SINGLE_PART
from tests.support.live_emulator import running_emulator, start_emulator
from tests.support.polling import assert_eventually, wait_until

pytestmark = pytest.mark.live


def test_ready_when_announced_and_exits_zero_on_sigterm(tmp_path: Path) -> None:
    process, url = start_emulator(tmp_path, "--auth", "off")
    try:
        assert requests.get(f"{url}/health/check", timeout=5).status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_stored_instances_survive_sigkill(tmp_path: Path) -> None:
    """Every instance acknowledged with 200 is there after a SIGKILL and a restart."""
    process, url = start_emulator(tmp_path, "--auth", "off")
    acknowledged: list[str] = []
    stop = threading.Event()

    def store_until_killed() -> None:
        session = requests.Session()
        while not stop.is_set():
            sop = generate_uid()
            try:
                response = session.post(f"{url}/v2/studies", data=make_instance(sop=sop),
                                        headers=STOW_SINGLE_PART, timeout=5)
            except requests.ConnectionError:
                return
            if response.status_code == 200:
                acknowledged.append(sop)

    writers = [threading.Thread(target=store_until_killed) for _ in range(2)]
    for writer in writers:
        writer.start()
    deadline = time.monotonic() + 20
    while len(acknowledged) < 25 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    stop.set()
    for writer in writers:
        writer.join(timeout=10)
    assert len(acknowledged) >= 25
    settings = EmulatorSettings(data_dir=tmp_path)
    # A file that no index row names, from before the restart: once the background sweep has
    # removed it, the sweep has run, and what is left on disk can be compared with the index.
    planted = settings.blob_dir / "zz" / "planted-orphan.dcm"
    planted.parent.mkdir()
    planted.write_bytes(b"an orphan from before the restart")
    old = time.time() - 60
    os.utime(planted, (old, old))

    with running_emulator(tmp_path, "--auth", "off"):
        index = Index(settings.index_path)
        conn = index.reader()
        rows = conn.execute("SELECT sop_uid, blob FROM instance").fetchall()
        present = {sop for sop, _ in rows}
        assert set(acknowledged) <= present
        for _, blob in rows:  # no index row without its file
            assert (settings.blob_dir / blob).is_file()
        creates = conn.execute("SELECT COUNT(*) FROM changefeed WHERE action = 0").fetchone()[0]
        assert creates == len(rows)  # one change-feed entry per indexed instance
        index.close()

        def no_orphan_file() -> None:
            on_disk = {str(p.relative_to(settings.blob_dir))
                       for p in settings.blob_dir.rglob("*.dcm")}
            assert on_disk == {blob for _, blob in rows}

        wait_until(lambda: not planted.exists(), timeout=10, what="the orphan sweep")
        assert_eventually(no_orphan_file, timeout=10)  # the other orphans go in the same sweep


def test_startup_removes_orphans_and_spooled_leftovers(tmp_path: Path) -> None:
    settings = EmulatorSettings(data_dir=tmp_path)
    with running_emulator(tmp_path, "--auth", "off") as emulator:
        stored = requests.post(f"{emulator.url}/v2/studies", data=make_instance(),
                               headers=STOW_SINGLE_PART, timeout=5)
        assert stored.status_code == 200
    (kept,) = settings.blob_dir.rglob("*.dcm")
    orphan = settings.blob_dir / "zz" / "orphan.dcm"
    orphan.parent.mkdir()
    orphan.write_bytes(b"left by a crash between rename and commit")
    old = time.time() - 60
    os.utime(orphan, (old, old))
    leftover = settings.tmp_dir / "request.part"
    leftover.write_bytes(b"half a request")

    with running_emulator(tmp_path, "--auth", "off"):
        wait_until(lambda: not orphan.exists(), timeout=10, what="the orphan is removed")
        assert not leftover.exists()
        assert kept.exists()
