"""The index's schema: created at the latest version, upgraded from older data dirs, and
refused when it comes from a newer kit."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from dicom_emulator.dicom.attributes import Level
from dicom_emulator.dicom.matching import Fuzzy
from dicom_emulator.storage.database import SchemaVersionError, migrate, schema_version
from dicom_emulator.storage.extended_query_tags import ExtendedQueryTagStore, NewTag, TagLevel
from dicom_emulator.storage.index import Index
from dicom_emulator.storage.schema import LATEST_VERSION, MIGRATIONS, Migration
from dicom_emulator.storage.search import Criterion, IndexColumn, find_page
from tests.storage.records import new_instance, rows, schema_objects

REPO = Path(__file__).resolve().parents[2]

# The index a data dir made by the first kit holds (commit d8d5a54): four tables, fewer
# indexes, no person-name full-text index, no extended query tags or operations.
FIRST_KIT_SCHEMA = """
CREATE TABLE study (
    study_key INTEGER PRIMARY KEY AUTOINCREMENT,
    study_uid TEXT NOT NULL UNIQUE,
    patient_id TEXT COLLATE NOCASE,
    patient_name TEXT,
    patient_birth_date TEXT,
    accession_number TEXT COLLATE NOCASE,
    referring_physician_name TEXT,
    study_date TEXT,
    study_description TEXT COLLATE NOCASE,
    attributes TEXT NOT NULL
);
CREATE INDEX study_patient_id ON study(patient_id);
CREATE INDEX study_patient_name ON study(patient_name);
CREATE INDEX study_date ON study(study_date);
CREATE INDEX study_accession ON study(accession_number);
CREATE TABLE series (
    series_key INTEGER PRIMARY KEY AUTOINCREMENT,
    study_key INTEGER NOT NULL REFERENCES study(study_key),
    series_uid TEXT NOT NULL,
    modality TEXT COLLATE NOCASE,
    pps_start_date TEXT,
    manufacturer_model_name TEXT COLLATE NOCASE,
    attributes TEXT NOT NULL,
    UNIQUE (study_key, series_uid)
);
CREATE INDEX series_uid ON series(series_uid);
CREATE INDEX series_modality ON series(modality, study_key);
CREATE TABLE instance (
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
    metadata TEXT NOT NULL,
    UNIQUE (series_key, sop_uid)
);
CREATE INDEX instance_sop_uid ON instance(sop_uid);
CREATE INDEX instance_study ON instance(study_key);
CREATE TABLE changefeed (
    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
    timestamp TEXT NOT NULL,
    action INTEGER NOT NULL,
    study_uid TEXT NOT NULL,
    series_uid TEXT NOT NULL,
    sop_uid TEXT NOT NULL,
    watermark INTEGER NOT NULL
);
CREATE INDEX changefeed_time ON changefeed(timestamp, sequence);
CREATE INDEX changefeed_instance ON changefeed(study_uid, series_uid, sop_uid);
"""

# What a later kit (commit a671356) added to such a data dir on its next start: the
# full-text index and its triggers, which index only the studies stored after them.
PERSON_NAMES_ADDED_LATER = """
CREATE VIRTUAL TABLE study_person_names USING fts5(
    patient_name, referring_physician_name, content='study', content_rowid='study_key'
);
CREATE TRIGGER study_person_names_insert AFTER INSERT ON study BEGIN
    INSERT INTO study_person_names (rowid, patient_name, referring_physician_name)
    VALUES (new.study_key, new.patient_name, new.referring_physician_name);
END;
"""

# Three studies stored by the old kit: names are kept folded (lower case, no accents).
OLD_ROWS = """
INSERT INTO study (study_uid, patient_id, patient_name, referring_physician_name, attributes)
VALUES ('1.1', 'P1', 'doe^jane', 'house^gregory', '{}'),
       ('1.2', 'P2', 'doe^john', NULL, '{}'),
       ('1.3', 'P3', 'roe^richard', NULL, '{}');
INSERT INTO series (study_key, series_uid, modality, attributes)
VALUES (1, '1.1.1', 'CT', '{}'), (2, '1.2.1', 'MR', '{}'), (3, '1.3.1', 'CT', '{}');
INSERT INTO instance (series_key, study_key, sop_uid, sop_class_uid, transfer_syntax, blob,
                      size, created, attributes, metadata)
