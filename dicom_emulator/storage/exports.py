"""Export operations: their rows in the SQLite index.

An export is an ``operation`` row (type ``export``, its status) and an
``export_operation`` row that is its checkpoint, as the service's ``ExportCheckpoint``:
the identifiers still to do (here: the index of the next one), the destination, the
error log's URL and the counts so far. A batch's counts and the move of the cursor are
committed together, so an emulator restarted mid-batch redoes that batch (its blobs are
overwritten with the same bytes) and counts it once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from dicom_emulator.storage import operations
from dicom_emulator.storage.database import Database
from dicom_emulator.storage.operations import Operation, OperationStatus

__all__ = ["EXPORT", "ExportCheckpoint", "ExportStore"]

EXPORT = "export"  # the operation's type (DicomOperation.Export)


@dataclass(frozen=True)
class ExportCheckpoint:
    operation_id: str
    partition_key: int
    identifiers: list[str]
    container_url: str
    error_href: str
    next_identifier: int
    exported: int
    skipped: int

    @property
    def remaining(self) -> list[str]:
        return self.identifiers[self.next_identifier:]


_COLUMNS = ("operation_id, partition_key, identifiers, container_url, error_href,"
            " next_identifier, exported, skipped")


def _checkpoint(row: tuple[object, ...]) -> ExportCheckpoint:
    values = list(row)
    values[2] = json.loads(str(values[2]))
    return ExportCheckpoint(*values)  # type: ignore[arg-type]


class ExportStore:
    """Export operations and their checkpoints in the index's database."""

    def __init__(self, database: Database):
        self.database = database

    def create(self, partition_key: int, identifiers: list[str], container_url: str,
               error_href: str, operation_id: str) -> Operation:
        """A new export operation (not started) with its checkpoint, in one transaction."""
        with self.database.transaction() as conn:
            operation = operations.create(conn, EXPORT, [], operation_id=operation_id)
            conn.execute(
                f"INSERT INTO export_operation ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, 0, 0, 0)",
                (operation.operation_id, partition_key, json.dumps(identifiers),
                 container_url, error_href))
        return operation

    def checkpoint(self, operation_id: str) -> ExportCheckpoint | None:
        row = self.database.reader().execute(
            f"SELECT {_COLUMNS} FROM export_operation WHERE operation_id = ?", (operation_id,)
        ).fetchone()
        return _checkpoint(tuple(row)) if row else None

    def operation(self, operation_id: str) -> Operation | None:
        return operations.get(self.database.reader(), operation_id)

    def active_operation(self) -> Operation | None:
        """The oldest export not finished (a restart resumes it)."""
        return operations.first_active(self.database.reader(), EXPORT)

    def start(self, operation_id: str) -> None:
        with self.database.transaction() as conn:
            operations.set_status(conn, operation_id, OperationStatus.RUNNING)

    def advance(self, operation_id: str, done: int, exported: int, skipped: int) -> None:
        """``done`` more identifiers finished, with their counts: one commit."""
        with self.database.transaction() as conn:
            conn.execute(
                "UPDATE export_operation SET next_identifier = next_identifier + ?,"
                " exported = exported + ?, skipped = skipped + ? WHERE operation_id = ?",
                (done, exported, skipped, operation_id))
            operations.advance(conn, operation_id, 0, done)

    def finish(self, operation_id: str, status: OperationStatus) -> None:
        with self.database.transaction() as conn:
            operations.set_status(conn, operation_id, status)
