"""STOW-RS, the service: validate each spooled part, make it durable, index it.

Parts are taken in order. Each file is read (header only), validated (:mod:`.rules`) and
its metadata encoded inside one boundary: whatever goes wrong there is what the service's
``DicomFileException`` / ``ValidationException`` is, failure 43264, and the part leaves no
file behind. Then the file is made durable (a failure there is 272), and all instances of
a request are indexed in one transaction. An upsert (``PUT``) replaces the instances it
finds; the files they had go once that transaction has committed. What happened to each part
is an :class:`Outcome`; :mod:`.response` turns outcomes into the service's response.
A request's files go into one folder, fsynced once before the index transaction (not once
per file): the durability of every acknowledged instance is the same, with one fsync a
request instead of one an instance.
Other features take part in validation through :class:`StoreHook` objects given at
construction; what they write for a stored instance, the index's extensions write
(``storage.index.IndexExtension``), in the same transaction.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from pydicom.dataset import Dataset
from pydicom.uid import ImplicitVRLittleEndian

from dicom_emulator.dicom.attributes import LEVEL_ATTRIBUTES, Level
from dicom_emulator.dicom.dicom_json import DicomJson, subset, to_metadata
from dicom_emulator.dicom.validation import AttributeProblem, first_value, is_valid_uid, uid_value
from dicom_emulator.errors import DataStoreError
from dicom_emulator.features.store.body import ReceivedPart
from dicom_emulator.features.store.rules import (
    INDEXED_TAGS,
    REQUIRED_UIDS,
    SERIES_COLUMNS,
    STUDY_COLUMNS,
    index_columns,
    read_header,
    validate,
)
from dicom_emulator.storage.blobs import BlobStore
from dicom_emulator.storage.index import Index, NewInstance
from dicom_emulator.storage.schema import DEFAULT_PARTITION_KEY

log = logging.getLogger(__name__)

# FailureReasonCodes.cs / WarningReasonCodes.cs
PROCESSING_FAILURE = 272
VALIDATION_FAILURE = 43264
SOP_INSTANCE_ALREADY_EXISTS = 45070
PENDING_SOP_INSTANCE = 45071
DATASET_DOES_NOT_MATCH_SOP_CLASS = 45063
DATASET_HAS_VALIDATION_WARNINGS = 1

@dataclass
class Outcome:
    """What happened to one part of a STOW request."""

    sop_class_uid: str | None = None
    sop_uid: str | None = None
    failure: int | None = None
    warning: int | None = None
    comments: list[str] = field(default_factory=list)
    series_uid: str | None = None
    study_uid: str | None = None
    multiple_values: bool = False
    # v2 success items always carry a FailedAttributesSequence (StoreResponseBuilder).
    report_attributes: bool = False


Key = tuple[int, str, str, str]  # the partition's key and the instance's UIDs


class StoreHook(Protocol):
    """Another feature's part in validating a store (extended query tags have one).

    What a feature writes for a stored instance is the index's business: see
    ``storage.index.IndexExtension``.
    """

    def v1_problems(self, ds: Dataset) -> list[AttributeProblem]:
        """More problems that fail an instance in v1 (v1 validates every indexed value)."""
        ...


class StoreService:
    """Validates and stores instances; safe to call from many threads at once.

    Parameters
    ----------
    index, blobs : Index, BlobStore
        Where instances are indexed and their files kept.
    hooks : sequence of StoreHook
        Other features' parts in validating every store.
    """

    def __init__(self, index: Index, blobs: BlobStore, hooks: Sequence[StoreHook] = ()):
        self.index = index
        self.blobs = blobs
        self.hooks = tuple(hooks)
        self._pending: set[Key] = set()
        self._pending_lock = threading.Lock()

    def store(self, parts: list[ReceivedPart], study_uid: str | None, api: int,
              replace: bool = False, *,
              partition_key: int = DEFAULT_PARTITION_KEY) -> list[Outcome]:
        """Store the parts in order in the partition ``partition_key``; ``replace`` is an
        upsert (``PUT``)."""
        outcomes: list[Outcome] = []
        records: list[tuple[NewInstance, Outcome]] = []
        mine: set[Key] = set()  # the keys this request holds in ``_pending``
        folder = self.blobs.new_folder()
        try:
            for part in parts:
                outcome, record = self._prepare(part.path, study_uid, api, replace, mine,
                                                partition_key, folder)
                outcomes.append(outcome)
                if record is not None:
                    records.append((record, outcome))
        except BaseException:
            self._release(mine)
            for record, _ in records:
                self.blobs.remove(record.blob)
            raise
        try:
            self.blobs.sync_folders([r.blob for r, _ in records])  # removes them if it fails
        except OSError as exc:
            self._release(mine)
            log.warning("could not store instances: %r", exc)
            for _, outcome in records:
                _fail_processing(outcome)
            return outcomes
        except BaseException:
            self._release(mine)
            raise
        try:
            results = self.index.add_instances([r for r, _ in records], replace=replace,
                                               partition_key=partition_key)
        except DataStoreError:
            # The index could not be written (a full disk): what the service's StoreService
            # answers any storage failure of an instance with, 272; their files go.
            for record, outcome in records:
                self.blobs.remove(record.blob)
                _fail_processing(outcome)
            return outcomes
        except BaseException:
            for record, _ in records:
                self.blobs.remove(record.blob)
            raise
        finally:
            self._release(mine)
        self.index.restore_reserve()  # room came back if this store fitted
        for (record, outcome), error in zip(records, results.errors, strict=True):
            if error is not None:
                outcome.failure = SOP_INSTANCE_ALREADY_EXISTS
                self.blobs.remove(record.blob)
        for blob in results.replaced_blobs:  # after the commit, as a delete does
            self.blobs.remove(blob)
        return outcomes

    def _release(self, keys: set[Key]) -> None:
        with self._pending_lock:
            self._pending -= keys

    def _prepare(self, path: Path, study_uid: str | None, api: int, replace: bool,
                 mine: set[Key], partition_key: int,
                 folder: str) -> tuple[Outcome, NewInstance | None]:
        outcome = Outcome()
        try:
            candidate, has_preamble = self._read_and_validate(path, study_uid, api, outcome)
        except Exception as exc:  # every parse error (RecursionError included) is 43264
            log.info("unreadable instance: %r", exc)
            outcome.failure, outcome.warning, outcome.comments = VALIDATION_FAILURE, None, []
            outcome.report_attributes = False
            return outcome, None
        if candidate is None:
            return outcome, None
        key: Key = (partition_key, candidate.study_uid, candidate.series_uid, candidate.sop_uid)
        if key in mine:
            if not replace:  # parts go one after another: the first is stored by now
                outcome.failure = SOP_INSTANCE_ALREADY_EXISTS
                return outcome, None
        elif not replace and self.index.instance_exists(*key[1:], partition_key=partition_key):
            outcome.failure = SOP_INSTANCE_ALREADY_EXISTS
            return outcome, None
        else:
            with self._pending_lock:
                if key in self._pending:
                    outcome.failure = PENDING_SOP_INSTANCE
                    return outcome, None
                self._pending.add(key)
                mine.add(key)
        try:
            candidate.blob = self.blobs.place(path, has_preamble, folder)
        except OSError as exc:
            log.warning("could not store an instance: %r", exc)
            _fail_processing(outcome)
            return outcome, None
        return outcome, candidate

    def _read_and_validate(self, path: Path, study_uid: str | None, api: int,
                           outcome: Outcome) -> tuple[NewInstance | None, bool]:
        """Read, validate and encode one part: no record when validation fails it; and
        whether the file has a preamble."""
        if path.stat().st_size == 0:
            raise ValueError("empty part")
        ds = read_header(path)
        syntax = str(ds.file_meta.get("TransferSyntaxUID", ImplicitVRLittleEndian))
        if not is_valid_uid(syntax):
            # It is written into retrieve's part headers: a NUL or CR/LF there would break
            # (or inject into) the response. fo-dicom cannot read such a file either.
            raise ValueError(f"invalid TransferSyntaxUID {syntax!r}")
        outcome.sop_class_uid = uid_value(ds, "SOPClassUID")
        outcome.sop_uid = uid_value(ds, "SOPInstanceUID")
        extra = [p for hook in self.hooks for p in hook.v1_problems(ds)] if api < 2 else []
        result = validate(ds, study_uid, api, extra)
        if result.errors:
            outcome.failure = VALIDATION_FAILURE
            outcome.comments = result.comments
            return None, False
        study, series, sop = (uid_value(ds, k) or "" for k in REQUIRED_UIDS[:3])
        outcome.study_uid, outcome.series_uid = study, series
        record = self._record(ds, path, result.warnings, outcome)
        if ds.file_meta.get("TransferSyntaxUID") == ImplicitVRLittleEndian:
            outcome.warning = DATASET_DOES_NOT_MATCH_SOP_CLASS
        elif result.warnings:
            outcome.warning = DATASET_HAS_VALIDATION_WARNINGS
        outcome.comments = result.comments
        outcome.report_attributes = api >= 2
        return record, ds.preamble is not None

    def _record(self, ds: Dataset, path: Path, invalid: list[AttributeProblem],
                outcome: Outcome) -> NewInstance:
        """The index record, its file not yet committed (``blob`` is empty)."""
        dropped = {p.tag for p in invalid}
        metadata = to_metadata(ds, dropped)
        # The columns are read from converted values, as when pydicom's encoder converted
        # every element: first_value strips a raw value's parts, pydicom only the whole text.
        for tag in (*INDEXED_TAGS, 0x00280008):
            ds.get(tag)
        study_columns, study_multiple = index_columns(ds, STUDY_COLUMNS, dropped)
        series_columns, series_multiple = index_columns(ds, SERIES_COLUMNS, dropped)
        outcome.multiple_values |= study_multiple or series_multiple
        frames, _ = first_value(ds, 0x00280008)
        return NewInstance(
            study_uid=outcome.study_uid or "", series_uid=outcome.series_uid or "",
            sop_uid=outcome.sop_uid or "", sop_class_uid=outcome.sop_class_uid or "",
            transfer_syntax=str(ds.file_meta.get("TransferSyntaxUID", ImplicitVRLittleEndian)),
            blob="", size=path.stat().st_size,
            number_of_frames=int(frames) if frames and frames.strip().isdigit() else 1,
            study_columns=study_columns, series_columns=series_columns,
            study_attributes=_json(subset(metadata, LEVEL_ATTRIBUTES[Level.STUDY])),
            series_attributes=_json(subset(metadata, LEVEL_ATTRIBUTES[Level.SERIES])),
            instance_attributes=_json(subset(metadata, LEVEL_ATTRIBUTES[Level.INSTANCE])),
            metadata=_utf8_json(metadata), parsed_metadata=metadata,
        )


def _fail_processing(outcome: Outcome) -> None:
    """The service's answer to an instance it could not store (any storage error): 272."""
    outcome.failure, outcome.warning, outcome.comments = PROCESSING_FAILURE, None, []
    outcome.report_attributes = False


def _utf8_json(value: DicomJson) -> str:
    """The JSON text, checked to be encodable (a lone surrogate from a bad value is not)."""
    text = _json(value)
    text.encode("utf-8")
    return text


# json.dumps(value, ensure_ascii=False, separators=(",", ":")), without a new encoder per
# call. Not orjson: it writes 1e-05 as 0.00001 and NaN as null (DS, FL, FD values can be
# either) and fails on integers beyond 64 bits (an IS can be one).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _json(value: DicomJson) -> str:
    return _ENCODER.encode(value)
