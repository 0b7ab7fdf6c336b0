"""The change feed's rows: written with each store and delete, read in sequence or time order.

:class:`~dicom_emulator.storage.index.Index` calls :func:`record` in the same transaction
as each store and delete, so an index change and its entry never exist without each other.
An entry's state is computed when it is read, as
``SqlChangeFeedStoreV4.ConvertWatermarkToCurrentState`` does: Deleted when no instance
with its UIDs exists now, Replaced when the instance that exists has another watermark
(instance key) than the entry recorded, Current otherwise.

Timestamps are stored as fixed-width ISO 8601 UTC text (:func:`stored_timestamp`), so that
text order is time order; this module writes them and converts query bounds to them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum

from dicom_emulator.storage.schema import DEFAULT_PARTITION_KEY


class ChangeFeedAction(IntEnum):
    """``ChangeFeedAction``: the numbers stored in the change feed's ``action`` column."""

    CREATE = 0
    DELETE = 1
    UPDATE = 2


class ChangeFeedState(IntEnum):
    CURRENT = 0
    REPLACED = 1
    DELETED = 2


@dataclass(frozen=True)
class ChangeFeedRow:
    """One change-feed entry as read, with what is known about its instance now.

    ``metadata`` is the current instance's stored DICOM JSON (text), only when asked for
    and the instance still exists.
    """

    sequence: int
    partition_name: str
    timestamp: str
    action: ChangeFeedAction
    study_uid: str
    series_uid: str
    sop_uid: str
    watermark: int
    current_watermark: int | None
    metadata: str | None

    @property
    def state(self) -> ChangeFeedState:
        if self.current_watermark is None:
            return ChangeFeedState.DELETED
        if self.current_watermark != self.watermark:
            return ChangeFeedState.REPLACED
        return ChangeFeedState.CURRENT


# The instance that holds the entry's UIDs in its partition now, if any (at most one:
# UIDs are unique per partition).
_CURRENT = (
    "(SELECT u.{column} FROM instance_uids u WHERE u.partition_key = c.partition_key"
    " AND u.study_uid = c.study_uid AND u.series_uid = c.series_uid AND u.sop_uid = c.sop_uid)"
)


def _select(include_metadata: bool) -> str:
    metadata = _CURRENT.format(column="metadata") if include_metadata else "NULL"
    return (
        "SELECT c.sequence, p.partition_name, c.timestamp, c.action, c.study_uid,"
        " c.series_uid, c.sop_uid,"
        f" c.watermark, {_CURRENT.format(column='instance_key')} AS current,"
        f" {metadata} AS metadata FROM changefeed c"
        " JOIN partition p ON p.partition_key = c.partition_key"
    )


def stored_timestamp(moment: datetime) -> str:
    """``moment`` as the change feed stores and shows it: ISO 8601 UTC with microseconds
    and ``+00:00``, fixed width."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def utc_timestamp() -> str:
    """Now, as :func:`stored_timestamp`."""
    return stored_timestamp(datetime.now(UTC))


ChangedInstance = tuple[str, str, str, int]  # study, series and SOP instance UID, watermark


def record(conn: sqlite3.Connection, action: ChangeFeedAction, timestamp: str,
           instances: Iterable[ChangedInstance], *,
           partition_key: int = DEFAULT_PARTITION_KEY) -> None:
    """Add one entry per instance of the partition ``partition_key`` (call inside the
    transaction that makes the change)."""
    conn.executemany(
        "INSERT INTO changefeed (timestamp, action, partition_key, study_uid, series_uid,"
        " sop_uid, watermark) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(timestamp, int(action), partition_key, *instance) for instance in instances],
    )


class ChangeFeedReader:
    """Queries over the change feed, each on a connection from ``connect``.

    Parameters
    ----------
    connect : callable
        Returns the calling thread's read connection (``Index.reader``).
    """

    def __init__(self, connect: Callable[[], sqlite3.Connection]):
        self._connect = connect

    def _rows(self, sql: str, params: tuple[object, ...]) -> list[ChangeFeedRow]:
        conn = self._connect()
        return [
            ChangeFeedRow(seq, partition, ts, ChangeFeedAction(action), study, series, sop,
                          mark, current, metadata)
            for seq, partition, ts, action, study, series, sop, mark, current, metadata
            in conn.execute(sql, params)
        ]

    def by_sequence(self, offset: int, limit: int, include_metadata: bool) -> list[ChangeFeedRow]:
        """Entries with ``offset < sequence <= offset + limit`` (v1, ``GetChangeFeedV39``).

        Sequence numbers can have gaps, so a page may be empty although later entries exist.
        """
        return self._rows(
            _select(include_metadata)
            + " WHERE c.sequence > ? AND c.sequence <= ? ORDER BY c.sequence",
            # A sequence is an int64: past its end nothing can match (SQLite's integers
            # are int64 too, and an offset near the maximum would overflow the bound).
            (offset, min(offset + limit, 2**63 - 1)),
        )

    def by_time(self, start: datetime | None, end: datetime | None, offset: int, limit: int,
                include_metadata: bool) -> list[ChangeFeedRow]:
        """Entries with ``start <= timestamp < end`` ordered by (timestamp, sequence), from
        row ``offset`` (v2, ``GetChangeFeedByTimeV39``); None is an open end."""
        clauses, params = [], []
        if start is not None:
            clauses.append("c.timestamp >= ?")
            params.append(stored_timestamp(start))
        if end is not None:
            clauses.append("c.timestamp < ?")
            params.append(stored_timestamp(end))
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        return self._rows(
            _select(include_metadata) + where
            + " ORDER BY c.timestamp, c.sequence LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )

    def latest(self, by_time: bool, include_metadata: bool) -> ChangeFeedRow | None:
        """The last entry by sequence (v1) or by time (v2); None on an empty feed."""
        order = "c.timestamp DESC, c.sequence DESC" if by_time else "c.sequence DESC"
        rows = self._rows(_select(include_metadata) + f" ORDER BY {order} LIMIT 1", ())
        return rows[0] if rows else None
