"""The index's schema: every table, index, trigger and view, as an ordered list of migrations.

A database records the last migration applied to it in ``PRAGMA user_version``; opening it
applies the ones after that (:mod:`.database`), so a data dir made by an older kit is
upgraded rather than left without a later column or index. A migration is a script run
by ``executescript`` (triggers contain ``;``, so scripts are never split), inside one
transaction together with the new version stamp: it applies whole or not at all.

To change the schema, append a migration; never edit one that has shipped. Data dirs
made before versioning have ``user_version`` 0 and any subset of version 1 (tables and
indexes were added over time with ``IF NOT EXISTS``), so version 1 is written to meet
all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_PARTITION_KEY", "DEFAULT_PARTITION_NAME", "LATEST_VERSION", "MIGRATIONS",
           "Migration"]

# The partition the service's data is in when no other is named, a row of the schema
# (``Partition.DefaultKey`` and ``Partition.DefaultName``, ``Partition.sql``).
DEFAULT_PARTITION_KEY = 1
DEFAULT_PARTITION_NAME = "Microsoft.Default"


@dataclass(frozen=True)
class Migration:
    """The script that takes the schema from ``version - 1`` to ``version``."""

    version: int
    description: str
    script: str


# -- version 1: the schema of the kit before versioning --------------------------------

# The study table's indexes and the triggers that keep the person-name FTS index, made
# again each time the study table is rebuilt.
_STUDY_INDEXES = """
CREATE INDEX IF NOT EXISTS study_patient_id ON study(patient_id);
CREATE INDEX IF NOT EXISTS study_patient_name ON study(patient_name);
CREATE INDEX IF NOT EXISTS study_date ON study(study_date);
CREATE INDEX IF NOT EXISTS study_accession ON study(accession_number);
CREATE INDEX IF NOT EXISTS study_birth_date ON study(patient_birth_date);
CREATE INDEX IF NOT EXISTS study_referring ON study(referring_physician_name);
CREATE INDEX IF NOT EXISTS study_description ON study(study_description);
"""

_PERSON_NAME_TRIGGERS = """
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
"""

_INSTANCES_V1 = """
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
);""" + _STUDY_INDEXES + (
    "-- QIDO fuzzymatching: prefix-word search on the normalized PN columns, kept by triggers.\n"
) + """CREATE VIRTUAL TABLE IF NOT EXISTS study_person_names USING fts5(
    patient_name, referring_physician_name, content='study', content_rowid='study_key'
);""" + _PERSON_NAME_TRIGGERS + """
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

# Values are kept per instance (one row per tag and instance, whatever the tag's level),
# with the series and study keys so that queries can match at every level.
_EXTENDED_QUERY_TAGS_V1 = """
CREATE TABLE IF NOT EXISTS extended_query_tag (
    tag_key INTEGER PRIMARY KEY AUTOINCREMENT,
    path TEXT NOT NULL UNIQUE,        -- 8 uppercase hex digits
    vr TEXT NOT NULL,
    private_creator TEXT,
    level INTEGER NOT NULL,           -- QueryTagLevel: 0 instance, 1 series, 2 study
    status INTEGER NOT NULL,          -- ExtendedQueryTagStatus: 0 adding, 1 ready, 2 deleting
    query_status INTEGER NOT NULL DEFAULT 1,  -- QueryStatus: 0 disabled, 1 enabled
    operation_id TEXT                 -- the reindex operation, while one is attached
);
CREATE TABLE IF NOT EXISTS extended_query_tag_value (
    tag_key INTEGER NOT NULL,
    instance_key INTEGER NOT NULL,
    series_key INTEGER NOT NULL,
    study_key INTEGER NOT NULL,
    text_value TEXT COLLATE NOCASE,   -- AE AS CS LO SH UI, DA, DT TM (fixed width), PN (folded)
    int_value INTEGER,                -- IS SL SS UL US
    real_value REAL,                  -- FL FD
    display TEXT NOT NULL,            -- the first value as DICOM JSON, for query results
    PRIMARY KEY (tag_key, instance_key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS eqt_value_text ON extended_query_tag_value(tag_key, text_value);
CREATE INDEX IF NOT EXISTS eqt_value_int ON extended_query_tag_value(tag_key, int_value);
CREATE INDEX IF NOT EXISTS eqt_value_real ON extended_query_tag_value(tag_key, real_value);
CREATE INDEX IF NOT EXISTS eqt_value_study
    ON extended_query_tag_value(tag_key, study_key, instance_key);
CREATE INDEX IF NOT EXISTS eqt_value_series
    ON extended_query_tag_value(tag_key, series_key, instance_key);
CREATE TABLE IF NOT EXISTS extended_query_tag_error (
    tag_key INTEGER NOT NULL,
    instance_key INTEGER NOT NULL,
    error_code INTEGER NOT NULL,      -- ValidationErrorCode
    created TEXT NOT NULL,
    PRIMARY KEY (tag_key, instance_key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS eqt_error_instance ON extended_query_tag_error(instance_key);
CREATE INDEX IF NOT EXISTS eqt_value_instance ON extended_query_tag_value(instance_key);
"""

