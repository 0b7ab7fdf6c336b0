"""The instance repository: stores in one transaction with a savepoint per instance,
deletes that cascade, and the rows of its extensions."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest

from dicom_emulator.dicom.dicom_json import DicomJson
from dicom_emulator.storage.changefeed import ChangeFeedAction
from dicom_emulator.storage.extended_query_tags import (
    ExtendedQueryTagStore,
    NewTag,
    TagLevel,
)
from dicom_emulator.storage.index import Index, InstanceExistsError, InstanceKeys
from tests.storage.records import new_instance, rows

STUDY, OTHER_STUDY = "1.2.826.0.1.1", "1.2.826.0.1.2"
SERIES, OTHER_SERIES = f"{STUDY}.1", f"{STUDY}.2"
ACCESSION = "00080050"


class Notes:
    """An extension with a table of its own: one note per stored instance."""

    def __init__(self, table: str = "note") -> None:
        self.table = table
        self.instance_tables: Sequence[str] = (table,)

    def add_instance(self, conn: sqlite3.Connection, keys: InstanceKeys,
                     metadata: DicomJson) -> None:
        conn.execute(f"INSERT INTO {self.table} (instance_key, sop_uid) VALUES (?, ?)",
                     (keys.instance_key, metadata["00080018"]["Value"][0]))


def _with_notes(path: Path, notes: Notes) -> Index:
    index = Index(path, extensions=[notes])
    with index.database.transaction() as conn:
        conn.execute("CREATE TABLE note (instance_key INTEGER PRIMARY KEY, sop_uid TEXT)")
    return index


def _sop_uid(metadata: str) -> str:
    uid: str = json.loads(metadata)["00080018"]["Value"][0]
    return uid


def _changes(index: Index) -> list[tuple[object, ...]]:
    return rows(index, "SELECT action, sop_uid, watermark FROM changefeed ORDER BY sequence")


def _accession_tag(index: Index) -> ExtendedQueryTagStore:
    tags = ExtendedQueryTagStore(index.database)
    tags.add([NewTag(ACCESSION, "SH", None, TagLevel.INSTANCE)], max_count=128)
    return tags


def _accession(number: str) -> DicomJson:
    return {ACCESSION: {"vr": "SH", "Value": [number]}}


# -- add_instances ---------------------------------------------------------------------


def test_a_record_that_meets_a_stored_instance_rolls_back_alone(index: Index) -> None:
    _accession_tag(index)
    assert index.add_instances([
        new_instance(STUDY, SERIES, f"{SERIES}.1", extra=_accession("A1")),
    ]).errors == [None]

    outcomes = index.add_instances([
        new_instance(STUDY, SERIES, f"{SERIES}.2", patient_name="roe^rita",
                     extra=_accession("A2")),
        new_instance(STUDY, OTHER_SERIES, f"{SERIES}.1", patient_name="roe^rita",
                     extra=_accession("A3")),  # in another series: another instance
        new_instance(STUDY, SERIES, f"{SERIES}.1", patient_name="zed^zoe", modality="MR",
                     extra=_accession("A9")),  # the stored one again
        new_instance(OTHER_STUDY, f"{OTHER_STUDY}.1", f"{OTHER_STUDY}.1.1",
                     extra=_accession("A4")),
    ]).errors

    assert [type(o) for o in outcomes] == [type(None), type(None), InstanceExistsError,
                                           type(None)]
    keys = rows(index, "SELECT instance_key, sop_uid FROM instance ORDER BY instance_key")
    assert [sop for _, sop in keys] == [f"{SERIES}.1", f"{SERIES}.2", f"{SERIES}.1",
                                        f"{OTHER_STUDY}.1.1"]
    # The failed record's study and series upserts went with it.
    assert rows(index, "SELECT study_uid, patient_name FROM study ORDER BY study_key") == [
        (STUDY, "roe^rita"), (OTHER_STUDY, "doe^jane")]
    assert rows(index, "SELECT series_uid, modality FROM series ORDER BY series_key") == [
        (SERIES, "CT"), (OTHER_SERIES, "CT"), (f"{OTHER_STUDY}.1", "CT")]
    # One Create per stored instance, none for the failed one; extension rows likewise.
    assert _changes(index) == [(int(ChangeFeedAction.CREATE), sop, key) for key, sop in keys]
    assert rows(index, "SELECT instance_key, text_value FROM extended_query_tag_value"
                       " ORDER BY instance_key") == [
        (keys[0][0], "A1"), (keys[1][0], "A2"), (keys[2][0], "A3"), (keys[3][0], "A4")]


def test_the_same_instance_twice_in_one_batch_is_stored_once(index: Index) -> None:
    record = new_instance(STUDY, SERIES, f"{SERIES}.1")
    outcomes = index.add_instances([record, record]).errors
    assert outcomes[0] is None and isinstance(outcomes[1], InstanceExistsError)
    assert len(index.find_instances(STUDY)) == 1
    assert len(_changes(index)) == 1


def test_an_extension_writes_in_the_store_transaction(tmp_path: Path) -> None:
    index = _with_notes(tmp_path / "index.sqlite", Notes())
    index.add_instances([new_instance(STUDY, SERIES, f"{SERIES}.1")])
    (stored,) = index.find_instances(STUDY)
    assert rows(index, "SELECT instance_key, sop_uid FROM note") == [
        (stored.instance_key, f"{SERIES}.1")]
    index.close()


def test_an_extension_that_fails_fails_the_whole_store(tmp_path: Path) -> None:
    index = Index(tmp_path / "index.sqlite", extensions=[Notes("missing_table")])
    with pytest.raises(sqlite3.OperationalError, match="missing_table"):
        index.add_instances([new_instance(STUDY, SERIES, f"{SERIES}.1")])
    assert index.find_instances(STUDY) == [] and _changes(index) == []
    assert not index.study_exists(STUDY)
    index.close()


# -- reads -----------------------------------------------------------------------------


def test_reads_name_instances_by_their_uids(index: Index) -> None:
    index.add_instances([
        new_instance(STUDY, SERIES, f"{SERIES}.1"),
        new_instance(STUDY, OTHER_SERIES, f"{OTHER_SERIES}.1"),
        new_instance(STUDY, SERIES, f"{SERIES}.2"),
        new_instance(OTHER_STUDY, f"{OTHER_STUDY}.1", f"{OTHER_STUDY}.1.1"),
    ])
    # By series, then in the order they were stored.
    assert [i.sop_uid for i in index.find_instances(STUDY)] == [
        f"{SERIES}.1", f"{SERIES}.2", f"{OTHER_SERIES}.1"]
    assert [i.sop_uid for i in index.find_instances(STUDY, OTHER_SERIES)] == [
        f"{OTHER_SERIES}.1"]
    (found,) = index.find_instances(STUDY, SERIES, f"{SERIES}.2")
    assert (found.study_uid, found.series_uid, found.blob, found.size) == (
        STUDY, SERIES, f"ab/{SERIES}.2.dcm", 1234)
    assert index.find_instances(STUDY, OTHER_SERIES, f"{SERIES}.2") == []
    assert index.instance_exists(STUDY, SERIES, f"{SERIES}.1")
    assert not index.instance_exists(OTHER_STUDY, SERIES, f"{SERIES}.1")
    assert not index.instance_exists(STUDY, OTHER_SERIES, f"{SERIES}.1")  # another series
    assert index.series_exists(STUDY, OTHER_SERIES)
    assert not index.series_exists(OTHER_STUDY, OTHER_SERIES)
    assert [_sop_uid(m) for m in index.metadata(STUDY)] == [
        f"{SERIES}.1", f"{SERIES}.2", f"{OTHER_SERIES}.1"]
    assert [_sop_uid(m) for m in index.metadata(STUDY, SERIES, f"{SERIES}.2")] == [
        f"{SERIES}.2"]
    assert index.all_blob_names() == {f"ab/{SERIES}.1.dcm", f"ab/{SERIES}.2.dcm",
                                      f"ab/{OTHER_SERIES}.1.dcm", f"ab/{OTHER_STUDY}.1.1.dcm"}


# -- delete ----------------------------------------------------------------------------


def test_delete_removes_what_it_empties_and_nothing_more(index: Index) -> None:
    index.add_instances([
        new_instance(STUDY, SERIES, f"{SERIES}.1"),
        new_instance(STUDY, SERIES, f"{SERIES}.2"),
        new_instance(STUDY, OTHER_SERIES, f"{OTHER_SERIES}.1"),
        new_instance(OTHER_STUDY, f"{OTHER_STUDY}.1", f"{OTHER_STUDY}.1.1"),
    ])

    (gone,) = index.delete(STUDY, SERIES, f"{SERIES}.1")
    assert gone.sop_uid == f"{SERIES}.1"
    assert index.series_exists(STUDY, SERIES)  # it still has an instance

    assert [g.sop_uid for g in index.delete(STUDY, SERIES)] == [f"{SERIES}.2"]
    assert not index.series_exists(STUDY, SERIES) and index.series_exists(STUDY, OTHER_SERIES)
    assert index.study_exists(STUDY)

    assert [g.sop_uid for g in index.delete(STUDY)] == [f"{OTHER_SERIES}.1"]
    assert not index.study_exists(STUDY) and index.study_exists(OTHER_STUDY)
    assert rows(index, "SELECT COUNT(*) FROM series") == [(1,)]
    assert index.delete(STUDY) == []  # nothing left to delete: no change-feed entry either
    assert [c[0] for c in _changes(index)] == [0, 0, 0, 0, 1, 1, 1]


def test_delete_takes_extension_rows_and_the_person_name_entry(index: Index) -> None:
    _accession_tag(index)
    index.add_instances([
        new_instance(STUDY, SERIES, f"{SERIES}.1", extra=_accession("A1")),
        new_instance(OTHER_STUDY, f"{OTHER_STUDY}.1", f"{OTHER_STUDY}.1.1",
                     patient_name="doe^john", extra=_accession("A2")),
    ])
    index.delete(STUDY)
    assert rows(index, "SELECT text_value FROM extended_query_tag_value") == [("A2",)]
    fuzzy = "SELECT rowid FROM study_person_names WHERE study_person_names MATCH ?"
    study_keys = rows(index, "SELECT study_key FROM study")
    assert rows(index, fuzzy, 'patient_name : "doe"*') == study_keys


def test_delete_records_its_change_feed_entries_in_its_transaction(tmp_path: Path) -> None:
    notes = Notes()
    index = _with_notes(tmp_path / "index.sqlite", notes)
    index.add_instances([new_instance(STUDY, SERIES, f"{SERIES}.{n}") for n in (1, 2)])
    keys = [i.instance_key for i in index.find_instances(STUDY)]

    gone = index.delete(STUDY)
    deletes = rows(index, "SELECT timestamp, sop_uid, watermark FROM changefeed"
                          " WHERE action = 1 ORDER BY sequence")
    assert [(sop, mark) for _, sop, mark in deletes] == [(g.sop_uid, g.instance_key)
                                                         for g in gone]
    assert sorted(g.instance_key for g in gone) == keys
    assert len({timestamp for timestamp, _, _ in deletes}) == 1  # one change, one moment
    assert rows(index, "SELECT COUNT(*) FROM note") == [(0,)]
    index.close()


def test_a_delete_that_fails_leaves_no_change_feed_entry(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    index = _with_notes(path, Notes())
    index.add_instances([new_instance(STUDY, SERIES, f"{SERIES}.1")])
    # Another build of the index whose second extension names a table that is not there.
    broken = Index(path, extensions=[Notes(), Notes("missing_table")])

    with pytest.raises(sqlite3.OperationalError, match="missing_table"):
        broken.delete(STUDY)
    assert [c[0] for c in _changes(index)] == [int(ChangeFeedAction.CREATE)]
    assert index.instance_exists(STUDY, SERIES, f"{SERIES}.1")
    assert rows(index, "SELECT COUNT(*) FROM note") == [(1,)]
    broken.close()
    index.close()
