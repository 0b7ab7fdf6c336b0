"""STOW-RS: store instances (``POST /studies`` and ``POST /studies/{study}``).

The request body is spooled part by part to temp files; each file is parsed (header
only), validated, made durable and then indexed, all instances of a request in one
index transaction. The response dataset follows ``StoreResponseBuilder``.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydicom import dcmread
from pydicom.datadict import tag_for_keyword
from pydicom.dataset import Dataset
from pydicom.uid import ImplicitVRLittleEndian
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from dicom_emulator.attributes import LEVEL_ATTRIBUTES, SEARCHABLE, Level, normalize_person_name
from dicom_emulator.context import api_version, base_url, require_dicom_json_accept, services
from dicom_emulator.dicomjson import DicomJson, element, subset, to_metadata
from dicom_emulator.features.store_body import discard_parts, spool_parts
from dicom_emulator.media import (
    ReceivedPart,
)
from dicom_emulator.responses import DicomJSONResponse
from dicom_emulator.storage.blobs import BlobStore
from dicom_emulator.storage.index import Index, NewInstance
from dicom_emulator.validation import (
    AttributeProblem,
    check_element,
    check_path_uid,
    first_value,
    is_valid_uid,
    uid_value,
)

log = logging.getLogger(__name__)

# FailureReasonCodes.cs / WarningReasonCodes.cs
PROCESSING_FAILURE = 272
VALIDATION_FAILURE = 43264
SOP_INSTANCE_ALREADY_EXISTS = 45070
PENDING_SOP_INSTANCE = 45071
DATASET_DOES_NOT_MATCH_SOP_CLASS = 45063
DATASET_HAS_VALIDATION_WARNINGS = 1

MULTIPLE_VALUES_WARNING = (
    "One or more indexed Dicom tag(s) have multiple values, only first value is indexed."
)
STUDY_MISMATCH = (
    "The StudyInstanceUid in the payload does not match the specified StudyInstanceUid."
)
_REQUIRED_UIDS = ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "SOPClassUID")
_STUDY_COLUMNS = [s for s in SEARCHABLE if s.level is Level.STUDY and s.column not in
                  ("study_uid", "modalities_in_study")]
_SERIES_COLUMNS = [s for s in SEARCHABLE if s.level is Level.SERIES and s.column != "series_uid"]
_INDEXED_TAGS = [int(s.tag, 16) for s in _STUDY_COLUMNS + _SERIES_COLUMNS]


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


class StoreService:
    """Validates and stores instances; safe to call from many threads at once."""

    def __init__(self, index: Index, blobs: BlobStore):
        self.index = index
        self.blobs = blobs
        self._pending: set[tuple[str, str, str]] = set()
        self._pending_lock = threading.Lock()
        # Extended query tags plug in here (features.extended_query_tag_hooks): problems
        # v1 also fails an instance on, and index writers run in its store transaction.
        self.v1_extra_problems: Callable[[Dataset], list[AttributeProblem]] = lambda ds: []
        self.index_writers: list[
            Callable[[DicomJson], Callable[[sqlite3.Connection, int], None]]
        ] = []

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
            ds = _read_header(path)
            ds.StudyInstanceUID  # noqa: B018 - forces a parse of the header up to here
        except Exception as exc:  # pydicom raises many types for files it cannot read
            log.info("unreadable instance: %s", exc)
            outcome.failure = PROCESSING_FAILURE
            return outcome, None
        outcome.sop_class_uid = uid_value(ds, "SOPClassUID")
        outcome.sop_uid = uid_value(ds, "SOPInstanceUID")
        problems = _required_problems(ds, api)
        if problems:
            outcome.failure = VALIDATION_FAILURE
            outcome.comments = [p.comment() for p in problems]
            return outcome, None
        uids = tuple(uid_value(ds, k) or "" for k in _REQUIRED_UIDS[:3])
        study, series, sop = uids
        outcome.study_uid, outcome.series_uid = study, series
        if study_uid is not None and study != study_uid:
            outcome.failure = VALIDATION_FAILURE
            outcome.comments = [STUDY_MISMATCH]
            return outcome, None
        invalid = _optional_problems(ds, api)
        if api < 2:
            invalid += self.v1_extra_problems(ds)
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
        study_columns, series_columns = {}, {}
        for searchable, columns in [(s, study_columns) for s in _STUDY_COLUMNS] + [
            (s, series_columns) for s in _SERIES_COLUMNS
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
            metadata=_json(metadata),
            extra=[writer(metadata) for writer in self.index_writers],
        )


def _read_header(path: Path) -> Dataset:
    """The header of a Part 10 file, pixel data left unread.

    A file meta group without the 128-byte preamble and ``DICM`` prefix is accepted too:
    it is what ``pydicom.dcmwrite`` makes of an in-memory dataset, so what dicomweb-client's
    ``store_instances`` sends for one.
    """
    with open(path, "rb") as f:
        head = f.read(132)
    no_preamble = head[128:132] != b"DICM" and head[:2] == b"\x02\x00"
    return dcmread(path, stop_before_pixels=True, defer_size=4096, force=no_preamble)


def _json(value: DicomJson) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _required_problems(ds: Dataset, api: int) -> list[AttributeProblem]:
    problems = []
    for keyword in _REQUIRED_UIDS:
        tag = ds.data_element(keyword).tag if keyword in ds else None
        value = uid_value(ds, keyword)
        if tag is None or not value:
            problems.append(AttributeProblem(_tag(keyword), "UI", "", "Value is missing."))
        elif not is_valid_uid(value):
            problems.append(AttributeProblem(tag, "UI", value, "DICOM Identifier is invalid."))
    patient_id = ds.get_item(0x00100020)
    if patient_id is None or (api < 2 and not first_value(ds, 0x00100020)[0]):
        problems.append(AttributeProblem(0x00100020, "LO", "", "Value is missing."))
    return problems


def _optional_problems(ds: Dataset, api: int) -> list[AttributeProblem]:
    """v1: problems with indexed attributes (they fail the instance). v2: with any attribute
    other than the required ones (they become warnings)."""
    required = {_tag(k) for k in _REQUIRED_UIDS}
    tags = _INDEXED_TAGS if api < 2 else [int(t) for t in ds.keys() if int(t) not in required]
    problems = []
    for tag in tags:
        try:
            problem = check_element(ds, tag)
        except Exception as exc:  # a value pydicom cannot even convert is invalid too
            problem = AttributeProblem(tag, ds[tag].VR, "", str(exc))
        if problem is not None:
            problems.append(problem)
    return problems


def _tag(keyword: str) -> int:
    tag = tag_for_keyword(keyword)
    assert tag is not None
    return tag


# -- HTTP --------------------------------------------------------------------------------


def _response_dataset(outcomes: list[Outcome], study_uid: str | None, base: str,
                      api: int) -> DicomJson:
    referenced, failed = [], []
    for o in outcomes:
        if o.failure is None:
            item = {
                "00081150": element("UI", o.sop_class_uid),
                "00081155": element("UI", o.sop_uid),
                "00081190": element("UR", f"{base}/studies/{o.study_uid}/series/{o.series_uid}"
                                          f"/instances/{o.sop_uid}"),
            }
            if o.warning is not None:
                item["00081196"] = element("US", o.warning)
            if api >= 2 and o.comments:
                item["00741048"] = element("SQ", *({"00000902": element("LO", c)}
                                                   for c in o.comments))
            referenced.append(item)
        else:
            item = {"00081197": element("US", o.failure)}
            if o.sop_class_uid:
                item["00081150"] = element("UI", o.sop_class_uid)
            if o.sop_uid:
                item["00081155"] = element("UI", o.sop_uid)
            if o.comments:
                item["00741048"] = element("SQ", *({"00000902": element("LO", c)}
                                                   for c in o.comments))
            failed.append(item)
    dataset: DicomJson = {}
    if study_uid is not None and referenced:
        dataset["00081190"] = element("UR", f"{base}/studies/{study_uid}")
    if referenced:
        dataset["00081199"] = element("SQ", *referenced)
    if failed:
        dataset["00081198"] = element("SQ", *failed)
    return dataset


def _status(outcomes: list[Outcome], api: int) -> int:
    stored = [o for o in outcomes if o.failure is None]
    if not stored:
        return 409
    if len(stored) < len(outcomes):
        return 202
    if api >= 2 and any(o.warning is not None for o in stored):
        return 202
    return 200


async def store_instances(request: Request) -> Response:
    """``POST /studies[/{study}]``."""
    study_uid = request.path_params.get("study")
    if study_uid is not None:
        study_uid = check_path_uid(study_uid, "StudyInstanceUid")
    require_dicom_json_accept(request)
    svc = services(request)
    parts = await spool_parts(request, svc.settings.tmp_dir, svc.settings.max_request_bytes)
    if not parts:
        return Response(status_code=204)
    api = api_version(request)
    try:
        outcomes = await run_in_threadpool(
            svc.store.store, parts, study_uid, api
        )
    finally:
        discard_parts(parts)  # stored parts were renamed away; the rest are removed here
    headers = {}
    if any(o.multiple_values and o.failure is None for o in outcomes):
        headers["Warning"] = f'299 {request.url.hostname}: "{MULTIPLE_VALUES_WARNING}"'
    return DicomJSONResponse(
        _response_dataset(outcomes, study_uid, base_url(request), api),
        status_code=_status(outcomes, api), headers=headers,
    )
