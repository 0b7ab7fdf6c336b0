"""Searching the worklist: which attributes, how their values are kept, how a query parses,
and what each result carries.

The queryable attributes are the service's workitem query tags (its ``WorkitemQueryTag``
rows), two of them one level into a sequence (``ReferencedRequestSequence.AccessionNumber``).
Query options, value conditions and their messages are QIDO's (:mod:`features.query.parser`);
the workitem parser's own rules (``WorkitemQueryParser.cs``) are here: an attribute it
cannot parse or does not support is "not queryable", paths go one level deep, and results
keep the return attributes of PS3.4 CC.2.5-3 plus what the query named.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydicom.datadict import dictionary_VR, keyword_for_tag
from pydicom.dataset import Dataset

from dicom_emulator.dicom.attributes import normalize_person_name
from dicom_emulator.dicom.tags import format_tag, keyword_tag, parse_tag, tag_hex
from dicom_emulator.dicom.values import InvalidValueError, canonical_date_time
from dicom_emulator.features.query.messages import (
    DUPLICATE_ATTRIBUTE,
    DUPLICATE_ID,
    EMPTY_VALUE,
    INCLUDE_ALL_AND_NAMES,
    INCLUDE_UNKNOWN,
)
from dicom_emulator.features.query.parser import QueryParseError, bind_options, parse_condition
from dicom_emulator.features.workitems.messages import (
    NESTED_SEQUENCES,
    NOT_QUERYABLE,
    SEQUENTIAL_TAGS,
)
from dicom_emulator.storage.workitems import QueryValue, WorkitemFilter

__all__ = ["QUERY_PATHS", "WorkitemQuery", "parse_workitem_query", "query_values", "result"]

# The service's workitem query tags, as tag paths (sequence.attribute).
QUERY_PATHS = tuple(".".join(tag_hex(k) for k in path.split(".")) for path in (
    "PatientName", "PatientID", "ReferencedRequestSequence.AccessionNumber",
    "ReferencedRequestSequence.RequestedProcedureID", "ScheduledProcedureStepStartDateTime",
    "ScheduledStationNameCodeSequence.CodeValue", "ScheduledStationClassCodeSequence.CodeValue",
    "ProcedureStepState", "ScheduledStationGeographicLocationCodeSequence.CodeValue",
    "StudyInstanceUID",
))

# What every result carries (WorkitemQueryResponseBuilder.RequiredReturnTags).
_RETURNED = frozenset(keyword_tag(k) for k in (
    "SpecificCharacterSet", "SOPClassUID", "SOPInstanceUID", "ScheduledProcedureStepPriority",
    "ProcedureStepLabel", "WorklistLabel", "ScheduledProcessingParametersSequence",
    "ScheduledStationNameCodeSequence", "ScheduledStationClassCodeSequence",
    "ScheduledStationGeographicLocationCodeSequence", "ScheduledHumanPerformersSequence",
    "ScheduledProcedureStepStartDateTime", "ScheduledWorkitemCodeSequence",
    "InputReadinessState", "InputInformationSequence", "StudyInstanceUID", "PatientName",
    "PatientID", "IssuerOfPatientID", "IssuerOfPatientIDQualifiersSequence",
    "OtherPatientIDsSequence", "PatientBirthDate", "PatientSex", "AdmissionID",
    "IssuerOfAdmissionIDSequence", "AdmittingDiagnosesDescription",
    "AdmittingDiagnosesCodeSequence", "ReferencedRequestSequence", "MedicalAlerts",
    "PregnancyStatus", "SpecialNeeds", "ProcedureStepState",
    "ProcedureStepProgressInformationSequence",
))
TRANSACTION_UID = keyword_tag("TransactionUID")


# -- values kept for search ------------------------------------------------------------


def _searchable(value: Any, vr: str) -> str | None:
    if value is None or str(value) == "":
        return None
    if vr == "PN":
        return normalize_person_name(str(value))
    if vr == "DT":
        try:
            return canonical_date_time(str(value), offset_allowed=True)
        except InvalidValueError:
            return None
    return str(value)


def _first(ds: Dataset, tag: int) -> Any:
    if tag not in ds:
        return None
    value = ds[tag].value
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return value[0] if len(value) else None
    return value


def query_values(ds: Dataset) -> list[QueryValue]:
    """The searchable values of a workitem: the first value of each query attribute, and
    one per item for an attribute in a sequence (as the service writes its rows)."""
    out: list[QueryValue] = []
    for path in QUERY_PATHS:
        tags = [int(part, 16) for part in path.split(".")]
        vr = dictionary_VR(tags[-1])
        if len(tags) == 1:
            holders: Iterable[Dataset] = [ds]
        else:
            holders = ds[tags[0]].value if tags[0] in ds and ds[tags[0]].VR == "SQ" else []
        for holder in holders:
            value = _searchable(_first(holder, tags[-1]), vr)
            if value is not None:
                out.append((path, value))
    return out


# -- the query -------------------------------------------------------------------------


@dataclass(frozen=True)
class _PathAttribute:
    """A query attribute as ``parse_condition`` needs it: the VR and name of its last tag."""

    tag: str
    vr: str
    name: str


@dataclass(frozen=True)
class WorkitemQuery:
    filters: tuple[WorkitemFilter, ...]
    filter_tags: frozenset[int]  # the last tag of each filter's path (returned as well)
    include_all: bool
    include_tags: frozenset[int]
    limit: int
    offset: int


def _parse_path(text: str) -> list[int] | None:
    parts = [parse_tag(part) for part in text.split(".")]
    return None if any(p is None for p in parts) else [p for p in parts if p is not None]


def _include(values: Iterable[str]) -> tuple[bool, frozenset[int]]:
    fields = [f.strip() for v in values for f in v.split(",")]
    if any(f.lower() == "all" for f in fields):
        if len(fields) > 1:
            raise QueryParseError(INCLUDE_ALL_AND_NAMES)
        return True, frozenset()
    tags: set[int] = set()
    for field in fields:
        path = _parse_path(field)
        if path is None:
            raise QueryParseError(INCLUDE_UNKNOWN.format(field))
        if len(path) > 1:
            raise QueryParseError(SEQUENTIAL_TAGS)
        tags.add(path[0])
    return False, frozenset(tags)


def parse_workitem_query(params: Iterable[tuple[str, str]]) -> WorkitemQuery:
    """Validate a worklist search's query parameters (decoded pairs, in order).

    Raises
    ------
    QueryParseError
        With the service's message, for anything it answers with 400.
    """
    params = list(params)
    options = bind_options(params)
    # ASP.NET's query collection groups keys case-insensitively; a key given twice is a
    # duplicate (QueryOptionsExtensions.ToBaseQueryParameters).
    grouped: dict[str, tuple[str, list[str]]] = {}
    for key, value in params:
        key = key.strip()
        if key.lower() in ("limit", "offset", "fuzzymatching", "includefield"):
            continue
        grouped.setdefault(key.lower(), (key, []))[1].append(value)
    filters: dict[str, WorkitemFilter] = {}
    for key, values in grouped.values():
        if len(values) > 1:
            raise QueryParseError(DUPLICATE_ID.format(key))
        path = _parse_path(key)
        if path is None:
            raise QueryParseError(NOT_QUERYABLE.format(key))
        if len(path) > 2:
            raise QueryParseError(NESTED_SEQUENCES)
        tag_path = ".".join(format_tag(t) for t in path)
        if tag_path not in QUERY_PATHS:
            raise QueryParseError(NOT_QUERYABLE.format(key))
        value = values[0].strip()
        if not value:
            raise QueryParseError(EMPTY_VALUE.format(key))
        last = path[-1]
        attribute = _PathAttribute(format_tag(last), dictionary_VR(last), keyword_for_tag(last))
        condition = parse_condition(attribute, value, options.fuzzy)  # type: ignore[arg-type]
        if condition is None:
            raise QueryParseError(NOT_QUERYABLE.format(key))
        if tag_path in filters:
            raise QueryParseError(DUPLICATE_ATTRIBUTE.format(key))
        filters[tag_path] = WorkitemFilter(tag_path, condition)
    include_all, include_tags = _include(options.include_fields)
    return WorkitemQuery(
        filters=tuple(filters.values()),
        filter_tags=frozenset(int(p.split(".")[-1], 16) for p in filters),
        include_all=include_all, include_tags=include_tags,
        limit=options.limit, offset=options.offset)


def result(dataset: dict[str, Any], query: WorkitemQuery) -> dict[str, Any]:
    """A matching workitem as the search returns it: never its Transaction UID; all its
    attributes for ``includefield=all``, else the return attributes and those named."""
    kept = _RETURNED | query.include_tags | query.filter_tags
    transaction = format_tag(TRANSACTION_UID)
    return {key: value for key, value in dataset.items() if key != transaction
            and (query.include_all or int(key, 16) in kept)}
