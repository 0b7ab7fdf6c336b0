"""STOW-RS, the service: validate each spooled part, make it durable, index it.

Each file is parsed (header only) and validated (:mod:`.rules`), made durable and then
indexed, all instances of a request in one index transaction. What happened to each part
is an :class:`Outcome`; :mod:`.response` turns outcomes into the service's response.
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

from dicom_emulator.dicom.attributes import LEVEL_ATTRIBUTES, Level, normalize_person_name
from dicom_emulator.dicom.dicom_json import DicomJson, subset, to_metadata
from dicom_emulator.dicom.validation import AttributeProblem, first_value, uid_value
from dicom_emulator.features.store.body import ReceivedPart
from dicom_emulator.features.store.rules import (
    REQUIRED_UIDS,
    SERIES_COLUMNS,
    STUDY_COLUMNS,
    optional_problems,
    read_header,
    required_problems,
)
from dicom_emulator.storage.blobs import BlobStore
from dicom_emulator.storage.index import Index, NewInstance

log = logging.getLogger(__name__)

# FailureReasonCodes.cs / WarningReasonCodes.cs
PROCESSING_FAILURE = 272
VALIDATION_FAILURE = 43264
SOP_INSTANCE_ALREADY_EXISTS = 45070
PENDING_SOP_INSTANCE = 45071
DATASET_DOES_NOT_MATCH_SOP_CLASS = 45063
DATASET_HAS_VALIDATION_WARNINGS = 1

STUDY_MISMATCH = (
    "The StudyInstanceUid in the payload does not match the specified StudyInstanceUid."
)


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
        self._pending: set[tuple[str, str, str]] = set()
        self._pending_lock = threading.Lock()

    def store(self, parts: list[ReceivedPart], study_uid: str | None,
              api: int) -> list[Outcome]:
        outcomes: list[Outcome] = []
        records: list[tuple[NewInstance, Outcome, tuple[str, str, str]]] = []
        try:
            for part in parts:
                outcome, record = self._prepare(part.path, study_uid, api)
                outcomes.append(outcome)
                if record is not None:
                    records.append((record, outcome, (record.study_uid, record.series_uid,
                                                      record.sop_uid)))
            results = self.index.add_instances([r for r, _, _ in records]) if records else []
            for (record, outcome, _), error in zip(records, results, strict=True):
                if error is not None:
                    outcome.failure = SOP_INSTANCE_ALREADY_EXISTS
                    self.blobs.remove(record.blob)
        finally:
            with self._pending_lock:
                for _, _, key in records:
                    self._pending.discard(key)
        return outcomes

    def _prepare(self, path: Path, study_uid: str | None,
                 api: int) -> tuple[Outcome, NewInstance | None]:
        outcome = Outcome()
        try:
            ds = read_header(path)
            ds.StudyInstanceUID  # noqa: B018 - forces a parse of the header up to here
        except Exception as exc:  # pydicom raises many types for files it cannot read
            log.info("unreadable instance: %s", exc)
            outcome.failure = PROCESSING_FAILURE
            return outcome, None
        outcome.sop_class_uid = uid_value(ds, "SOPClassUID")
        outcome.sop_uid = uid_value(ds, "SOPInstanceUID")
        problems = required_problems(ds, api)
        if problems:
            outcome.failure = VALIDATION_FAILURE
            outcome.comments = [p.comment() for p in problems]
            return outcome, None
        uids = tuple(uid_value(ds, k) or "" for k in REQUIRED_UIDS[:3])
        study, series, sop = uids
        outcome.study_uid, outcome.series_uid = study, series
        if study_uid is not None and study != study_uid:
            outcome.failure = VALIDATION_FAILURE
            outcome.comments = [STUDY_MISMATCH]
            return outcome, None
        invalid = optional_problems(ds, api)
        if api < 2:
            for hook in self.hooks:
                invalid += hook.v1_problems(ds)
        if api < 2 and invalid:
            outcome.failure = VALIDATION_FAILURE
            outcome.comments = [p.comment() for p in invalid]
            return outcome, None
        if self.index.instance_exists(study, series, sop):
            outcome.failure = SOP_INSTANCE_ALREADY_EXISTS
            return outcome, None
        with self._pending_lock:
            if (study, series, sop) in self._pending:
                outcome.failure = PENDING_SOP_INSTANCE
                return outcome, None
            self._pending.add((study, series, sop))
        try:
            record = self._record(ds, path, invalid, outcome)
        except BaseException:
            with self._pending_lock:
                self._pending.discard((study, series, sop))
            raise
        if ds.file_meta.get("TransferSyntaxUID") == ImplicitVRLittleEndian:
            outcome.warning = DATASET_DOES_NOT_MATCH_SOP_CLASS
        elif invalid:
            outcome.warning = DATASET_HAS_VALIDATION_WARNINGS
        if invalid:
            outcome.comments = [p.comment() for p in invalid]
        return outcome, record

    def _record(self, ds: Dataset, path: Path, invalid: list[AttributeProblem],
                outcome: Outcome) -> NewInstance:
        dropped = {p.tag for p in invalid}
        metadata = to_metadata(ds, dropped)
        study_columns: dict[str, str | None] = {}
        series_columns: dict[str, str | None] = {}
        for searchable, columns in [(s, study_columns) for s in STUDY_COLUMNS] + [
            (s, series_columns) for s in SERIES_COLUMNS
        ]:
            tag = int(searchable.tag, 16)
            value, multiple = (None, False) if tag in dropped else first_value(ds, tag)
            outcome.multiple_values |= multiple
            if value is not None and searchable.vr == "PN":
                value = normalize_person_name(value)
            columns[searchable.column] = value
        frames, _ = first_value(ds, 0x00280008)
        size = path.stat().st_size
        blob = self.blobs.commit(path, has_preamble=ds.preamble is not None)
        return NewInstance(
            study_uid=outcome.study_uid or "", series_uid=outcome.series_uid or "",
            sop_uid=outcome.sop_uid or "", sop_class_uid=outcome.sop_class_uid or "",
            transfer_syntax=str(ds.file_meta.get("TransferSyntaxUID", ImplicitVRLittleEndian)),
            blob=blob, size=size,
            number_of_frames=int(frames) if frames and frames.strip().isdigit() else 1,
            study_columns=study_columns, series_columns=series_columns,
            study_attributes=_json(subset(metadata, LEVEL_ATTRIBUTES[Level.STUDY])),
            series_attributes=_json(subset(metadata, LEVEL_ATTRIBUTES[Level.SERIES])),
            instance_attributes=_json(subset(metadata, LEVEL_ATTRIBUTES[Level.INSTANCE])),
            metadata=_json(metadata), parsed_metadata=metadata,
        )


def _json(value: DicomJson) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
