"""The instance repository: studies, series and instances in the index, and their change feed.

Every index change and its change-feed entry commit in the same transaction, so neither
can exist without the other. Other features whose rows follow instances (extended query
tags index values per instance) take part through the :class:`IndexExtension` objects
the index is built with.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace as with_fields
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from dicom_emulator.dicom.dicom_json import DicomJson
from dicom_emulator.storage import changefeed
from dicom_emulator.storage.changefeed import ChangeFeedAction, utc_timestamp
from dicom_emulator.storage.database import Database
from dicom_emulator.storage.schema import DEFAULT_PARTITION_KEY

__all__ = ["ORIGINAL_VERSIONS", "AddResult", "Index", "IndexExtension", "InstanceExistsError",
           "InstanceKeys", "InstanceUids", "NewInstance", "StoredInstance"]

# Bulk update keeps an updated instance's original file (storage.updates writes the rows);
# the original goes wherever the instance goes: deleted, replaced, or known to recovery.
ORIGINAL_VERSIONS = "instance_original"

# The UIDs that name a study, a series or an instance (None below the level named).
InstanceUids = tuple[str, str | None, str | None]


class InstanceKeys(NamedTuple):
    """An instance's key and those of its series and study."""

    instance_key: int
    series_key: int
    study_key: int


class IndexExtension(Protocol):
    """Another feature's rows that follow instances, declared when the index is built."""

    @property
    def instance_tables(self) -> Sequence[str]:
        """Tables keyed by ``instance_key`` whose rows go when their instance is deleted."""
        ...

    def add_instance(self, conn: sqlite3.Connection, keys: InstanceKeys,
                     metadata: DicomJson) -> None:
        """Write the feature's rows for a new instance, inside its store transaction."""
        ...


@dataclass(frozen=True)
class StoredInstance:
    """An index row for one instance, enough to retrieve or delete it."""

    instance_key: int
    study_uid: str
    series_uid: str
    sop_uid: str
    sop_class_uid: str
    transfer_syntax: str
    blob: str
    size: int
    number_of_frames: int
    series_key: int
    study_key: int
    # Set by ``Index.delete``: the original file kept by a bulk update, removed with it.
    original_blob: str | None = None


@dataclass
class NewInstance:
    """What STOW hands to the index for one instance whose file is already durable."""

    study_uid: str
    series_uid: str
    sop_uid: str
    sop_class_uid: str
    transfer_syntax: str
    blob: str
    size: int
    number_of_frames: int
    study_columns: dict[str, Any]
    series_columns: dict[str, Any]
    study_attributes: str
    series_attributes: str
    instance_attributes: str
    metadata: str
    # The same DICOM JSON, parsed: what extensions index (parsing it again would cost
    # every store).
    parsed_metadata: DicomJson


class AddResult(NamedTuple):
    """Per record ``None`` or the error it met; the files of the instances replaced (the
    caller removes them: the transaction has committed)."""

    errors: list[Exception | None]
    replaced_blobs: list[str]


class InstanceExistsError(Exception):
    """The study/series/SOP instance UID triple is already stored."""


_INSTANCE_SELECT = (
    "SELECT instance_key, study_uid, series_uid, sop_uid, sop_class_uid, transfer_syntax,"
    " blob, size, number_of_frames, series_key, study_key FROM instance_uids"
)


def _where_uids(
    partition_key: int, study_uid: str, series_uid: str | None, sop_uid: str | None
) -> tuple[str, list[object]]:
    clauses, params = ["partition_key = ?", "study_uid = ?"], [partition_key, study_uid]
    if series_uid is not None:
        clauses.append("series_uid = ?")
        params.append(series_uid)
    if sop_uid is not None:
        clauses.append("sop_uid = ?")
        params.append(sop_uid)
    return " WHERE " + " AND ".join(clauses), params


def _original_blobs(conn: sqlite3.Connection, keys: list[int]) -> dict[int, str]:
    """The original files bulk update kept for these instances, by instance key."""
    found: dict[int, str] = {}
    for start in range(0, len(keys), 500):  # SQLite's variable limit
        chunk = keys[start:start + 500]
        found.update(conn.execute(
            f"SELECT instance_key, blob FROM {ORIGINAL_VERSIONS} WHERE instance_key IN"
            f" ({', '.join('?' * len(chunk))})", chunk).fetchall())
    return found


