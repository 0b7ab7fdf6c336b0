"""Extended query tags in the SQLite index: definitions, per-instance values, errors.

Values are kept per instance (one row per tag and instance, whatever the tag's level),
keyed ``(tag_key, instance_key)``: a store and a reindex that meet on the same instance
insert the same key, and ``INSERT OR IGNORE`` makes the second one a no-op, so each
instance is indexed exactly once. Rows carry the series and study keys so that queries
can match at every level. The index takes part through :class:`ExtendedQueryTagIndex`
(an ``IndexExtension``): a stored instance is indexed in its store transaction, and its
value and error rows go with it when it is deleted. The tables are in :mod:`.schema`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from dicom_emulator.dicom.dicom_json import DicomJson
from dicom_emulator.dicom.indexing import IndexedValue, InvalidValue, find_element, index_value
from dicom_emulator.storage import operations
from dicom_emulator.storage.database import Database
from dicom_emulator.storage.index import InstanceKeys
from dicom_emulator.storage.operations import Operation, OperationStatus

__all__ = ["ActiveOperationError", "ERROR_TABLE", "ErrorRow", "ExtendedQueryTagIndex",
           "ExtendedQueryTagStore", "NewTag", "QueryStatus", "StoredTag", "TagError",
           "TagLevel", "TagStatus", "TagsExistError", "TooManyTagsError", "VALUE_TABLE",
           "ValueRow", "value_row"]

VALUE_TABLE = "extended_query_tag_value"
ERROR_TABLE = "extended_query_tag_error"
REINDEX = "reindex"

# A row of VALUE_TABLE: tag, instance, series and study keys, text, int and real value,
# display.
ValueRow = tuple[int, int, int, int, str | None, int | None, float | None, str]
# A row of ERROR_TABLE as a reindex finds it: tag key, instance key, ValidationErrorCode.
ErrorRow = tuple[int, int, int]


class TagLevel(IntEnum):
    INSTANCE = 0
    SERIES = 1
    STUDY = 2


class TagStatus(IntEnum):
    ADDING = 0
    READY = 1
    DELETING = 2


class QueryStatus(IntEnum):
    DISABLED = 0
    ENABLED = 1


@dataclass(frozen=True)
class NewTag:
    """A validated, normalized tag to add."""

    path: str
    vr: str
    private_creator: str | None
    level: TagLevel


@dataclass(frozen=True)
class StoredTag:
    key: int
    path: str
    vr: str
    private_creator: str | None
    level: TagLevel
    status: TagStatus
    query_status: QueryStatus
    operation_id: str | None
    error_count: int


@dataclass(frozen=True)
class TagError:
    partition_name: str
    study_uid: str
    series_uid: str
    sop_uid: str
    created: str
    error_code: int


class TagsExistError(Exception):
    """One or more of the tags to add already exist."""


class TooManyTagsError(Exception):
    """Adding the tags would exceed the maximum count."""


class ActiveOperationError(Exception):
    """A reindex operation is already active."""

    def __init__(self, operation_id: str):
        super().__init__(operation_id)
        self.operation_id = operation_id


_TAG_SELECT = (
    "SELECT t.tag_key, t.path, t.vr, t.private_creator, t.level, t.status, t.query_status,"
    " t.operation_id, (SELECT COUNT(*) FROM extended_query_tag_error e"
    " WHERE e.tag_key = t.tag_key) FROM extended_query_tag t"
)
_INSERT_VALUE = (
    "INSERT OR IGNORE INTO extended_query_tag_value (tag_key, instance_key, series_key,"
    " study_key, text_value, int_value, real_value, display) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def _tag(row: Iterable[Any]) -> StoredTag:
    key, path, vr, creator, level, status, query_status, operation_id, errors = row
    return StoredTag(key, path, vr, creator, TagLevel(level), TagStatus(status),
                     QueryStatus(query_status), operation_id, errors)


def value_row(tag_key: int, keys: tuple[int, int, int], value: IndexedValue) -> ValueRow:
    """The value row of one tag for the instance ``keys`` (instance, series, study key)."""
    instance_key, series_key, study_key = keys
    return (tag_key, instance_key, series_key, study_key, value.text, value.integer, value.real,
            value.display)


class ExtendedQueryTagIndex:
    """Extended query tags' part in every store and delete (an ``IndexExtension``)."""

    instance_tables: tuple[str, ...] = (VALUE_TABLE, ERROR_TABLE)

    def add_instance(self, conn: sqlite3.Connection, keys: InstanceKeys,
                     metadata: DicomJson) -> None:
        """Index a new instance on the tags that are Adding or Ready when its store
        transaction runs.

        The tags are read inside that transaction, so a tag added while the request was
        being parsed is not missed; the reindex skips instances stored after it began.
        Invalid values are not indexed (v1 has already failed the instance on Ready tags;
        v2 has dropped them from the metadata).
        """
        tags = conn.execute(
            "SELECT tag_key, path, vr, private_creator FROM extended_query_tag"
            " WHERE status IN (?, ?)", (int(TagStatus.ADDING), int(TagStatus.READY)),
        ).fetchall()
        rows = []
        for tag_key, path, vr, creator in tags:
            try:
                value = index_value(vr, find_element(metadata, path, creator))
            except InvalidValue:
                continue
            if value is not None:
                rows.append(value_row(tag_key, keys, value))
        if rows:
            conn.executemany(_INSERT_VALUE, rows)


