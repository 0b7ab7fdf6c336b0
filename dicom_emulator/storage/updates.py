"""Bulk update's rows: the update operations, and the switch of a study to its new version.

An update operation is an ``operation`` row (type ``update``) and an ``update_operation``
row holding the request and the progress per study: the checkpoint a restart resumes
from. The new files of a study are written (durably) before :meth:`UpdateStore.switch_study`
moves the index to them in one transaction, which also records the study as processed:
after a crash either the whole study is switched and counted, or nothing is (its new
files are then orphans that start-up recovery removes, and the study is done again).

An updated instance gets a new key, its watermark (``storage.index``: a key doubles as
one): the change feed then reads the instance's earlier entries as Replaced and its
Update entry as Current, as ``EndUpdateInstanceV54`` leaves them (``CurrentWatermark``
moved to the new watermark). Its first version is kept in ``instance_original``
("intermediate versions are not persisted": a second update removes the first's file).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from dicom_emulator.dicom.dicom_json import DicomJson
from dicom_emulator.storage import changefeed, operations
from dicom_emulator.storage.changefeed import ChangeFeedAction, utc_timestamp
from dicom_emulator.storage.index import ORIGINAL_VERSIONS, Index, InstanceKeys
from dicom_emulator.storage.operations import ACTIVE, Operation, OperationStatus

__all__ = ["ActiveUpdateError", "CurrentInstance", "StudyGoneError", "TargetExistsError",
           "UpdateJob", "UpdateStore", "UpdatedInstance"]

UPDATE = "update"


@dataclass(frozen=True)
class UpdateJob:
    """An update operation's request and how far it has got."""

    operation_id: str
    partition_key: int
    study_uids: list[str]
    series_uid: str | None
    sop_uid: str | None
    change_dataset: DicomJson
    processed: int
    updated: int
    failed: int
    instances_updated: int
    errors: list[str]
    partition_name: str


@dataclass(frozen=True)
class CurrentInstance:
    """An instance as it is before an update: what its new version is made from."""

    instance_key: int
    study_uid: str
    series_uid: str
    sop_uid: str
    transfer_syntax: str
    blob: str
    size: int
    metadata: str


@dataclass
class UpdatedInstance:
    """The new version of one instance, its file already durable."""

    current: CurrentInstance
    study_uid: str
    series_uid: str
    sop_uid: str
    blob: str
    size: int
    metadata: DicomJson
    study_attributes: str
    series_attributes: str
    instance_attributes: str
    # Only the index columns of the study that the change dataset changes.
    study_columns: dict[str, Any] = field(default_factory=dict)


class ActiveUpdateError(Exception):
    def __init__(self, operation_id: str):
        super().__init__(operation_id)
        self.operation_id = operation_id


class StudyGoneError(Exception):
    """The study was deleted while its new version was being written."""


class TargetExistsError(Exception):
    """A UID update's target study, series or instance exists already."""


@dataclass
class SwitchResult:
    """What a switch did: instances updated, and files to remove after the commit."""

    updated: int
    obsolete_blobs: list[str]


_JOB_COLUMNS = ("u.operation_id, u.partition_key, u.study_uids, u.series_uid, u.sop_uid,"
                " u.change_dataset, u.processed, u.updated, u.failed, u.instances_updated,"
                " u.errors, p.partition_name")


def _job(row: Any) -> UpdateJob:
    values = list(row)
    values[2], values[5], values[10] = (json.loads(values[i]) for i in (2, 5, 10))
    return UpdateJob(*values)


def _columns(conn: sqlite3.Connection, table: str, skip: set[str]) -> list[str]:
    """A table's columns (other branches add some: a copy must carry them all)."""
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table})") if row[1] not in skip]


