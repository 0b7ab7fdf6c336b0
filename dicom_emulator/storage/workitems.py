"""Workitems (UPS-RS) in the SQLite index: their rows, their searchable values, their search.

A workitem's dataset, state and Transaction UID change together, in one transaction with
its searchable values (``workitem`` and ``workitem_query_value`` in :mod:`.schema`).
Writes are optimistic, as the service's: a caller reads a workitem, decides, then writes
only if the watermark it read is still the current one (:meth:`WorkitemStore.replace`),
so of two claims made at once exactly one wins. Every function takes the partition's key.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from dicom_emulator.dicom.matching import Condition, Exact, Fuzzy, Range
from dicom_emulator.storage.database import Database
from dicom_emulator.storage.search import range_sql

__all__ = ["QueryValue", "StoredWorkitem", "WorkitemExistsError", "WorkitemFilter",
           "WorkitemStore"]

QueryValue = tuple[str, str]  # (tag path, value in its searchable form)


class WorkitemExistsError(Exception):
    """A workitem with that UID is already in the partition."""


@dataclass(frozen=True)
class StoredWorkitem:
    key: int
    partition_key: int
    uid: str
    state: str
    transaction_uid: str | None
    watermark: int
    dataset: dict[str, Any]  # DICOM JSON, Transaction UID included


@dataclass(frozen=True)
class WorkitemFilter:
    """One search filter: ``condition`` on the values kept under ``tag_path``."""

    tag_path: str
    condition: Condition


_COLUMNS = ("workitem_key, partition_key, workitem_uid, procedure_step_state, transaction_uid, "
            "watermark, dataset")


def _stored(row: sqlite3.Row) -> StoredWorkitem:
    return StoredWorkitem(row["workitem_key"], row["partition_key"], row["workitem_uid"],
                          row["procedure_step_state"], row["transaction_uid"],
                          row["watermark"], json.loads(row["dataset"]))


def _write_values(conn: sqlite3.Connection, key: int, partition_key: int,
                  values: Iterable[QueryValue]) -> None:
    conn.execute("DELETE FROM workitem_query_value WHERE workitem_key = ?", (key,))
    conn.executemany(
        "INSERT INTO workitem_query_value (workitem_key, partition_key, tag_path, text_value) "
        "VALUES (?, ?, ?, ?)", [(key, partition_key, path, value) for path, value in values])


def _filter_sql(item: WorkitemFilter) -> tuple[str, list[Any]]:
    condition = item.condition
    if isinstance(condition, Fuzzy):
        # Phrase-prefix match on the folded name (registered by storage.database).
        match, params = "person_name_phrase(v.text_value, ?)", [" ".join(condition.words)]
    elif isinstance(condition, Range):
        match, params = range_sql("v.text_value", condition)
    else:
        assert isinstance(condition, Exact)
        match, params = "v.text_value = ?", [str(condition.value)]
    return (f"EXISTS (SELECT 1 FROM workitem_query_value v WHERE v.workitem_key = w.workitem_key"
            f" AND v.tag_path = ? AND {match})", [item.tag_path, *params])


class WorkitemStore:
    """Reads and writes workitems; writes go through the database's one writer."""

    def __init__(self, database: Database):
        self.database = database

    def add(self, partition_key: int, uid: str, state: str, dataset: dict[str, Any],
            values: Iterable[QueryValue]) -> int:
        """Store a new workitem; its key.

        Raises
        ------
        WorkitemExistsError
            When the partition has a workitem with this UID (nothing is written).
        """
        with self.database.transaction() as conn:
            try:
                cursor = conn.execute(
                    "INSERT INTO workitem (partition_key, workitem_uid, procedure_step_state,"
                    " watermark, dataset) VALUES (?, ?, ?, 1, ?)",
                    (partition_key, uid, state, json.dumps(dataset)))
            except sqlite3.IntegrityError:
                raise WorkitemExistsError(uid) from None
            key = cursor.lastrowid
            assert key is not None
            _write_values(conn, key, partition_key, values)
        return key

    def get(self, partition_key: int, uid: str) -> StoredWorkitem | None:
        row = self.database.reader().execute(
            f"SELECT {_COLUMNS} FROM workitem WHERE partition_key = ? AND workitem_uid = ?",
            (partition_key, uid)).fetchone()
        return _stored(row) if row is not None else None

    def replace(self, current: StoredWorkitem, state: str, transaction_uid: str | None,
                dataset: dict[str, Any], values: Iterable[QueryValue]) -> bool:
        """Write a workitem's new dataset, state and Transaction UID if nobody wrote it
        since ``current`` was read; False (and nothing written) if somebody did."""
        with self.database.transaction() as conn:
            cursor = conn.execute(
                "UPDATE workitem SET procedure_step_state = ?, transaction_uid = ?, "
                "watermark = watermark + 1, dataset = ? WHERE workitem_key = ? AND watermark = ?",
                (state, transaction_uid, json.dumps(dataset), current.key, current.watermark))
            if cursor.rowcount != 1:
                return False
            _write_values(conn, current.key, current.partition_key, values)
        return True

    def search(self, partition_key: int, filters: Sequence[WorkitemFilter], limit: int,
               offset: int) -> list[dict[str, Any]]:
        """One page of matching workitems' datasets, newest first (the service orders by
        key, descending)."""
        clauses, params = ["w.partition_key = ?"], [partition_key]
        for item in filters:
            sql, values = _filter_sql(item)
            clauses.append(sql)
            params.extend(values)
        rows = self.database.reader().execute(
            f"SELECT w.dataset FROM workitem w WHERE {' AND '.join(clauses)} "
            f"ORDER BY w.workitem_key DESC LIMIT ? OFFSET ?", [*params, limit, offset])
        return [json.loads(row["dataset"]) for row in rows]