# An operation row is its own checkpoint (see storage.operations).
_OPERATIONS_V1 = """
CREATE TABLE IF NOT EXISTS operation (
    operation_id TEXT PRIMARY KEY,    -- 32 lowercase hex digits, as the docs show ids
    type TEXT NOT NULL,               -- reindex
    status TEXT NOT NULL,             -- OperationStatus, camelCase
    created TEXT NOT NULL,
    last_updated TEXT NOT NULL,
    percent_complete INTEGER NOT NULL DEFAULT 0,
    resources TEXT NOT NULL,          -- JSON list of the affected tag paths
    end_key INTEGER NOT NULL,         -- the highest instance key when it started
    cursor INTEGER NOT NULL DEFAULT 0, -- instances with keys up to here are done
    total INTEGER NOT NULL,           -- instances to process when it started
    done INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS operation_status ON operation(status, created);
"""

# The person-name FTS table and its triggers came after the first data dirs: there the
# CREATEs above made an FTS index that lacks every study stored before them. 'rebuild'
# re-reads the study table (an external-content table's source), whatever the index held.
_BACKFILL_PERSON_NAMES = """
INSERT INTO study_person_names (study_person_names) VALUES ('rebuild');
"""

# -- version 2 -------------------------------------------------------------------------

# The instance -> series -> study join, written once. SQLite flattens a view like this
# into the query that uses it, so a query on the view keeps the tables' own indexes.
_INSTANCE_UIDS = """
CREATE VIEW instance_uids AS
SELECT i.instance_key, i.series_key, i.study_key,
       st.study_uid, se.series_uid, i.sop_uid,
       i.sop_class_uid, i.transfer_syntax, i.blob, i.size, i.number_of_frames,
       i.created, i.metadata
FROM instance i
JOIN series se ON se.series_key = i.series_key
JOIN study st ON st.study_key = i.study_key;
"""

# -- version 3: data partitions ---------------------------------------------------------

# The service's Partition table (Partition.sql): key 1 is Microsoft.Default
# (Partition.DefaultKey), and every row of data belongs to one partition. Names are
# compared without case, like the service's VARCHAR column under SQL Server's default
# (case-insensitive) collation. ``feature_flag`` records what the service was created
# with (data partitions), so a data dir keeps its setting across restarts.
_PARTITIONS = f"""
CREATE TABLE partition (
    partition_key INTEGER PRIMARY KEY AUTOINCREMENT,
    partition_name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created TEXT NOT NULL             -- ISO 8601 UTC, as the change feed's timestamps
);
INSERT INTO partition (partition_key, partition_name, created)
VALUES ({DEFAULT_PARTITION_KEY}, '{DEFAULT_PARTITION_NAME}',
        strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now'));
CREATE TABLE feature_flag (
    name TEXT PRIMARY KEY,
    enabled INTEGER NOT NULL
);
"""

