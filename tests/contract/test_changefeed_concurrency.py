"""Concurrency through a real emulator process: parallel stores and deletes keep the change
feed unique, increasing and consistent with the index; a store during a reindex indexes
every instance exactly once."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from dicomweb_client import DICOMwebClient
from pydicom.uid import generate_uid

from helpers.changefeed import ChangeFeedAction, ChangeFeedState, read_changes_by_sequence
from helpers.extended_query_tags import add_extended_query_tags, wait_for_operation
from tests.support.datasets import make_dataset
from tests.support.live_emulator import running_emulator

pytestmark = pytest.mark.live

WORKERS = 6
PER_WORKER = 20


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A fresh emulator process: (v2 base URL, data dir)."""
    with running_emulator(tmp_path, "--auth", "off") as emulator:
        yield f"{emulator.url}/v2", tmp_path


def _store_and_delete(base: str, worker: int) -> tuple[list[str], list[str]]:
    """Store PER_WORKER instances (single and multipart), delete every other one."""
    client = DICOMwebClient(base)
    study = generate_uid()
    datasets = [make_dataset(study, generate_uid(), PatientID=f"W{worker}")
                for _ in range(PER_WORKER)]
    stored: list[str] = []
    for start in range(0, PER_WORKER, 4):
        batch = datasets[start:start + 4]
        client.store_instances(batch)
        stored += [ds.SOPInstanceUID for ds in batch]
    deleted: list[str] = []
    for ds in datasets[::2]:
        client.delete_instance(study, ds.SeriesInstanceUID, ds.SOPInstanceUID)
        deleted.append(ds.SOPInstanceUID)
    return stored, deleted


def test_parallel_stores_and_deletes_keep_the_feed_consistent(emulator: tuple[str, Path]) -> None:
    base, _ = emulator
    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(lambda w: _store_and_delete(base, w), range(WORKERS)))
    stored = [sop for s, _ in results for sop in s]
    deleted = {sop for _, d in results for sop in d}

    session = requests.Session()
    entries = list(read_changes_by_sequence(session, base, page_size=100))
    sequences = [e.sequence for e in entries]
    assert sequences == sorted(set(sequences))  # unique and increasing
    timestamps = [e.timestamp for e in entries]
    assert timestamps == sorted(timestamps)
    creates = Counter(e.sop_instance_uid for e in entries if e.action is ChangeFeedAction.CREATE)
    deletes = Counter(e.sop_instance_uid for e in entries if e.action is ChangeFeedAction.DELETE)
    assert creates == Counter(stored)  # exactly one Create per stored instance
    assert deletes == Counter(deleted)  # exactly one Delete per deleted instance
    position = {(e.sop_instance_uid, e.action): e.sequence for e in entries}
    assert all(position[(s, ChangeFeedAction.CREATE)] < position[(s, ChangeFeedAction.DELETE)]
               for s in deleted)
    for entry in entries:
        gone = entry.sop_instance_uid in deleted
        assert entry.state is (ChangeFeedState.DELETED if gone else ChangeFeedState.CURRENT)

    # The index agrees with the feed: exactly the instances created and not deleted.
    found = DICOMwebClient(base).search_for_instances(limit=200)
    assert {ds["00080018"]["Value"][0] for ds in found} == set(stored) - deleted


def test_stores_during_a_reindex_index_each_instance_once(emulator: tuple[str, Path]) -> None:
    base, data_dir = emulator
    client = DICOMwebClient(base)
    for _ in range(6):
        client.store_instances([make_dataset(PatientAge="040Y") for _ in range(50)])
    session = requests.Session()

    def store_more(worker: int) -> None:
        own = DICOMwebClient(base)
        for _ in range(5):
            own.store_instances([make_dataset(PatientAge="041Y") for _ in range(4)])

    # Stores run before, while and after the tag is added and the reindex works: which
    # instance each one indexes depends on timing, the outcome must not.
    with ThreadPoolExecutor(4) as pool:
        running = [pool.submit(store_more, w) for w in range(4)]
        reference = add_extended_query_tags(session, base, [{"path": "PatientAge",
                                                             "level": "Instance"}])
        for future in running:
            future.result()
    final = wait_for_operation(session, reference, poll_interval=0.05, progress=False)
    assert final.succeeded

    with sqlite3.connect(f"file:{data_dir / 'index.sqlite'}?mode=ro", uri=True) as conn:
        instances = conn.execute("SELECT COUNT(*) FROM instance").fetchone()[0]
        per_instance = conn.execute(
            "SELECT i.instance_key, COUNT(v.instance_key) FROM instance i"
            " LEFT JOIN extended_query_tag_value v ON v.instance_key = i.instance_key"
            " GROUP BY i.instance_key").fetchall()
    assert instances == 380
    assert {count for _, count in per_instance} == {1}
    older = client.search_for_instances(search_filters={"PatientAge": "040Y"}, limit=200,
                                        offset=200)
    assert len(older) == 100  # 300 in all: the second page holds the last 100
    assert len(client.search_for_instances(search_filters={"PatientAge": "041Y"},
                                           limit=200)) == 80