class ExtendedQueryTagStore:
    """Reads and writes extended query tags; writes go through the database's one writer."""

    def __init__(self, database: Database):
        self.database = database

    # -- tags ----------------------------------------------------------------------------

    def add(self, tags: list[NewTag], max_count: int) -> Operation:
        """Add tags in status Adding and the reindex operation that will make them Ready.

        Raises
        ------
        ActiveOperationError, TooManyTagsError, TagsExistError
        """
        paths = [t.path for t in tags]
        with self.database.transaction() as conn:
            active = operations.first_active(conn, REINDEX)
            if active is not None:
                raise ActiveOperationError(active.operation_id)
            marks = ", ".join("?" * len(paths))
            existing = conn.execute(
                f"SELECT COUNT(*) FROM extended_query_tag WHERE path IN ({marks})", paths
            ).fetchone()[0]
            total = conn.execute("SELECT COUNT(*) FROM extended_query_tag").fetchone()[0]
            if total + len(paths) - existing > max_count:
                raise TooManyTagsError()
            if existing:
                raise TagsExistError()
            operation = operations.create(conn, REINDEX, paths)
            conn.executemany(
                "INSERT INTO extended_query_tag (path, vr, private_creator, level, status,"
                " query_status, operation_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(t.path, t.vr, t.private_creator, int(t.level), int(TagStatus.ADDING),
                  int(QueryStatus.ENABLED), operation.operation_id) for t in tags],
            )
        return operation

    def page(self, limit: int, offset: int) -> list[StoredTag]:
        """Tags in the order they were added, from ``offset``."""
        rows = self.database.reader().execute(
            _TAG_SELECT + " ORDER BY t.tag_key LIMIT ? OFFSET ?", (limit, offset)
        )
        return [_tag(row) for row in rows]

    def all(self) -> list[StoredTag]:
        return [_tag(row) for row in self.database.reader().execute(_TAG_SELECT)]

    def get(self, path: str) -> StoredTag | None:
        row = self.database.reader().execute(
            _TAG_SELECT + " WHERE t.path = ?", (path,)
        ).fetchone()
        return _tag(row) if row else None

    def set_query_status(self, path: str, status: QueryStatus) -> StoredTag | None:
        with self.database.transaction() as conn:
            conn.execute(
                "UPDATE extended_query_tag SET query_status = ? WHERE path = ?", (int(status), path)
            )
        return self.get(path)

    def delete(self, path: str) -> bool:
        """Remove a tag with its values and errors; False if there is no such tag."""
        with self.database.transaction() as conn:
            row = conn.execute(
                "SELECT tag_key FROM extended_query_tag WHERE path = ?", (path,)
            ).fetchone()
            if row is None:
                return False
            for table in (VALUE_TABLE, ERROR_TABLE, "extended_query_tag"):
                conn.execute(f"DELETE FROM {table} WHERE tag_key = ?", (row[0],))
        return True

    def errors(self, tag_key: int, limit: int, offset: int) -> list[TagError]:
        rows = self.database.reader().execute(
            "SELECT p.partition_name, u.study_uid, u.series_uid, u.sop_uid, e.created,"
            " e.error_code"
            " FROM extended_query_tag_error e JOIN instance_uids u USING (instance_key)"
            " JOIN partition p ON p.partition_key = u.partition_key"
            " WHERE e.tag_key = ? ORDER BY e.created, e.instance_key LIMIT ? OFFSET ?",
            (tag_key, limit, offset),
        )
        return [TagError(*row) for row in rows]

    # -- reindex -------------------------------------------------------------------------

    def active_operation(self) -> Operation | None:
        return operations.first_active(self.database.reader(), REINDEX)

    def operation(self, operation_id: str) -> Operation | None:
        return operations.get(self.database.reader(), operation_id)

    def operation_tags(self, operation_id: str) -> list[StoredTag]:
        """The tags a reindex operation still has to make Ready."""
        rows = self.database.reader().execute(
            _TAG_SELECT + " WHERE t.operation_id = ? AND t.status = ? ORDER BY t.tag_key",
            (operation_id, int(TagStatus.ADDING)),
        )
        return [_tag(row) for row in rows]

    def start(self, operation_id: str) -> None:
        with self.database.transaction() as conn:
            operations.set_status(conn, operation_id, OperationStatus.RUNNING)

    def instances_to_reindex(self, operation: Operation, after: int,
                             limit: int) -> list[tuple[int, int, int, str]]:
        """``(instance_key, series_key, study_key, metadata)`` of the next instances the
        operation covers (keys above ``after``, up to its ``end_key``)."""
        rows = self.database.reader().execute(
            "SELECT instance_key, series_key, study_key, metadata FROM instance"
            " WHERE instance_key > ? AND instance_key <= ? ORDER BY instance_key LIMIT ?",
            (after, operation.end_key, limit),
        )
        return [(key, series_key, study_key, metadata)
                for key, series_key, study_key, metadata in rows]

    def write_reindexed(self, operation_id: str, values: Sequence[ValueRow],
                        errors: Sequence[ErrorRow], cursor: int, processed: int) -> None:
        """Commit one reindexed batch: values, errors ``(tag_key, instance_key, code)`` and
        the operation's progress, together.

        Rows of instances deleted since they were read, or of tags no longer being added
        by this operation, are skipped.
        """
        with self.database.transaction() as conn:
            live_tags = {row[0] for row in conn.execute(
                "SELECT tag_key FROM extended_query_tag WHERE operation_id = ? AND status = ?",
                (operation_id, int(TagStatus.ADDING)),
            )}
            keys = sorted({v[1] for v in values} | {e[1] for e in errors})
            live = _existing_instances(conn, keys)
            conn.executemany(
                _INSERT_VALUE, [v for v in values if v[0] in live_tags and v[1] in live]
            )
            kept = [e for e in errors if e[0] in live_tags and e[1] in live]
            now = operations.utc_now()
            conn.executemany(
                "INSERT OR IGNORE INTO extended_query_tag_error"
                " (tag_key, instance_key, error_code, created) VALUES (?, ?, ?, ?)",
                [(*e, now) for e in kept],
            )
            # AddExtendedQueryTagError: a tag with errors is no longer queried by default.
            conn.executemany(
                "UPDATE extended_query_tag SET query_status = ? WHERE tag_key = ?",
                [(int(QueryStatus.DISABLED), k) for k in {e[0] for e in kept}],
            )
            operations.advance(conn, operation_id, cursor, processed)

    def complete(self, operation_id: str) -> None:
        """``CompleteReindexing``: the operation's tags become Ready and let go of it."""
        with self.database.transaction() as conn:
            conn.execute(
                "UPDATE extended_query_tag SET status = ?, operation_id = NULL"
                " WHERE operation_id = ? AND status = ?",
                (int(TagStatus.READY), operation_id, int(TagStatus.ADDING)),
            )
            operations.set_status(conn, operation_id, OperationStatus.SUCCEEDED)

    def fail(self, operation_id: str) -> None:
        with self.database.transaction() as conn:
            operations.set_status(conn, operation_id, OperationStatus.FAILED)


def _existing_instances(conn: sqlite3.Connection, keys: list[int]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        found.update(row[0] for row in conn.execute(
            f"SELECT instance_key FROM instance WHERE instance_key IN"
            f" ({', '.join('?' * len(chunk))})", chunk,
        ))
    return found
