"""The crash trial: clients store, update and delete while the emulator is SIGKILLed at
random moments and restarted on the same data dir; then what was acknowledged is checked.

An instance is *acknowledged* when its store got a 200 and *acknowledged deleted* when its
delete got a 204; a request cut by a kill has an unknown outcome, and the checks allow
either outcome for it, but nothing in between: after recovery every acknowledged instance
is retrievable byte for byte past the (zeroed) preamble, every acknowledged delete is a
404, no index row lacks its file, no file lacks its row, and the change feed has exactly
one Create per stored instance and one Delete per deleted one. The updating client and
its checks are in :mod:`.crash_updates`.
"""

from __future__ import annotations

import random
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

import requests
from pydicom import dcmread

from dicom_emulator.launcher import launch
from tests.reliability import integrity
from tests.reliability.crash_updates import (
    UpdatedStudy,
    instance_url,
    study_problems,
    updating_client,
)
from tests.support.datasets import make_instance
from tests.support.paths import REPO

DICOM = "application/dicom"
Key = tuple[str, str, str]


@dataclass
class Ledger:
    """What the clients know about each instance they sent."""

    data: dict[Key, bytes] = field(default_factory=dict)
    stored: set[Key] = field(default_factory=set)         # acknowledged, not deleted
    deleted: set[Key] = field(default_factory=set)        # delete acknowledged
    unsure: set[Key] = field(default_factory=set)         # a request cut by a kill
    studies: dict[str, UpdatedStudy] = field(default_factory=dict)  # the updater's, stored
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Figures:
    kills: int = 0
    stores_acknowledged: int = 0
    deletes_acknowledged: int = 0
    updates_acknowledged: int = 0
    cut_requests: int = 0
    lost: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def report(self) -> str:
        return (f"crash trials: {self.kills} kills survived, {self.stores_acknowledged} stores, "
                f"{self.updates_acknowledged} study updates and {self.deletes_acknowledged} "
                f"deletes acknowledged, {self.cut_requests} "
                f"requests cut by a kill, {len(self.lost)} acknowledged instances lost, "
                f"{len(self.problems)} consistency problems")


class Server:
    """The emulator process, restartable on its data dir; clients read ``url``."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.start()

    def start(self) -> None:
        self.process, self.url = launch(self.data_dir, "--auth", "off", cwd=REPO)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def _client(server: Server, ledger: Ledger, figures: Figures, stop: threading.Event,
            seed: int) -> None:
    rng = random.Random(seed)
    while not stop.is_set():
        url = server.url
        with ledger.lock:
            candidates = sorted(ledger.stored)
        try:
            if candidates and rng.random() < 0.3:
                key = rng.choice(candidates)
                with ledger.lock:
                    ledger.stored.discard(key)
                    ledger.unsure.add(key)
                response = requests.delete(instance_url(url, key), timeout=30)
                with ledger.lock:
                    if response.status_code == 204:
                        ledger.unsure.discard(key)
                        ledger.deleted.add(key)
                        figures.deletes_acknowledged += 1
            else:
                data = make_instance()
                ds = dcmread(BytesIO(data), stop_before_pixels=True)
                key = (ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)
                with ledger.lock:
                    ledger.data[key] = data
                    ledger.unsure.add(key)
                response = requests.post(f"{url}/v2/studies", data=data, timeout=30,
                                         headers={"Content-Type": DICOM,
                                                  "Accept": "application/dicom+json"})
                with ledger.lock:
                    if response.status_code == 200:
                        ledger.unsure.discard(key)
                        ledger.stored.add(key)
                        figures.stores_acknowledged += 1
        except requests.RequestException:
            with ledger.lock:
                figures.cut_requests += 1
            time.sleep(0.05)  # the server is being restarted


def _feed(url: str) -> list[dict[str, object]]:
    entries: list[dict[str, object]] = []
    offset = 0
    latest = requests.get(f"{url}/v1/changefeed/latest?includeMetadata=false", timeout=30)
    last = latest.json()["sequence"] if latest.status_code == 200 else 0
    while offset < last:
        page = requests.get(f"{url}/v1/changefeed", timeout=30,
                            params={"offset": offset, "limit": 100, "includeMetadata": "false"})
        entries += page.json()
        offset += 100
    return entries


def _check(server: Server, ledger: Ledger, figures: Figures) -> None:
    url = server.url
    deadline = time.time() + 60  # a restart resumes cut update operations
    while integrity.active_operations(server.data_dir) and time.time() < deadline:
        time.sleep(0.2)
    figures.lost = integrity.changed_instances(url, {k: ledger.data[k] for k in ledger.stored})
    for key in ledger.deleted:
        response = requests.get(instance_url(url, key), timeout=30,
                                headers={"Accept": f"{DICOM}; transfer-syntax=*"})
        if response.status_code != 404:
            figures.problems.append(f"deleted but {response.status_code}: {key[2]}")
    updates: dict[Key, int] = {}
    for study in ledger.studies.values():
        problems, applied = study_problems(url, study, ledger.data)
        figures.problems += problems
        updates |= dict.fromkeys(study.keys, applied)
    deadline = time.time() + 30  # the orphan sweep runs in the background after a start
    while (problems := integrity.consistency_problems(server.data_dir)) and time.time() < deadline:
        time.sleep(0.5)
    figures.problems += problems
    actions: dict[str, list[str]] = {}
    for entry in _feed(url):
        actions.setdefault(str(entry["sopInstanceUid"]), []).append(str(entry["action"]))
    for key in ledger.data:
        seen = actions.pop(key[2], [])
        expected = (["Create"] + ["Update"] * updates[key] if key in updates else
                    ["Create"] if key in ledger.stored else
                    ["Create", "Delete"] if key in ledger.deleted else None)
        if expected is None:  # cut: nothing, a create, or a create and its delete
            if seen not in ([], ["Create"], ["Create", "Delete"]):
                figures.problems.append(f"feed of a cut request: {seen} for {key[2]}")
        elif seen != expected:
            figures.problems.append(f"feed {seen}, expected {expected}: {key[2]}")
    figures.problems += [f"feed entries for an instance never sent: {sop}" for sop in actions]


def run(data_dir: Path, kills: int, clients: int = 3, seed: int = 17) -> Figures:
    """``kills`` SIGKILLs at random moments under ``clients`` storing and deleting clients
    and one updating client; returns the figures."""
    rng = random.Random(seed)
    server, ledger, figures = Server(data_dir), Ledger(), Figures()
    stop = threading.Event()
    threads = [threading.Thread(target=_client, args=(server, ledger, figures, stop, seed + i),
                                daemon=True) for i in range(clients)]
    threads.append(threading.Thread(target=updating_client, daemon=True,
                                    args=(server, ledger, figures, stop, seed + clients)))
    try:
        for thread in threads:
            thread.start()
        for _ in range(kills):
            time.sleep(rng.uniform(0.2, 1.5))
            server.kill()
            figures.kills += 1
            server.start()
        time.sleep(0.5)
        stop.set()
        for thread in threads:
            thread.join(timeout=150)  # the updater finishes polling its operation
        server.kill()  # one more, with nothing in flight, then a clean start to check
        server.start()
        _check(server, ledger, figures)
    finally:
        stop.set()
        server.stop()
    return figures