# A study's UID is unique per partition. The UNIQUE constraint is part of the table, so
# SQLite needs the table made again: its rows wait in a temporary copy while the table is
# dropped and created anew with the same study_key values, so series, instances and the
# person-name FTS index (rowid = study_key) stay valid. Foreign keys are checked at
# commit, when every series has its study back; the triggers and indexes went with the
# old table and are made again (the triggers after the copy, which the FTS index already
# holds); the view is dropped first and made again with the partition's key.
# Series and instances are unique per study and series, so per partition already: they
# get the column only, for the partition's own reads.
_STUDY_PER_PARTITION = """
PRAGMA defer_foreign_keys = ON;
DROP VIEW instance_uids;
CREATE TEMP TABLE study_copy AS SELECT * FROM study;
-- Keys are never reused: keep the old table's counter (its newest study may be deleted).
CREATE TEMP TABLE study_counter AS SELECT seq FROM sqlite_sequence WHERE name = 'study';
DROP TABLE study;
CREATE TABLE study (
    study_key INTEGER PRIMARY KEY AUTOINCREMENT,
    partition_key INTEGER NOT NULL DEFAULT 1 REFERENCES partition(partition_key),
    study_uid TEXT NOT NULL,
    patient_id TEXT COLLATE NOCASE,
    patient_name TEXT,                -- normalized: case- and accent-folded
    patient_birth_date TEXT,
    accession_number TEXT COLLATE NOCASE,
    referring_physician_name TEXT,    -- normalized like patient_name
    study_date TEXT,
    study_description TEXT COLLATE NOCASE,
    attributes TEXT NOT NULL,         -- DICOM JSON of the study-level attributes
    UNIQUE (partition_key, study_uid)
);
INSERT INTO study (study_key, partition_key, study_uid, patient_id, patient_name,
    patient_birth_date, accession_number, referring_physician_name, study_date,
    study_description, attributes)
SELECT study_key, 1, study_uid, patient_id, patient_name, patient_birth_date,
    accession_number, referring_physician_name, study_date, study_description, attributes
FROM temp.study_copy;
DELETE FROM sqlite_sequence WHERE name = 'study';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'study', max(seq) FROM (SELECT seq FROM temp.study_counter
                               UNION ALL SELECT max(study_key) FROM study)
HAVING max(seq) IS NOT NULL;
DROP TABLE temp.study_copy;
DROP TABLE temp.study_counter;
""" + _STUDY_INDEXES + _PERSON_NAME_TRIGGERS + """
ALTER TABLE series ADD COLUMN partition_key INTEGER NOT NULL DEFAULT 1;
ALTER TABLE instance ADD COLUMN partition_key INTEGER NOT NULL DEFAULT 1;
ALTER TABLE changefeed ADD COLUMN partition_key INTEGER NOT NULL DEFAULT 1;
DROP INDEX changefeed_instance;
CREATE INDEX changefeed_instance
    ON changefeed(partition_key, study_uid, series_uid, sop_uid);
CREATE VIEW instance_uids AS
SELECT i.instance_key, i.series_key, i.study_key, st.partition_key,
       st.study_uid, se.series_uid, i.sop_uid,
       i.sop_class_uid, i.transfer_syntax, i.blob, i.size, i.number_of_frames,
       i.created, i.metadata
FROM instance i
JOIN series se ON se.series_key = i.series_key
JOIN study st ON st.study_key = i.study_key;
"""

# -- version 4 -------------------------------------------------------------------------

# QIDO filters on StudyInstanceUID (and every nested route does) without naming the
# partition as an index term (``storage.search``: unary plus), so the (partition_key,
# study_uid) index cannot serve it; before version 3 study_uid's own UNIQUE index did.
_STUDY_UID_INDEX = """
CREATE INDEX IF NOT EXISTS study_uid ON study(study_uid);
"""

# -- version 5: export -------------------------------------------------------------

# An export operation's own checkpoint beside its operation row: the identifiers it was
# given, where it writes, how far it got and what it counted (ExportCheckpoint).
_EXPORTS = """
CREATE TABLE export_operation (
    operation_id TEXT PRIMARY KEY REFERENCES operation(operation_id),
    partition_key INTEGER NOT NULL,   -- the partition it exports from
    identifiers TEXT NOT NULL,        -- JSON list of "study[/series[/sop]]"
    container_url TEXT NOT NULL,      -- blobContainerUri, without a query string
    error_href TEXT NOT NULL,         -- the error log's URL
    next_identifier INTEGER NOT NULL DEFAULT 0,  -- identifiers before it are done
    exported INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0
);
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "the kit's schema before versioning; backfills the person-name index",
              _INSTANCES_V1 + _EXTENDED_QUERY_TAGS_V1 + _OPERATIONS_V1
              + _BACKFILL_PERSON_NAMES),
    Migration(2, "the instance_uids view: an instance with its study and series UIDs",
              _INSTANCE_UIDS),
    Migration(3, "data partitions: the partition table, study UIDs unique per partition",
              _PARTITIONS + _STUDY_PER_PARTITION),
    Migration(4, "an index on study UIDs alone, which version 3's rebuild dropped",
              _STUDY_UID_INDEX),
    Migration(5, "export operations' checkpoints", _EXPORTS),
)

LATEST_VERSION = MIGRATIONS[-1].version