class Index:
    """Studies, series and instances in the index file at ``path``.

    Parameters
    ----------
    path : Path
        The SQLite file (created, or upgraded to the current schema, on opening).
    extensions : sequence of IndexExtension
        Other features' rows that follow instances.
    """

    def __init__(self, path: Path, extensions: Sequence[IndexExtension] = ()):
        self.database = Database(path)
        self.extensions = tuple(extensions)
        self._instance_tables = (ORIGINAL_VERSIONS,
                                 *(t for e in self.extensions for t in e.instance_tables))

    @property
    def instance_tables(self) -> tuple[str, ...]:
        """The tables whose rows (keyed by ``instance_key``) go with their instance."""
        return self._instance_tables

    def reader(self) -> sqlite3.Connection:
        """This thread's read connection (``Database.reader``)."""
        return self.database.reader()

    def close(self) -> None:
        self.database.close()

    # -- reads ---------------------------------------------------------------------------

    # Every read and write names the partition it is in (``partition_key``: the default
    # partition unless the request came under /partitions/{name}).

    def find_instances(
        self, study_uid: str, series_uid: str | None = None, sop_uid: str | None = None,
        *, partition_key: int = DEFAULT_PARTITION_KEY,
    ) -> list[StoredInstance]:
        where, params = _where_uids(partition_key, study_uid, series_uid, sop_uid)
        rows = self.reader().execute(
            _INSTANCE_SELECT + where + " ORDER BY series_key, instance_key", params
        )
        return [StoredInstance(*row) for row in rows]

    def instance_exists(self, study_uid: str, series_uid: str, sop_uid: str, *,
                        partition_key: int = DEFAULT_PARTITION_KEY) -> bool:
        # Not through instance_uids: SQLite walks the study's instances for that (every
        # STOW asks, so a study's upload grew quadratic); this is three unique-key lookups.
        row = self.reader().execute(
            "SELECT 1 FROM instance i JOIN series se ON se.series_key = i.series_key "
            "JOIN study st ON st.study_key = se.study_key WHERE st.partition_key = ? "
            "AND st.study_uid = ? AND se.series_uid = ? AND i.sop_uid = ?",
            (partition_key, study_uid, series_uid, sop_uid),
        )
        return row.fetchone() is not None

    def study_exists(self, study_uid: str, *,
                     partition_key: int = DEFAULT_PARTITION_KEY) -> bool:
        row = self.reader().execute(
            "SELECT 1 FROM study WHERE partition_key = ? AND study_uid = ?",
            (partition_key, study_uid))
        return row.fetchone() is not None

    def series_exists(self, study_uid: str, series_uid: str, *,
                      partition_key: int = DEFAULT_PARTITION_KEY) -> bool:
        # Not through instance_uids: that would walk the study's instances; this is two
        # unique-key lookups.
        row = self.reader().execute(
            "SELECT 1 FROM series se JOIN study st ON st.study_key = se.study_key "
            "WHERE st.partition_key = ? AND st.study_uid = ? AND se.series_uid = ?",
            (partition_key, study_uid, series_uid),
        )
        return row.fetchone() is not None

    def metadata(
        self, study_uid: str, series_uid: str | None = None, sop_uid: str | None = None,
        *, partition_key: int = DEFAULT_PARTITION_KEY,
    ) -> list[str]:
        """The stored DICOM JSON (text) of every matching instance."""
        return [text.decode("utf-8") for _, text in self.metadata_by_key(
            study_uid, series_uid, sop_uid, partition_key=partition_key)]

    def metadata_by_key(
        self, study_uid: str, series_uid: str | None = None, sop_uid: str | None = None,
        *, partition_key: int = DEFAULT_PARTITION_KEY,
    ) -> list[tuple[int, bytes]]:
        """Each matching instance's key and stored DICOM JSON, as the UTF-8 bytes SQLite
        holds (a response sends them as they are: no decoding and encoding again)."""
        where, params = _where_uids(partition_key, study_uid, series_uid, sop_uid)
        rows = self.reader().execute(
            "SELECT instance_key, CAST(metadata AS BLOB) FROM instance_uids" + where
            + " ORDER BY series_key, instance_key", params,
        )
        return [(row[0], row[1]) for row in rows]

    def all_blob_names(self) -> set[str]:
        return {row[0] for row in self.reader().execute(
            f"SELECT blob FROM instance UNION ALL SELECT blob FROM {ORIGINAL_VERSIONS}")}

    # -- writes --------------------------------------------------------------------------

    def add_instances(self, records: Sequence[NewInstance], replace: bool = False, *,
                      partition_key: int = DEFAULT_PARTITION_KEY) -> AddResult:
        """Index each record in one transaction, in the partition ``partition_key``.

        A record that fails (already stored, and ``replace`` not asked for) rolls back
        alone, through a savepoint. With ``replace`` (an upsert) an instance with the same
        UIDs is removed first, with its extensions' rows, in the same savepoint; the new
        row has a new watermark (instance key) and its own Create entry, so the change
        feed reads the earlier entries of those UIDs as Replaced.
        """
        outcomes: list[Exception | None] = []
        replaced: list[str] = []
        with self.database.transaction() as conn:
            for record in records:
                conn.execute("SAVEPOINT one")
                try:
                    old_blobs = self._add_one(conn, record, replace, partition_key)
                except (InstanceExistsError, sqlite3.IntegrityError) as exc:
                    conn.execute("ROLLBACK TO one")
                    outcomes.append(exc)
                else:
                    outcomes.append(None)
                    replaced.extend(old_blobs)
                conn.execute("RELEASE one")
        return AddResult(outcomes, replaced)

    def _add_one(self, conn: sqlite3.Connection, r: NewInstance, replace: bool,
                 partition_key: int) -> list[str]:
        """Index one record; the file names of the instance it replaced (and its original)."""
        study_cols = dict(r.study_columns, partition_key=partition_key, study_uid=r.study_uid,
                          attributes=r.study_attributes)
        names = ", ".join(study_cols)
        updates = ", ".join(f"{c} = excluded.{c}" for c in study_cols
                            if c not in ("partition_key", "study_uid"))
        study_key = conn.execute(
            f"INSERT INTO study ({names}) VALUES ({', '.join('?' * len(study_cols))}) "
            f"ON CONFLICT(partition_key, study_uid) DO UPDATE SET {updates} RETURNING study_key",
            list(study_cols.values()),
        ).fetchone()[0]
        series_cols = dict(
            r.series_columns, study_key=study_key, series_uid=r.series_uid,
            attributes=r.series_attributes, partition_key=partition_key,
        )
        names = ", ".join(series_cols)
        updates = ", ".join(
            f"{c} = excluded.{c}" for c in series_cols
            if c not in ("study_key", "series_uid", "partition_key")
        )
        series_key = conn.execute(
            f"INSERT INTO series ({names}) VALUES ({', '.join('?' * len(series_cols))}) "
            f"ON CONFLICT(study_key, series_uid) DO UPDATE SET {updates} RETURNING series_key",
            list(series_cols.values()),
        ).fetchone()[0]
        existing = conn.execute(
            "SELECT instance_key, blob FROM instance WHERE series_key = ? AND sop_uid = ?",
            (series_key, r.sop_uid),
        ).fetchone()
        old_blobs: list[str] = []
        if existing:
            if not replace:
                raise InstanceExistsError(r.sop_uid)
            old_key = existing[0]
            old_blobs = [existing[1], *_original_blobs(conn, [old_key]).values()]
            for table in self._instance_tables:
                conn.execute(f"DELETE FROM {table} WHERE instance_key = ?", (old_key,))
            conn.execute("DELETE FROM instance WHERE instance_key = ?", (old_key,))
        created = utc_timestamp()
        instance_key = conn.execute(
            "INSERT INTO instance (series_key, study_key, partition_key, sop_uid, sop_class_uid,"
            " transfer_syntax, blob, size, number_of_frames, created, attributes, metadata)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING instance_key",
            (series_key, study_key, partition_key, r.sop_uid, r.sop_class_uid,
             r.transfer_syntax, r.blob, r.size, r.number_of_frames, created,
             r.instance_attributes, r.metadata),
        ).fetchone()[0]
        changefeed.record(conn, ChangeFeedAction.CREATE, created,
                          [(r.study_uid, r.series_uid, r.sop_uid, instance_key)],
                          partition_key=partition_key)
        keys = InstanceKeys(instance_key, series_key, study_key)
        for extension in self.extensions:
            extension.add_instance(conn, keys, r.parsed_metadata)
        return old_blobs

    def release_reserve(self) -> bool:
        """:meth:`Database.release_reserve`: room for a delete on a full disk."""
        return self.database.release_reserve()

    def restore_reserve(self) -> None:
        self.database.restore_reserve()

    def delete(
        self, study_uid: str, series_uid: str | None = None, sop_uid: str | None = None,
        *, partition_key: int = DEFAULT_PARTITION_KEY,
    ) -> list[StoredInstance]:
        """Remove matching instances (and series/studies left empty); returns what went.

        Each removed instance gets a Delete entry in the change feed, and loses the rows
        extensions keep for it, in the same transaction. The caller removes the files once
        this has committed.
        """
        where, params = _where_uids(partition_key, study_uid, series_uid, sop_uid)
        with self.database.transaction() as conn:
            gone = [StoredInstance(*row) for row in conn.execute(_INSTANCE_SELECT + where, params)]
            if not gone:
                return []
            originals = _original_blobs(conn, [g.instance_key for g in gone])
            gone = [with_fields(g, original_blob=originals.get(g.instance_key)) for g in gone]
            changefeed.record(conn, ChangeFeedAction.DELETE, utc_timestamp(),
                              [(g.study_uid, g.series_uid, g.sop_uid, g.instance_key)
                               for g in gone], partition_key=partition_key)
            instance_keys = [(g.instance_key,) for g in gone]
            for table in self._instance_tables:
                conn.executemany(f"DELETE FROM {table} WHERE instance_key = ?", instance_keys)
            conn.executemany("DELETE FROM instance WHERE instance_key = ?", instance_keys)
            # Only the series and studies this delete touched can have become empty.
            conn.executemany(
                "DELETE FROM series WHERE series_key = ? AND NOT EXISTS "
                "(SELECT 1 FROM instance i WHERE i.series_key = series.series_key)",
                [(key,) for key in {g.series_key for g in gone}],
            )
            conn.executemany(
                "DELETE FROM study WHERE study_key = ? AND NOT EXISTS "
                "(SELECT 1 FROM series se WHERE se.study_key = study.study_key)",
                [(key,) for key in {g.study_key for g in gone}],
            )
        return gone