class UpdateStore:
    """Update operations and the index switches they make, on the index's database."""

    def __init__(self, index: Index):
        self.index = index
        self.database = index.database

    # -- operations ----------------------------------------------------------------------

    def active_for(self, partition_key: int, study_uids: list[str],
                   conn: sqlite3.Connection | None = None) -> Operation | None:
        """An update operation not yet finished that covers any of these studies (of the
        partition ``partition_key``)."""
        conn = conn or self.database.reader()
        wanted = set(study_uids)
        for operation_id, uids in conn.execute(
                "SELECT o.operation_id, u.study_uids FROM operation o JOIN update_operation u"
                " ON u.operation_id = o.operation_id WHERE o.status IN (?, ?)"
                " AND u.partition_key = ? ORDER BY o.created", (*ACTIVE, partition_key)):
            if wanted.intersection(json.loads(uids)):
                return operations.get(conn, operation_id)
        return None

    def queue(self, partition_key: int, study_uids: list[str], change_dataset: DicomJson,
              series_uid: str | None = None, sop_uid: str | None = None) -> Operation:
        """A new update operation, not started.

        Raises
        ------
        ActiveUpdateError
            An update operation not yet finished covers one of the studies (checked in
            the same transaction, so two requests cannot both pass).
        """
        with self.database.transaction() as conn:
            active = self.active_for(partition_key, study_uids, conn)
            if active is not None:
                raise ActiveUpdateError(active.operation_id)
            operation = operations.create(conn, UPDATE, [])
            conn.execute(
                "UPDATE operation SET end_key = 0, total = ? WHERE operation_id = ?",
                (len(study_uids), operation.operation_id))
            conn.execute(
                "INSERT INTO update_operation (operation_id, partition_key, study_uids,"
                " series_uid, sop_uid, change_dataset) VALUES (?, ?, ?, ?, ?, ?)",
                (operation.operation_id, partition_key, json.dumps(study_uids), series_uid,
                 sop_uid, json.dumps(change_dataset)))
        return operation

    def next_job(self) -> UpdateJob | None:
        """The oldest update operation not finished (a restart resumes it first)."""
        operation = operations.first_active(self.database.reader(), UPDATE)
        return self.job(operation.operation_id) if operation is not None else None

    def job(self, operation_id: str) -> UpdateJob | None:
        row = self.database.reader().execute(
            f"SELECT {_JOB_COLUMNS} FROM update_operation u JOIN partition p"
            " ON p.partition_key = u.partition_key WHERE u.operation_id = ?",
            (operation_id,)).fetchone()
        return _job(row) if row else None

    def start(self, operation_id: str) -> None:
        with self.database.transaction() as conn:
            operations.set_status(conn, operation_id, OperationStatus.RUNNING)

    def finish(self, operation_id: str) -> None:
        """Succeeded, or failed when a study failed (the orchestration throws then)."""
        with self.database.transaction() as conn:
            failed = conn.execute("SELECT failed FROM update_operation WHERE operation_id = ?",
                                  (operation_id,)).fetchone()[0]
            status = OperationStatus.FAILED if failed else OperationStatus.SUCCEEDED
            operations.set_status(conn, operation_id, status)
            conn.execute("UPDATE operation SET percent_complete = 100 WHERE operation_id = ?",
                         (operation_id,))

    def _progress(self, conn: sqlite3.Connection, operation_id: str, updated: int,
                  failed: int, instances: int, errors: list[str]) -> None:
        """One more study processed (``UpdateCheckpoint``: percent of studies processed)."""
        conn.execute(
            "UPDATE update_operation SET processed = processed + 1, updated = updated + ?,"
            " failed = failed + ?, instances_updated = instances_updated + ?,"
            " errors = ? WHERE operation_id = ?",
            (updated, failed, instances, json.dumps(errors), operation_id))
        conn.execute(
            "UPDATE operation SET cursor = cursor + 1, done = done + ?, last_updated = ?,"
            " percent_complete = (cursor + 1) * 100 / MAX(total, 1) WHERE operation_id = ?",
            (instances, operations.utc_now(), operation_id))

    def skip_study(self, job: UpdateJob) -> None:
        """A study with nothing to update: processed, neither updated nor failed."""
        with self.database.transaction() as conn:
            self._progress(conn, job.operation_id, 0, 0, 0, job.errors)

    def fail_study(self, job: UpdateJob, errors: list[str]) -> None:
        with self.database.transaction() as conn:
            self._progress(conn, job.operation_id, 0, 1, 0, job.errors + errors)

    # -- instances -----------------------------------------------------------------------

    def instances(self, partition_key: int, study_uid: str, series_uid: str | None = None,
                  sop_uid: str | None = None) -> list[CurrentInstance]:
        """The instances an update of this study (series, instance) covers, as they are."""
        where, params = "partition_key = ? AND study_uid = ?", [partition_key, study_uid]
        for column, value in (("series_uid", series_uid), ("sop_uid", sop_uid)):
            if value is not None:
                where += f" AND {column} = ?"
                params.append(value)
        rows = self.database.reader().execute(
            "SELECT instance_key, study_uid, series_uid, sop_uid, transfer_syntax, blob, size,"
            f" metadata FROM instance_uids WHERE {where} ORDER BY instance_key", params)
        return [CurrentInstance(*row) for row in rows]

    def switch_study(self, job: UpdateJob, study_uid: str,
                     versions: list[UpdatedInstance]) -> SwitchResult:
        """Move the index of a study to the new versions, and count the study as updated.

        Instances deleted or replaced since their new file was written are left out
        (their new files are returned as obsolete), as ``EndUpdateInstance`` updates only
        the rows that ``BeginUpdateInstance`` marked.

        Raises
        ------
        StudyGoneError
            The study no longer exists ("Study does not exist").
        TargetExistsError
            A new UID names a study, series or instance that exists already.
        """
        obsolete: list[str] = []
        with self.database.transaction() as conn:
            row = conn.execute("SELECT study_key FROM study WHERE partition_key = ?"
                               " AND study_uid = ?", (job.partition_key, study_uid)).fetchone()
            if row is None:
                raise StudyGoneError(study_uid)
            targets = _Targets(conn, job.partition_key)
            live: list[tuple[UpdatedInstance, int, int]] = []
            for version in versions:
                found = conn.execute(
                    "SELECT series_key, study_key, blob FROM instance WHERE instance_key = ?",
                    (version.current.instance_key,)).fetchone()
                if found is None or found[2] != version.current.blob:
                    obsolete.append(version.blob)
                    continue
                targets.check(version)
                live.append((version, found[0], found[1]))
            now = utc_timestamp()
            changed = []
            for version, series_key, study_key in live:
                keys = targets.keys_for(version, series_key, study_key)
                obsolete.extend(self._rekey(conn, job.partition_key, version, keys))
                changed.append((version.study_uid, version.series_uid, version.sop_uid,
                                keys.instance_key))
            _drop_empty(conn, {s for _, s, _ in live}, {s for _, _, s in live})
            changefeed.record(conn, ChangeFeedAction.UPDATE, now, changed,
                              partition_key=job.partition_key)
            self._progress(conn, job.operation_id, 1, 0, len(live), job.errors)
        return SwitchResult(len(live), obsolete)

    def _rekey(self, conn: sqlite3.Connection, partition_key: int, version: UpdatedInstance,
               keys: InstanceKeys) -> list[str]:
        """Give the instance its new version under a new key; the files it made obsolete."""
        old = version.current
        for table in self.index.instance_tables:
            if table != ORIGINAL_VERSIONS:
                conn.execute(f"DELETE FROM {table} WHERE instance_key = ?", (old.instance_key,))
        conn.execute(
            "UPDATE instance SET instance_key = ?, series_key = ?, study_key = ?, sop_uid = ?,"
            " blob = ?, size = ?, attributes = ?, metadata = ? WHERE instance_key = ?",
            (keys.instance_key, keys.series_key, keys.study_key, version.sop_uid, version.blob,
             version.size, version.instance_attributes,
             json.dumps(version.metadata, ensure_ascii=False, separators=(",", ":")),
             old.instance_key))
        kept = conn.execute(f"UPDATE {ORIGINAL_VERSIONS} SET instance_key = ?"
                            " WHERE instance_key = ?", (keys.instance_key, old.instance_key))
        obsolete = []
        if kept.rowcount:  # updated before: the version being replaced is an intermediate one
            obsolete.append(old.blob)
        else:
            conn.execute(
                f"INSERT INTO {ORIGINAL_VERSIONS} (instance_key, partition_key, blob, size,"
                " transfer_syntax, metadata) VALUES (?, ?, ?, ?, ?, ?)",
                (keys.instance_key, partition_key, old.blob, old.size, old.transfer_syntax,
                 old.metadata))
        columns = dict(version.study_columns, attributes=version.study_attributes)
        conn.execute(f"UPDATE study SET {', '.join(f'{c} = ?' for c in columns)}"
                     " WHERE study_key = ?", (*columns.values(), keys.study_key))
        conn.execute("UPDATE series SET attributes = ? WHERE series_key = ?",
                     (version.series_attributes, keys.series_key))
        for extension in self.index.extensions:
            extension.add_instance(conn, keys, version.metadata)
        return obsolete


