"""The SQLite index: studies, series, instances and the change feed, in one WAL database.

One writer connection behind a lock keeps transactions short and serial; readers get
a connection per thread. Every index change and its change-feed entry commit in the
same transaction, so neither can exist without the other.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dicom_emulator.storage import changefeed
from dicom_emulator.storage.changefeed import ChangeFeedAction, utc_timestamp

SCHEMA = """
CREATE TABLE IF NOT EXISTS study (
    study_key INTEGER PRIMARY KEY AUTOINCREMENT,
    study_uid TEXT NOT NULL UNIQUE,
    patient_id TEXT COLLATE NOCASE,
    patient_name TEXT,                -- normalized: case- and accent-folded
    patient_birth_date TEXT,
    accession_number TEXT COLLATE NOCASE,
    referring_physician_name TEXT,    -- normalized like patient_name
    study_date TEXT,
    study_description TEXT COLLATE NOCASE,
    attributes TEXT NOT NULL          -- DICOM JSON of the study-level attributes
);
CREATE INDEX IF NOT EXISTS study_patient_id ON study(patient_id);
CREATE INDEX IF NOT EXISTS study_patient_name ON study(patient_name);
CREATE INDEX IF NOT EXISTS study_date ON study(study_date);
CREATE INDEX IF NOT EXISTS study_accession ON study(accession_number);
CREATE INDEX IF NOT EXISTS study_birth_date ON study(patient_birth_date);
CREATE INDEX IF NOT EXISTS study_referring ON study(referring_physician_name);
CREATE INDEX IF NOT EXISTS study_description ON study(study_description);
-- QIDO fuzzymatching: prefix-word search on the normalized PN columns, kept by triggers.
CREATE VIRTUAL TABLE IF NOT EXISTS study_person_names USING fts5(
    patient_name, referring_physician_name, content='study', content_rowid='study_key'
);
CREATE TRIGGER IF NOT EXISTS study_person_names_insert AFTER INSERT ON study BEGIN
    INSERT INTO study_person_names (rowid, patient_name, referring_physician_name)
    VALUES (new.study_key, new.patient_name, new.referring_physician_name);
END;
CREATE TRIGGER IF NOT EXISTS study_person_names_delete AFTER DELETE ON study BEGIN
    INSERT INTO study_person_names
        (study_person_names, rowid, patient_name, referring_physician_name)
    VALUES ('delete', old.study_key, old.patient_name, old.referring_physician_name);
END;
CREATE TRIGGER IF NOT EXISTS study_person_names_update AFTER UPDATE ON study
WHEN old.patient_name IS NOT new.patient_name
    OR old.referring_physician_name IS NOT new.referring_physician_name BEGIN
    INSERT INTO study_person_names
        (study_person_names, rowid, patient_name, referring_physician_name)
    VALUES ('delete', old.study_key, old.patient_name, old.referring_physician_name);
    INSERT INTO study_person_names (rowid, patient_name, referring_physician_name)
    VALUES (new.study_key, new.patient_name, new.referring_physician_name);
END;

CREATE TABLE IF NOT EXISTS series (
    series_key INTEGER PRIMARY KEY AUTOINCREMENT,
    study_key INTEGER NOT NULL REFERENCES study(study_key),
    series_uid TEXT NOT NULL,
    modality TEXT COLLATE NOCASE,
    pps_start_date TEXT,
    manufacturer_model_name TEXT COLLATE NOCASE,
    attributes TEXT NOT NULL,
    UNIQUE (study_key, series_uid)
);
CREATE INDEX IF NOT EXISTS series_uid ON series(series_uid);
CREATE INDEX IF NOT EXISTS series_modality ON series(modality, study_key);
CREATE INDEX IF NOT EXISTS series_pps_start_date ON series(pps_start_date);
CREATE INDEX IF NOT EXISTS series_model ON series(manufacturer_model_name);

CREATE TABLE IF NOT EXISTS instance (
    -- AUTOINCREMENT: keys are never reused, so a key doubles as the instance's watermark.
    instance_key INTEGER PRIMARY KEY AUTOINCREMENT,
    series_key INTEGER NOT NULL REFERENCES series(series_key),
    study_key INTEGER NOT NULL REFERENCES study(study_key),
    sop_uid TEXT NOT NULL,
    sop_class_uid TEXT NOT NULL,
    transfer_syntax TEXT NOT NULL,
    blob TEXT NOT NULL,
    size INTEGER NOT NULL,
    number_of_frames INTEGER NOT NULL DEFAULT 1,
    created TEXT NOT NULL,
    attributes TEXT NOT NULL,
    metadata TEXT NOT NULL,           -- the instance's DICOM JSON, computed once at store time
    UNIQUE (series_key, sop_uid)
);
CREATE INDEX IF NOT EXISTS instance_sop_uid ON instance(sop_uid);
CREATE INDEX IF NOT EXISTS instance_study ON instance(study_key);