VALUES (1, 1, '1.1.1.1', '1.2.840.10008.5.1.4.1.1.7', '1.2.840.10008.1.2.1', 'aa/1.dcm', 10,
        '2025-01-01T00:00:00.000000+00:00', '{}', '{}'),
       (2, 2, '1.2.1.1', '1.2.840.10008.5.1.4.1.1.7', '1.2.840.10008.1.2.1', 'aa/2.dcm', 10,
        '2025-01-01T00:00:01.000000+00:00', '{}', '{}'),
       (3, 3, '1.3.1.1', '1.2.840.10008.5.1.4.1.1.7', '1.2.840.10008.1.2.1', 'aa/3.dcm', 10,
        '2025-01-01T00:00:02.000000+00:00', '{}', '{}');
INSERT INTO changefeed (timestamp, action, study_uid, series_uid, sop_uid, watermark)
VALUES ('2025-01-01T00:00:00.000000+00:00', 0, '1.1', '1.1.1', '1.1.1.1', 1),
       ('2025-01-01T00:00:01.000000+00:00', 0, '1.2', '1.2.1', '1.2.1.1', 2),
       ('2025-01-01T00:00:02.000000+00:00', 0, '1.3', '1.3.1', '1.3.1.1', 3);
"""

TABLES = ("study", "series", "instance", "changefeed")


def _old_data_dir(path: Path, *scripts: str) -> dict[str, list[tuple[object, ...]]]:
    """An index file made by running ``scripts`` (no version stamp); returns the query of
    each table's columns and its rows (later migrations add columns, never drop one)."""
    conn = sqlite3.connect(path)
    try:
        for script in scripts:
            conn.executescript(script)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 0
        queries = {t: _select_columns(conn, t) for t in TABLES}
        return {q: conn.execute(q).fetchall() for q in queries.values()}
    finally:
        conn.close()


def _select_columns(conn: sqlite3.Connection, table: str) -> str:
    columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
    return f"SELECT {', '.join(columns)} FROM {table} ORDER BY 1"


def _fuzzy(index: Index, column: str, *words: str) -> list[int]:
    """Study keys a QIDO fuzzy match on ``column`` finds, newest first."""
    criterion = Criterion(IndexColumn(Level.STUDY, column), Fuzzy(words))
    return find_page(index.reader(), Level.STUDY, [criterion], limit=100, offset=0)


def test_migrations_are_numbered_one_by_one() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))
    assert LATEST_VERSION == len(MIGRATIONS)


def test_a_new_index_has_the_latest_schema(tmp_path: Path) -> None:
    index = Index(tmp_path / "index.sqlite")
    assert schema_version(index.reader()) == LATEST_VERSION
    index.close()
    objects = schema_objects(tmp_path / "index.sqlite")
    for table in ("study", "series", "instance", "changefeed", "study_person_names",
                  "extended_query_tag", "extended_query_tag_value", "extended_query_tag_error",
                  "operation"):
        assert ("table", table) in objects
    assert ("view", "instance_uids") in objects
    assert {("trigger", f"study_person_names_{event}")
            for event in ("insert", "delete", "update")} <= objects


def test_reopening_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    index = Index(path)
    index.add_instances([new_instance("1.1", "1.1.1", "1.1.1.1")])
    index.close()
    before = schema_objects(path)

    index = Index(path)
    assert schema_version(index.reader()) == LATEST_VERSION
    assert rows(index, "SELECT sop_uid FROM instance") == [("1.1.1.1",)]
    assert _fuzzy(index, "patient_name", "doe") == [1]  # indexed once, not twice
    index.close()
    assert schema_objects(path) == before


@pytest.mark.parametrize("scripts", [
    pytest.param((FIRST_KIT_SCHEMA, OLD_ROWS), id="no-person-name-index"),
    pytest.param((FIRST_KIT_SCHEMA, OLD_ROWS, PERSON_NAMES_ADDED_LATER),
                 id="empty-person-name-index"),
])
def test_an_old_data_dir_is_upgraded_and_keeps_its_rows(tmp_path: Path,
                                                        scripts: tuple[str, ...]) -> None:
    path = tmp_path / "index.sqlite"
    before = _old_data_dir(path, *scripts)

    index = Index(path)
    assert schema_version(index.reader()) == LATEST_VERSION
    for query, old in before.items():
        assert rows(index, query) == old
    # The studies stored before the full-text index existed are found by fuzzy matching.
    assert _fuzzy(index, "patient_name", "doe") == [2, 1]
    assert _fuzzy(index, "patient_name", "ric") == [3]
    assert _fuzzy(index, "referring_physician_name", "greg") == [1]
    # The old rows read through the new view, and new stores are indexed by the triggers.
    assert [i.sop_uid for i in index.find_instances("1.2")] == ["1.2.1.1"]
    index.add_instances([new_instance("1.4", "1.4.1", "1.4.1.1", patient_name="doe^ann")])
    assert _fuzzy(index, "patient_name", "doe") == [4, 2, 1]
    index.close()