class _Targets:
    """Where each new version goes: its study and series rows, made for new UIDs."""

    def __init__(self, conn: sqlite3.Connection, partition_key: int):
        self.conn = conn
        self.partition_key = partition_key
        self.studies: dict[str, int] = {}
        self.series: dict[tuple[str, str], int] = {}

    def check(self, v: UpdatedInstance) -> None:
        old, conn, key = v.current, self.conn, self.partition_key
        if v.study_uid != old.study_uid:
            exists = conn.execute("SELECT 1 FROM study WHERE partition_key = ?"
                                  " AND study_uid = ?", (key, v.study_uid))
        elif v.series_uid != old.series_uid:
            exists = conn.execute(
                "SELECT 1 FROM series se JOIN study st ON st.study_key = se.study_key"
                " WHERE st.partition_key = ? AND st.study_uid = ? AND se.series_uid = ?",
                (key, v.study_uid, v.series_uid))
        elif v.sop_uid != old.sop_uid:
            exists = conn.execute(
                "SELECT 1 FROM instance_uids WHERE partition_key = ? AND study_uid = ?"
                " AND series_uid = ? AND sop_uid = ?",
                (key, v.study_uid, v.series_uid, v.sop_uid))
        else:
            return
        if exists.fetchone() is not None:
            raise TargetExistsError(v.study_uid, v.series_uid, v.sop_uid)

    def keys_for(self, v: UpdatedInstance, series_key: int, study_key: int) -> InstanceKeys:
        old = v.current
        if v.study_uid != old.study_uid:
            if v.study_uid not in self.studies:
                self.studies[v.study_uid] = self._copy("study", "study_key", study_key,
                                                       study_uid=v.study_uid)
            study_key = self.studies[v.study_uid]
        if (v.study_uid, v.series_uid) != (old.study_uid, old.series_uid):
            target = (v.study_uid, v.series_uid)
            if target not in self.series:
                self.series[target] = self._copy("series", "series_key", series_key,
                                                 study_key=study_key, series_uid=v.series_uid)
            series_key = self.series[target]
        return InstanceKeys(self._next_instance_key(), series_key, study_key)

    def _copy(self, table: str, key: str, value: int, **changes: Any) -> int:
        columns = _columns(self.conn, table, {key, *changes})
        names = ", ".join([*columns, *changes])
        return int(self.conn.execute(
            f"INSERT INTO {table} ({names}) SELECT {', '.join(columns)},"
            f" {', '.join('?' * len(changes))} FROM {table} WHERE {key} = ? RETURNING {key}",
            (*changes.values(), value)).fetchone()[0])

    def _next_instance_key(self) -> int:
        # AUTOINCREMENT's counter, advanced by hand: the row is moved, not inserted.
        conn = self.conn
        last = conn.execute("SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE"
                            " name = 'instance'), 0), COALESCE(MAX(instance_key), 0))"
                            " FROM instance").fetchone()[0]
        conn.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = 'instance'", (last + 1,))
        return int(last) + 1


def _drop_empty(conn: sqlite3.Connection, series_keys: set[int], study_keys: set[int]) -> None:
    """Series and studies a UID update emptied go, as a delete's do."""
    conn.executemany("DELETE FROM series WHERE series_key = ? AND NOT EXISTS"
                     " (SELECT 1 FROM instance i WHERE i.series_key = series.series_key)",
                     [(k,) for k in series_keys])
    conn.executemany("DELETE FROM study WHERE study_key = ? AND NOT EXISTS"
                     " (SELECT 1 FROM series se WHERE se.study_key = study.study_key)",
                     [(k,) for k in study_keys])
