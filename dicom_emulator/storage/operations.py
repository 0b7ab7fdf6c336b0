"""Long-running operations (``/operations/{id}``): their rows in the SQLite index.

An operation row is its own checkpoint: a reindex records the highest instance key it
must cover (``end_key``), the key up to which it is done (``cursor``) and its progress,
so that an emulator restarted in the middle resumes where it stopped (the ``operation``
table is in :mod:`.schema`). Functions take a connection so that callers can change an
operation in the same transaction as the data it covers.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

__all__ = ["ACTIVE", "Operation", "OperationStatus", "advance", "create", "first_active", "get",
           "new_operation_id", "normalize_operation_id", "set_status", "utc_now"]


class OperationStatus(StrEnum):
    NOT_STARTED = "notStarted"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


ACTIVE = (OperationStatus.NOT_STARTED, OperationStatus.RUNNING)


@dataclass(frozen=True)
class Operation:
    operation_id: str
    type: str
    status: OperationStatus
    created: str
    last_updated: str
    percent_complete: int
    resources: list[str]
    end_key: int
    cursor: int
    total: int
    done: int

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


def utc_now() -> str:
    """A DateTime as the service writes UTC times of operations and errors (``…Z``)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_operation_id() -> str:
    return uuid.uuid4().hex


def normalize_operation_id(text: str) -> str | None:
    """A GUID in any of .NET's usual forms (hyphens, braces) as 32 hex digits; else None."""
    try:
        return uuid.UUID(text.strip()).hex
    except ValueError:
        return None


_COLUMNS = ("operation_id, type, status, created, last_updated, percent_complete, resources,"
            " end_key, cursor, total, done")


def _operation(row: Iterable[Any]) -> Operation:
    values = list(row)
    values[2] = OperationStatus(values[2])
    values[6] = json.loads(values[6])
    return Operation(*values)


def create(conn: sqlite3.Connection, kind: str, resources: list[str],
           operation_id: str | None = None) -> Operation:
    """A new operation over every instance stored now (call inside the write transaction).

    ``operation_id``: one chosen before (an export names its error log after it)."""
    end_key, total = conn.execute(
        "SELECT COALESCE(MAX(instance_key), 0), COUNT(*) FROM instance"
    ).fetchone()
    now = utc_now()
    row = (operation_id or new_operation_id(), kind, OperationStatus.NOT_STARTED.value, now, now, 0,
           json.dumps(resources), end_key, 0, total, 0)
    conn.execute(f"INSERT INTO operation ({_COLUMNS}) VALUES ({', '.join('?' * 11)})", row)
    return _operation(row)


def get(conn: sqlite3.Connection, operation_id: str) -> Operation | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM operation WHERE operation_id = ?", (operation_id,)
    ).fetchone()
    return _operation(row) if row else None


def first_active(conn: sqlite3.Connection, kind: str) -> Operation | None:
    """The oldest operation of ``kind`` that has not finished, if any."""
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM operation WHERE type = ? AND status IN (?, ?)"
        " ORDER BY created LIMIT 1", (kind, *ACTIVE),
    ).fetchone()
    return _operation(row) if row else None


def set_status(conn: sqlite3.Connection, operation_id: str, status: OperationStatus) -> None:
    percent = ", percent_complete = 100" if status is OperationStatus.SUCCEEDED else ""
    conn.execute(
        f"UPDATE operation SET status = ?, last_updated = ?{percent} WHERE operation_id = ?",
        (status.value, utc_now(), operation_id),
    )


def advance(conn: sqlite3.Connection, operation_id: str, cursor: int, processed: int) -> None:
    """Record that instances up to ``cursor`` are done (``processed`` more of them).

    ``percentComplete`` stays below 100 until the operation has finished.
    """
    conn.execute(
        "UPDATE operation SET cursor = ?, done = done + ?,"
        " percent_complete = MIN(99, (done + ?) * 100 / MAX(total, 1)), last_updated = ?"
        " WHERE operation_id = ?",
        (cursor, processed, processed, utc_now(), operation_id),
    )
