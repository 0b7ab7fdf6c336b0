"""helpers.changefeed against a real emulator process whose sequence numbers have a gap."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests
from pydicom.uid import generate_uid

from helpers.changefeed import (
    ChangeFeedAction,
    ChangeFeedConsumer,
    ChangeFeedEntry,
    ChangeFeedState,
    get_latest_change,
    read_changes_by_sequence,
    read_changes_by_time,
    with_version,
)
from tests.support.datasets import make_instance
from tests.support.live_emulator import start_emulator

pytestmark = pytest.mark.live

GAP = 250
SINGLE = {"Accept": "application/dicom+json", "Content-Type": "application/dicom"}


@dataclass
class Feed:
    url: str  # versioned base URL (v2)
    session: requests.Session
    sops: list[str]
    latest_when_empty: ChangeFeedEntry | None


def _store(session: requests.Session, url: str, sop: str) -> None:
    response = session.post(f"{url}/studies", data=make_instance(sop=sop), headers=SINGLE)
    assert response.status_code == 200, response.text


@pytest.fixture(scope="module")
def feed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Feed]:
    """3 stores, a gap of 250 sequence numbers, 2 stores, 1 delete (sequences 1-3, 254-256).

    The Azure service's sequence numbers can have gaps (SQL sequences); the emulator's do
    not, so the gap is made by moving the SQLite sequence on while the emulator is down.
    """
    data_dir = tmp_path_factory.mktemp("changefeed")
    session = requests.Session()
    sops = [generate_uid() for _ in range(5)]
    process, root = start_emulator(data_dir, "--auth", "off")
    try:
        empty = get_latest_change(session, f"{root}/v2")
        for sop in sops[:3]:
            _store(session, f"{root}/v2", sop)
    finally:
        process.terminate()
        process.wait(timeout=10)
    with sqlite3.connect(Path(data_dir) / "index.sqlite") as conn:
        conn.execute("UPDATE sqlite_sequence SET seq = seq + ? WHERE name = 'changefeed'", (GAP,))
    process, root = start_emulator(data_dir, "--auth", "off")
    try:
        for sop in sops[3:]:
            _store(session, f"{root}/v2", sop)
        entry = next(e for e in read_changes_by_sequence(session, f"{root}/v2")
                     if e.sop_instance_uid == sops[0])
        deleted = session.delete(f"{root}/v2/studies/{entry.study_instance_uid}")
        assert deleted.status_code == 204
        yield Feed(f"{root}/v2", session, sops, empty)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_entries_from_the_services_and_the_docs_casing() -> None:
    service = {"sequence": 7, "partitionName": "Microsoft.Default", "studyInstanceUid": "1.2",
               "seriesInstanceUid": "1.2.3", "sopInstanceUid": "1.2.3.4", "action": "Create",
               "timestamp": "2024-01-01T10:00:00.1234567+00:00", "state": "Replaced",
               "metadata": {"00080018": {"vr": "UI", "Value": ["1.2.3.4"]}}}
    docs = {"Sequence": 7, "StudyInstanceUid": "1.2", "SeriesInstanceUid": "1.2.3",
            "SopInstanceUid": "1.2.3.4", "Action": "create",
            "Timestamp": "2024-01-01T10:00:00.1234567+00:00", "State": "replaced"}
    a, b = ChangeFeedEntry.from_json(service), ChangeFeedEntry.from_json(docs)
    assert (a.sequence, a.action, a.state) == (7, ChangeFeedAction.CREATE, ChangeFeedState.REPLACED)
    assert (b.sequence, b.action, b.state, b.sop_instance_uid) == (
        7, ChangeFeedAction.CREATE, ChangeFeedState.REPLACED, "1.2.3.4")
    assert a.timestamp.utcoffset() == timedelta(0) and a.metadata is not None
    assert b.metadata is None and b.partition_name is None


def test_with_version() -> None:
    assert with_version("http://h:1/v2", "v1") == "http://h:1/v1"
    assert with_version("http://h:1/v1.0-prerelease/", "v2") == "http://h:1/v2"
    assert with_version("https://x.dicom.azurehealthcareapis.com/v1", "v1") == \
        "https://x.dicom.azurehealthcareapis.com/v1"


def test_latest_of_an_empty_feed_is_none(feed: Feed) -> None:
    assert feed.latest_when_empty is None


def test_sequence_reader_crosses_the_gap(feed: Feed) -> None:
    # [:6]: the consumer test below adds entries to this module's emulator.
    entries = list(read_changes_by_sequence(feed.session, feed.url, page_size=10))[:6]
    assert [e.sequence for e in entries] == [1, 2, 3, 4 + GAP, 5 + GAP, 6 + GAP]
    assert [e.action for e in entries] == [ChangeFeedAction.CREATE] * 5 + [ChangeFeedAction.DELETE]
    assert [e.sop_instance_uid for e in entries[:5]] == feed.sops
    assert entries[0].state is ChangeFeedState.DELETED
    assert entries[1].state is ChangeFeedState.CURRENT
    assert entries[5].sop_instance_uid == feed.sops[0]
    # A start inside the gap, and a page size of 100 (fewer requests across it).
    later = list(read_changes_by_sequence(feed.session, feed.url, start_after=3, page_size=100))
    assert [e.sequence for e in later][:3] == [4 + GAP, 5 + GAP, 6 + GAP]
    latest = get_latest_change(feed.session, feed.url)
    assert latest is not None
    assert list(read_changes_by_sequence(feed.session, feed.url,
                                         start_after=latest.sequence)) == []


def test_metadata_on_request(feed: Feed) -> None:
    entries = list(read_changes_by_sequence(feed.session, feed.url, include_metadata=True))
    assert entries[1].metadata is not None
    assert entries[1].metadata["00080018"]["Value"] == [feed.sops[1]]
    assert entries[0].metadata is None  # deleted instances have none
    latest = get_latest_change(feed.session, feed.url, include_metadata=True)
    assert latest is not None and latest.sequence >= 6 + GAP


def test_time_reader_pages_a_window(feed: Feed) -> None:
    entries = list(read_changes_by_time(feed.session, feed.url, page_size=2))[:6]
    assert [e.sequence for e in entries] == [1, 2, 3, 4 + GAP, 5 + GAP, 6 + GAP]
    window = list(read_changes_by_time(feed.session, feed.url, start_time=entries[1].timestamp,
                                       end_time=entries[4].timestamp, page_size=2))
    assert [e.sequence for e in window] == [2, 3, 4 + GAP]
    future = datetime.now().astimezone() + timedelta(days=1)
    assert list(read_changes_by_time(feed.session, feed.url, start_time=future)) == []
    with pytest.raises(ValueError, match="start_time needs a time zone"):
        list(read_changes_by_time(feed.session, feed.url, start_time=datetime(2024, 1, 1)))


def test_bad_page_size_names_the_argument(feed: Feed) -> None:
    with pytest.raises(ValueError, match="page_size"):
        list(read_changes_by_sequence(feed.session, feed.url, page_size=101))


def test_consumer_resumes_from_its_checkpoint(feed: Feed, tmp_path: Path) -> None:
    checkpoint = tmp_path / "state" / "feed.json"
    first = ChangeFeedConsumer(feed.session, feed.url, checkpoint, page_size=5)
    handled = first.poll()
    assert [e.sequence for e in handled][:6] == [1, 2, 3, 4 + GAP, 5 + GAP, 6 + GAP]
    assert first.poll() == []
    new_sop = generate_uid()
    _store(feed.session, feed.url, new_sop)
    second = ChangeFeedConsumer(feed.session, feed.url, checkpoint)
    assert second.position == handled[-1].sequence
    assert [e.sop_instance_uid for e in second.poll()] == [new_sop]


def test_consumer_does_not_skip_an_entry_whose_handler_failed(feed: Feed) -> None:
    consumer = ChangeFeedConsumer(feed.session, feed.url)
    seen: list[int] = []

    def handler(entry: ChangeFeedEntry) -> None:
        if entry.sequence == 4 + GAP and 4 + GAP not in seen:
            seen.append(entry.sequence)
            raise RuntimeError("downstream is down")
        seen.append(entry.sequence)

    with pytest.raises(RuntimeError):
        consumer.poll(handler)
    assert consumer.position == 3
    again = consumer.poll(handler)
    assert again[0].sequence == 4 + GAP
    consumer.reset()
    assert consumer.position == 0
