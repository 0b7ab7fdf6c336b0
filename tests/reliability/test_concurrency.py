"""Requests that race, live: the same SOP instance stored by 8 clients at once (exactly one
is stored; the others get the service's 45070 or 45071), and deletes racing retrieves and
stores of the same study (consistent answers, no 5xx, a consistent data dir)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from tests.reliability import integrity
from tests.support.datasets import make_dataset, make_instance, to_bytes
from tests.support.live_emulator import LiveEmulator, running_emulator

pytestmark = pytest.mark.live
ACCEPT = {"Accept": "application/dicom+json"}
STOW = {**ACCEPT, "Content-Type": "application/dicom"}


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[LiveEmulator]:
    with running_emulator(tmp_path / "emulator", "--auth", "off") as live:
        yield live


def _at_once(count: int, work: Callable[[int], object]) -> list[object]:
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        results[i] = work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_the_same_instance_stored_by_8_clients_at_once_is_stored_once(
        emulator: LiveEmulator) -> None:
    data = make_instance()

    def store(_: int) -> tuple[int, list[int]]:
        response = requests.post(f"{emulator.url}/v2/studies", data=data, headers=STOW,
                                 timeout=60)
        failed = response.json().get("00081198", {}).get("Value", [])
        return response.status_code, [item["00081197"]["Value"][0] for item in failed]

    results = _at_once(8, store)
    assert sorted(status for status, _ in results) == [200] + [409] * 7  # type: ignore[misc]
    # FailureReasonCodes: SopInstanceAlreadyExists (45070), PendingSopInstance (45071).
    assert all(codes in ([45070], [45071]) for status, codes in results  # type: ignore[misc]
               if status == 409)
    assert len(integrity.index_rows(emulator.data_dir)) == 1


def test_deletes_racing_retrieves_and_stores_give_consistent_answers(
        emulator: LiveEmulator) -> None:
    first = make_dataset()
    study, series = first.StudyInstanceUID, first.SeriesInstanceUID
    requests.post(f"{emulator.url}/v2/studies", data=to_bytes(first), headers=STOW, timeout=60)
    seen: list[tuple[str, int]] = []

    def work(i: int) -> None:
        for _ in range(15):
            if i == 0:
                response = requests.delete(f"{emulator.url}/v2/studies/{study}", timeout=60)
                seen.append(("delete", response.status_code))
            elif i < 4:
                ds = make_dataset(study, series)
                response = requests.post(f"{emulator.url}/v2/studies/{study}",
                                         data=to_bytes(ds), headers=STOW, timeout=60)
                seen.append(("store", response.status_code))
            elif i < 6:
                response = requests.get(f"{emulator.url}/v2/studies/{study}/metadata",
                                        headers=ACCEPT, timeout=60)
                seen.append(("metadata", response.status_code))
            else:
                response = requests.get(
                    f"{emulator.url}/v2/studies/{study}",
                    headers={"Accept": 'multipart/related; type="application/dicom"; '
                                       "transfer-syntax=*"}, timeout=60)
                seen.append(("retrieve", response.status_code))

    _at_once(8, work)
    allowed = {"delete": {204, 404}, "store": {200}, "metadata": {200, 404},
               "retrieve": {200, 404}}
    assert [(kind, status) for kind, status in seen if status not in allowed[kind]] == []
    assert {kind for kind, _ in seen} == set(allowed)
    assert integrity.consistency_problems(emulator.data_dir) == []
