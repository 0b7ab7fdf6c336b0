"""The change feed's rows: recorded with each change, read by sequence or by time, and
the state of each entry's instance computed when it is read."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from dicom_emulator.storage import changefeed
from dicom_emulator.storage.changefeed import (
    ChangeFeedAction,
    ChangeFeedReader,
    ChangeFeedState,
    stored_timestamp,
    utc_timestamp,
)
from dicom_emulator.storage.index import Index
from tests.storage.records import new_instance

STUDY, SERIES = "1.2.826.0.2.1", "1.2.826.0.2.1.1"
SOP = f"{SERIES}.1"
T0 = datetime(2026, 3, 4, 10, 0, 0, tzinfo=UTC)


def _record(index: Index, *entries: tuple[datetime, str]) -> None:
    """Create entries, in this sequence, at the given moments, for made-up instances."""
    with index.database.transaction() as conn:
        for moment, sop in entries:
            changefeed.record(conn, ChangeFeedAction.CREATE, stored_timestamp(moment),
                              [(STUDY, SERIES, sop, 0)])


def test_the_stored_timestamp_is_fixed_width_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert stored_timestamp(datetime(2026, 1, 2, 3, 4, 5, tzinfo=plus_two)) == (
        "2026-01-02T01:04:05.000000+00:00")
    assert stored_timestamp(datetime(2026, 1, 2, 3, 4, 5, 7, tzinfo=UTC)) == (
        "2026-01-02T03:04:05.000007+00:00")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", utc_timestamp())


def test_by_sequence_reads_the_window_after_the_offset(index: Index) -> None:
    _record(index, *[(T0 + timedelta(seconds=n), f"{SERIES}.{n}") for n in range(1, 6)])
    reader = ChangeFeedReader(index.reader)
    assert [r.sequence for r in reader.by_sequence(0, 2, include_metadata=False)] == [1, 2]
    assert [r.sequence for r in reader.by_sequence(2, 10, include_metadata=False)] == [3, 4, 5]
    assert reader.by_sequence(5, 10, include_metadata=False) == []
    (first,) = reader.by_sequence(0, 1, include_metadata=False)
    assert (first.timestamp, first.action, first.sop_uid) == (
        "2026-03-04T10:00:01.000000+00:00", ChangeFeedAction.CREATE, f"{SERIES}.1")


def test_by_time_orders_by_timestamp_then_sequence(index: Index) -> None:
    # Recorded out of time order (as two writers' clocks can make them).
    _record(index, (T0 + timedelta(seconds=2), "a"), (T0 + timedelta(seconds=1), "b"),
            (T0 + timedelta(seconds=1), "c"), (T0 + timedelta(seconds=3), "d"))
    reader = ChangeFeedReader(index.reader)

    def sops(start: datetime | None, end: datetime | None, offset: int = 0,
             limit: int = 10) -> list[str]:
        return [r.sop_uid for r in reader.by_time(start, end, offset, limit, False)]

    assert sops(None, None) == ["b", "c", "a", "d"]
    # The start is inclusive, the end exclusive; bounds in any time zone.
    assert sops(T0 + timedelta(seconds=1), T0 + timedelta(seconds=3)) == ["b", "c", "a"]
    local = timezone(timedelta(hours=-5))
    assert sops((T0 + timedelta(seconds=2)).astimezone(local), None) == ["a", "d"]
    assert sops(None, None, offset=1, limit=2) == ["c", "a"]
    latest_by_time = reader.latest(by_time=True, include_metadata=False)
    latest_by_sequence = reader.latest(by_time=False, include_metadata=False)
    assert latest_by_time is not None and latest_by_sequence is not None
    assert (latest_by_time.sop_uid, latest_by_sequence.sop_uid) == ("d", "d")
    _record(index, (T0, "e"))  # the newest entry, with the oldest time
    latest_by_time = reader.latest(by_time=True, include_metadata=False)
    latest_by_sequence = reader.latest(by_time=False, include_metadata=False)
    assert latest_by_time is not None and latest_by_sequence is not None
    assert (latest_by_time.sop_uid, latest_by_sequence.sop_uid) == ("d", "e")


def test_an_empty_feed_has_no_latest_entry(index: Index) -> None:
    assert ChangeFeedReader(index.reader).latest(by_time=False, include_metadata=True) is None


def test_each_entry_knows_what_became_of_its_instance(index: Index) -> None:
    reader = ChangeFeedReader(index.reader)

    def states() -> list[tuple[ChangeFeedAction, ChangeFeedState, str | None]]:
        return [(r.action, r.state, r.metadata)
                for r in reader.by_sequence(0, 10, include_metadata=True)]

    index.add_instances([new_instance(STUDY, SERIES, SOP)])
    ((action, state, metadata),) = states()
    assert (action, state) == (ChangeFeedAction.CREATE, ChangeFeedState.CURRENT)
    assert metadata is not None and SOP in metadata

    index.delete(STUDY)
    index.add_instances([new_instance(STUDY, SERIES, SOP)])  # stored again: a new watermark
    entries = reader.by_sequence(0, 10, include_metadata=True)
    assert [(r.action, r.state) for r in entries] == [
        (ChangeFeedAction.CREATE, ChangeFeedState.REPLACED),
        (ChangeFeedAction.DELETE, ChangeFeedState.REPLACED),
        (ChangeFeedAction.CREATE, ChangeFeedState.CURRENT),
    ]
    assert entries[0].watermark == entries[1].watermark != entries[2].watermark
    assert {r.current_watermark for r in entries} == {entries[2].watermark}

    index.delete(STUDY, SERIES, SOP)
    assert states()[-2:] == [
        (ChangeFeedAction.CREATE, ChangeFeedState.DELETED, None),
        (ChangeFeedAction.DELETE, ChangeFeedState.DELETED, None),
    ]
    assert {state for _, state, _ in states()} == {ChangeFeedState.DELETED}
