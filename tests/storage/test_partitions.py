"""The partition table and the upgrade of a data dir made before data partitions.

Version numbers are never written here: other features append migrations too. The
partitions migration is found by what it adds, and the database before it is made by
every migration before it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from dicom_emulator.dicom.attributes import Level
from dicom_emulator.dicom.matching import Exact
from dicom_emulator.storage.changefeed import ChangeFeedReader
from dicom_emulator.storage.database import migrate, schema_version
from dicom_emulator.storage.index import Index
from dicom_emulator.storage.partitions import PartitionStore
from dicom_emulator.storage.schema import LATEST_VERSION, MIGRATIONS
from dicom_emulator.storage.search import Criterion, IndexColumn, find_page, page_sql
from tests.storage.records import new_instance, rows

STUDY, SERIES = "1.2.826.0.3.1", "1.2.826.0.3.1.1"
SOP = f"{SERIES}.1"


def _before_partitions(path: Path) -> None:
    """An index at the version just before the partition table, with two studies stored
    by the kit of then (the second one deleted again)."""
    position = next(i for i, m in enumerate(MIGRATIONS) if "CREATE TABLE partition" in m.script)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=ON")
    migrate(conn, MIGRATIONS[:position])
    conn.executescript("""
    INSERT INTO study (study_uid, patient_name, attributes) VALUES ('1.2.826.0.3.1', 'doe', '{}'),
                                                                   ('9.9', 'roe', '{}');
    INSERT INTO series (study_key, series_uid, attributes) VALUES (1, '1.2.826.0.3.1.1', '{}');
    INSERT INTO instance (series_key, study_key, sop_uid, sop_class_uid, transfer_syntax, blob,
                          size, created, attributes, metadata)
    VALUES (1, 1, '1.2.826.0.3.1.1.1', '1.2.840.10008.5.1.4.1.1.7', '1.2.840.10008.1.2.1',
            'aa/1.dcm', 10, '2025-01-01T00:00:00.000000+00:00', '{}', '{}');
    INSERT INTO changefeed (timestamp, action, study_uid, series_uid, sop_uid, watermark)
    VALUES ('2025-01-01T00:00:00.000000+00:00', 0, '1.2.826.0.3.1', '1.2.826.0.3.1.1',
            '1.2.826.0.3.1.1.1', 1);
    DELETE FROM study WHERE study_uid = '9.9';
    """)
    conn.close()


def test_a_data_dir_from_before_partitions_is_upgraded_into_the_default_one(
        tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    _before_partitions(path)
    index = Index(path)
    assert schema_version(index.reader()) == LATEST_VERSION
    (default,) = PartitionStore(index.database).all()
    assert (default.key, default.name) == (1, "Microsoft.Default")
    for table in ("study", "series", "instance", "changefeed"):
        assert rows(index, f"SELECT DISTINCT partition_key FROM {table}") == [(1,)], table
    assert [i.sop_uid for i in index.find_instances(STUDY)] == [SOP]
    (entry,) = ChangeFeedReader(index.reader).by_sequence(0, 10, include_metadata=False)
    assert entry.partition_name == "Microsoft.Default" and entry.current_watermark == 1
    # The person-name index, its triggers and the key counter survived the rebuild.
    assert rows(index, "SELECT rowid FROM study_person_names WHERE study_person_names "
                       "MATCH 'doe'") == [(1,)]
    index.add_instances([new_instance("1.5", "1.5.1", "1.5.1.1", patient_name="ann")])
    assert rows(index, "SELECT study_key FROM study WHERE study_uid = '1.5'") == [(3,)]
    assert rows(index, "SELECT rowid FROM study_person_names WHERE study_person_names "
                       "MATCH 'ann'") == [(3,)]
    assert rows(index, "PRAGMA foreign_key_check") == []
    index.close()


def test_the_same_uids_are_two_instances_in_two_partitions(tmp_path: Path) -> None:
    index = Index(tmp_path / "index.sqlite")
    partitions = PartitionStore(index.database)
    other = partitions.get_or_add("p1")
    assert partitions.get_or_add("p1") == other and partitions.get("P1") == other
    for key in (1, other.key):
        assert index.add_instances([new_instance(STUDY, SERIES, SOP)],
                                   partition_key=key).errors == [None]
    again = index.add_instances([new_instance(STUDY, SERIES, SOP)], partition_key=other.key)
    assert again.errors != [None]
    first, second = (index.find_instances(STUDY, partition_key=k)[0] for k in (1, other.key))
    assert first.instance_key != second.instance_key
    assert find_page(index.reader(), Level.STUDY, [], 10, 0, partition_key=other.key) == [
        second.study_key]
    assert [g.instance_key for g in index.delete(STUDY, partition_key=other.key)] == [
        second.instance_key]
    assert index.instance_exists(STUDY, SERIES, SOP)
    assert not index.study_exists(STUDY, partition_key=other.key)
    index.close()


def test_a_study_uid_filter_is_an_index_search_in_a_partition(tmp_path: Path) -> None:
    """QIDO's StudyInstanceUID filter (every nested route has one) must not scan the
    studies because the partition is part of the search."""
    index = Index(tmp_path / "index.sqlite")
    criterion = Criterion(IndexColumn(Level.STUDY, "study_uid"), Exact(STUDY))
    for level in (Level.STUDY, Level.SERIES, Level.INSTANCE):
        sql, params = page_sql(level, [criterion], 10, 0, 2)
        plan = [row[3] for row in index.reader().execute("EXPLAIN QUERY PLAN " + sql, params)]
        assert plan[0].startswith("SEARCH st USING INDEX"), (level, plan)
    index.close()