def test_an_upgraded_old_data_dir_takes_extended_query_tags(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    _old_data_dir(path, FIRST_KIT_SCHEMA, OLD_ROWS)
    index = Index(path)
    tags = ExtendedQueryTagStore(index.database)
    operation = tags.add([NewTag("00100020", "LO", None, TagLevel.STUDY)], max_count=128)
    assert operation.end_key == 3 and operation.total == 3  # the old instances, to reindex
    assert [t.path for t in tags.all()] == ["00100020"]
    index.close()


def test_the_data_dir_the_kit_made_before_versioning_is_stamped(tmp_path: Path) -> None:
    """A data dir of the last unversioned kit already has version 1's tables: it keeps
    every row, and fuzzy matching finds each study once."""
    path = tmp_path / "index.sqlite"
    before = _old_data_dir(path, MIGRATIONS[0].script, OLD_ROWS)

    index = Index(path)
    assert schema_version(index.reader()) == LATEST_VERSION
    for query, old in before.items():
        assert rows(index, query) == old
    assert _fuzzy(index, "patient_name", "doe") == [2, 1]
    index.close()


def test_a_data_dir_from_a_newer_kit_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE from_the_future (x)")
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    conn.close()

    with pytest.raises(SchemaVersionError) as error:
        Index(path)
    message = str(error.value)
    assert str(path) in message
    assert f"schema version {LATEST_VERSION + 1}" in message
    assert f"versions up to {LATEST_VERSION}" in message
    assert schema_objects(path) == {("table", "from_the_future")}
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION + 1
    conn.close()


def test_serve_exits_with_the_reason_on_a_data_dir_from_a_newer_kit(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "index.sqlite")
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    conn.close()
    done = subprocess.run(
        [sys.executable, "-m", "dicom_emulator", "serve", "--port", "0", "--auth", "off",
         "--data-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=60, cwd=REPO,
    )
    assert done.returncode == 1
    assert "ready at" not in done.stdout
    assert f"has schema version {LATEST_VERSION + 1}" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_failing_migration_rolls_back_whole(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "index.sqlite", isolation_level=None)
    migrations = (
        Migration(1, "a table", "CREATE TABLE t (x INTEGER);"),
        Migration(2, "a row, then a mistake",
                  "INSERT INTO t VALUES (1);\nCREATE TABLE t (y INTEGER);"),
    )
    with pytest.raises(SchemaVersionError, match=r"schema version 2 \(a row, then a mistake\)"):
        migrate(conn, migrations)
    assert schema_version(conn) == 1
    assert conn.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 0
    assert not conn.in_transaction
    conn.close()


def test_a_migration_another_process_applied_meanwhile_is_not_applied_again(
        tmp_path: Path) -> None:
    """The version is checked again under the write lock: a migration another process
    applied between our look and our lock is not repeated."""
    path = tmp_path / "index.sqlite"
    ours = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    theirs = sqlite3.connect(path, isolation_level=None)
    counting = (
        Migration(1, "a counter", "CREATE TABLE applied (n INTEGER);"),
        Migration(2, "count once", "INSERT INTO applied VALUES (2);"),
    )
    migrate(ours, counting[:1])
    waiting_for_lock = threading.Event()
    ours.set_trace_callback(
        lambda sql: waiting_for_lock.set() if sql.startswith("BEGIN IMMEDIATE") else None)

    theirs.execute("BEGIN IMMEDIATE")
    worker = threading.Thread(target=migrate, args=(ours, counting))
    worker.start()  # looks: version 1; then waits for the lock theirs holds
    assert waiting_for_lock.wait(10)
    theirs.execute("INSERT INTO applied VALUES (2)")
    theirs.execute("PRAGMA user_version = 2")
    theirs.execute("COMMIT")
    worker.join(10)

    assert not worker.is_alive()
    assert theirs.execute("SELECT n FROM applied").fetchall() == [(2,)]
    assert schema_version(ours) == 2
    ours.close()
    theirs.close()