CREATE TABLE IF NOT EXISTS changefeed (
    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
    timestamp TEXT NOT NULL,          -- ISO 8601 UTC, fixed width, so text order is time order
    action INTEGER NOT NULL,          -- 0 Create, 1 Delete, 2 Update
    study_uid TEXT NOT NULL,
    series_uid TEXT NOT NULL,
    sop_uid TEXT NOT NULL,
    watermark INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS changefeed_time ON changefeed(timestamp, sequence);
CREATE INDEX IF NOT EXISTS changefeed_instance ON changefeed(study_uid, series_uid, sop_uid);
"""

# Something another feature writes for a new instance, inside its store transaction
# (connection, instance key): extended query tags index the instance's values.
IndexWriter = Callable[[sqlite3.Connection, int], None]


# The UIDs that name a study, a series or an instance (None below the level named).
InstanceUids = tuple[str, str | None, str | None]


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
    # Extra writers run inside the same transaction (extended query tags hook in here).
    extra: list[IndexWriter] = field(default_factory=list)


class InstanceExistsError(Exception):
    """The study/series/SOP instance UID triple is already stored."""


_INSTANCE_SELECT = """
SELECT i.instance_key, st.study_uid, se.series_uid, i.sop_uid, i.sop_class_uid,
       i.transfer_syntax, i.blob, i.size, i.number_of_frames, i.series_key, i.study_key
FROM instance i
JOIN series se ON se.series_key = i.series_key
JOIN study st ON st.study_key = i.study_key
"""


def _where_uids(
    study_uid: str, series_uid: str | None, sop_uid: str | None
) -> tuple[str, list[str]]:
    clauses, params = ["st.study_uid = ?"], [study_uid]
    if series_uid is not None:
        clauses.append("se.series_uid = ?")
        params.append(series_uid)
    if sop_uid is not None:
        clauses.append("i.sop_uid = ?")
        params.append(sop_uid)
    return " WHERE " + " AND ".join(clauses), params


class Index:
    """The emulator's SQLite database."""

    def __init__(self, path: Path, extra_schema: tuple[str, ...] = ()):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self._writer = self._connect()
        self._writer.executescript(SCHEMA + "".join(extra_schema))

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a commit is in the WAL (the OS has it) before it returns, so an
        # acknowledged store survives the process being killed; only a power cut can undo
        # the last commits, and their files (fsynced first) then become orphans that start-up
        # recovery removes. FULL would add an fsync to every request.
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=10000")
        conn.row_factory = sqlite3.Row
        return conn

    # -- connections ---------------------------------------------------------------------

    def reader(self) -> sqlite3.Connection:
        """This thread's read connection (each thread has its own)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """The writer connection inside ``BEGIN IMMEDIATE … COMMIT``, one writer at a time."""
        with self._write_lock:
            self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                self._writer.execute("ROLLBACK")
                raise
            self._writer.execute("COMMIT")

    def close(self) -> None:
        self._writer.close()

    # -- reads ---------------------------------------------------------------------------

    def find_instances(
        self, study_uid: str, series_uid: str | None = None, sop_uid: str | None = None
    ) -> list[StoredInstance]:
        where, params = _where_uids(study_uid, series_uid, sop_uid)
        rows = self.reader().execute(
            _INSTANCE_SELECT + where + " ORDER BY i.series_key, i.instance_key", params
        )
        return [StoredInstance(*row) for row in rows]

    def instance_exists(self, study_uid: str, series_uid: str, sop_uid: str) -> bool:
        return bool(self.find_instances(study_uid, series_uid, sop_uid))

    def study_exists(self, study_uid: str) -> bool:
        row = self.reader().execute("SELECT 1 FROM study WHERE study_uid = ?", (study_uid,))
        return row.fetchone() is not None

    def series_exists(self, study_uid: str, series_uid: str) -> bool:
        row = self.reader().execute(
            "SELECT 1 FROM series se JOIN study st ON st.study_key = se.study_key "
            "WHERE st.study_uid = ? AND se.series_uid = ?",
            (study_uid, series_uid),
        )
        return row.fetchone() is not None

    def metadata(
        self, study_uid: str, series_uid: str | None = None, sop_uid: str | None = None
    ) -> list[str]:
        """The stored DICOM JSON (text) of every matching instance."""
        where, params = _where_uids(study_uid, series_uid, sop_uid)
        sql = (
            "SELECT i.metadata FROM instance i JOIN series se ON se.series_key = i.series_key "
            "JOIN study st ON st.study_key = i.study_key" + where
            + " ORDER BY i.series_key, i.instance_key"
        )
        return [row[0] for row in self.reader().execute(sql, params)]

    def all_blob_names(self) -> set[str]:
        return {row[0] for row in self.reader().execute("SELECT blob FROM instance")}

    # -- writes --------------------------------------------------------------------------

    def add_instances(self, records: list[NewInstance]) -> list[Exception | None]:
        """Index each record in one transaction; per record ``None`` or the error it met.

        A record that fails (already stored) rolls back alone, through a savepoint.
        """
        outcomes: list[Exception | None] = []
        with self.transaction() as conn:
            for record in records:
                conn.execute("SAVEPOINT one")
                try:
                    self._add_one(conn, record)
                except (InstanceExistsError, sqlite3.IntegrityError) as exc:
                    conn.execute("ROLLBACK TO one")
                    outcomes.append(exc)
                else:
                    outcomes.append(None)
                conn.execute("RELEASE one")
        return outcomes

    @staticmethod
    def _add_one(conn: sqlite3.Connection, r: NewInstance) -> None:
        study_cols = dict(r.study_columns, study_uid=r.study_uid, attributes=r.study_attributes)
        names = ", ".join(study_cols)
        updates = ", ".join(f"{c} = excluded.{c}" for c in study_cols if c != "study_uid")
        study_key = conn.execute(
            f"INSERT INTO study ({names}) VALUES ({', '.join('?' * len(study_cols))}) "
            f"ON CONFLICT(study_uid) DO UPDATE SET {updates} RETURNING study_key",
            list(study_cols.values()),
        ).fetchone()[0]
        series_cols = dict(
            r.series_columns, study_key=study_key, series_uid=r.series_uid,
            attributes=r.series_attributes,
        )
        names = ", ".join(series_cols)
        updates = ", ".join(
            f"{c} = excluded.{c}" for c in series_cols if c not in ("study_key", "series_uid")
        )
        series_key = conn.execute(
            f"INSERT INTO series ({names}) VALUES ({', '.join('?' * len(series_cols))}) "
            f"ON CONFLICT(study_key, series_uid) DO UPDATE SET {updates} RETURNING series_key",
            list(series_cols.values()),
        ).fetchone()[0]
        exists = conn.execute(
            "SELECT 1 FROM instance WHERE series_key = ? AND sop_uid = ?", (series_key, r.sop_uid)
        ).fetchone()
        if exists:
            raise InstanceExistsError(r.sop_uid)
        created = utc_timestamp()
        instance_key = conn.execute(
            "INSERT INTO instance (series_key, study_key, sop_uid, sop_class_uid, transfer_syntax,"
            " blob, size, number_of_frames, created, attributes, metadata)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING instance_key",
            (series_key, study_key, r.sop_uid, r.sop_class_uid, r.transfer_syntax, r.blob,
             r.size, r.number_of_frames, created, r.instance_attributes, r.metadata),
        ).fetchone()[0]
        changefeed.record(conn, ChangeFeedAction.CREATE, created,
                          [(r.study_uid, r.series_uid, r.sop_uid, instance_key)])
        for write in r.extra:
            write(conn, instance_key)

    def delete(
        self, study_uid: str, series_uid: str | None = None, sop_uid: str | None = None
    ) -> list[StoredInstance]:
        """Remove matching instances (and series/studies left empty); returns what went.

        Each removed instance gets a Delete entry in the change feed, in the same
        transaction. The caller removes the files once this has committed.
        """
        where, params = _where_uids(study_uid, series_uid, sop_uid)
        with self.transaction() as conn:
            gone = [StoredInstance(*row) for row in conn.execute(_INSTANCE_SELECT + where, params)]
            if not gone:
                return []
            timestamp = utc_timestamp()
            changefeed.record(conn, ChangeFeedAction.DELETE, timestamp,
                              [(g.study_uid, g.series_uid, g.sop_uid, g.instance_key)
                               for g in gone])
            for table in self.instance_tables:
                conn.executemany(
                    f"DELETE FROM {table} WHERE instance_key = ?",
                    [(g.instance_key,) for g in gone],
                )
            conn.executemany(
                "DELETE FROM instance WHERE instance_key = ?", [(g.instance_key,) for g in gone]
            )
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

    # Tables keyed by instance_key that other features add (e.g. extended query tag values);
    # their rows go with the instance.
    instance_tables: tuple[str, ...] = ()
