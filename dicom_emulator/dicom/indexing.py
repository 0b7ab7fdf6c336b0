"""Index values of extended query tags: from a DICOM JSON element to a typed, comparable value.

Both store-time indexing and the reindex operation read the instance's stored metadata
(DICOM JSON), as the service's reindexer reads its metadata store. A value either
indexes (first value only, like ``ExtendedQueryTagDataRowsBuilder``), is absent (no
element, no value: nothing is indexed), or is invalid, with one of the service's
``ValidationErrorCode`` numbers; the reindex records those as the tag's errors.

Storage types follow ``ExtendedQueryTagLimit``: strings (AE AS CS LO SH UI) and dates and
times (DA, DT, TM in the canonical forms of :mod:`dicom_emulator.dicom.values`, which the
query parser uses too) compare as text, integers (IS SL SS UL US) and floats (FL FD) as
numbers, person names (PN) in the same case- and accent-folded form as the core
PatientName column.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from functools import partial
from typing import Any

from dicom_emulator.dicom.attributes import normalize_person_name
from dicom_emulator.dicom.tags import format_tag, private_creator_tag
from dicom_emulator.dicom.validation import is_valid_uid
from dicom_emulator.dicom.values import (
    InvalidValueError,
    LeapSecondError,
    canonical_date,
    canonical_date_time,
    canonical_time,
    has_invalid_characters,
)
from dicom_emulator.dicom.vr import (
    DATE_TIME_VRS,
    INDEXED_AS_INTEGER_VRS,
    INDEXED_AS_REAL_VRS,
    MAX_LENGTHS,
)

__all__ = ["ErrorCode", "IndexedValue", "InvalidValue", "find_element", "index_value"]

_AS = re.compile(r"^\d{3}[DWMY]$")


class ErrorCode(IntEnum):
    """``ValidationErrorCode`` values a reindex can record, with their messages."""

    MULTIPLE_VALUES = 1
    EXCEED_MAX_LENGTH = 2
    UNEXPECTED_LENGTH = 3
    INVALID_CHARACTERS = 4
    UNEXPECTED_VR = 5
    PERSON_NAME_EXCEED_MAX_GROUPS = 1000
    PERSON_NAME_GROUP_EXCEED_MAX_LENGTH = 1001
    PERSON_NAME_EXCEED_MAX_COMPONENTS = 1002
    DATE_IS_INVALID = 1100
    UID_IS_INVALID = 1200
    DATE_TIME_IS_INVALID = 1300
    TIME_IS_INVALID = 1400
    INTEGER_STRING_IS_INVALID = 1500

    @property
    def message(self) -> str:
        """``ValidationErrorCodeExtensions.GetMessage``: what the errors list shows."""
        return _MESSAGES[self]


_MESSAGES = {
    ErrorCode.MULTIPLE_VALUES: "Dicom element has multiple values. Indexing is only supported "
                               "on single value element.",
    ErrorCode.EXCEED_MAX_LENGTH: "Value length exceeds maximum length.",
    ErrorCode.UNEXPECTED_LENGTH: "Value length is not expected.",
    ErrorCode.INVALID_CHARACTERS: "Value contains invalid character.",
    ErrorCode.UNEXPECTED_VR: "The extended query tag VR is not expected.",
    ErrorCode.PERSON_NAME_EXCEED_MAX_GROUPS: "Value contains more than 3 groups.",
    ErrorCode.PERSON_NAME_GROUP_EXCEED_MAX_LENGTH: "One or more group of person name exceeds "
                                                   "maxium length of 64.",
    ErrorCode.PERSON_NAME_EXCEED_MAX_COMPONENTS: "Value contains more than 5 components.",
    ErrorCode.DATE_IS_INVALID: "Value cannot be parsed as a valid date.",
    ErrorCode.UID_IS_INVALID: "DICOM Identifier is invalid. Value length should not exceed the "
                              "maximum length of 64 characters. Value should contain characters "
                              "in '0'-'9' and '.'. Each component must start with non-zero "
                              "number.",
    ErrorCode.DATE_TIME_IS_INVALID: "Value cannot be parsed as a valid DateTime.",
    ErrorCode.TIME_IS_INVALID: "Value cannot be parsed as a valid Time.",
    ErrorCode.INTEGER_STRING_IS_INVALID: "Value cannot be parsed as a valid integer string.",
}


@dataclass(frozen=True)
class IndexedValue:
    """One typed index value; exactly one of ``text``/``integer``/``real`` is set.

    ``display`` is the first value as DICOM JSON text, returned by queries as is.
    """

    text: str | None
    integer: int | None
    real: float | None
    display: str


class InvalidValue(Exception):
    """A value that cannot be indexed; ``code`` is the service's ValidationErrorCode."""

    def __init__(self, code: ErrorCode):
        super().__init__(code.message)
        self.code = code


def _person_name_text(value: Any) -> str:
    if isinstance(value, dict):
        groups = [str(value.get(k, "")) for k in ("Alphabetic", "Ideographic", "Phonetic")]
        return "=".join(groups).rstrip("=")
    return str(value)


def _check_person_name(text: str) -> None:
    groups = text.split("=")
    if len(groups) > 3:
        raise InvalidValue(ErrorCode.PERSON_NAME_EXCEED_MAX_GROUPS)
    for group in groups:
        if len(group) > 64:
            raise InvalidValue(ErrorCode.PERSON_NAME_GROUP_EXCEED_MAX_LENGTH)
        if group.count("^") > 4:
            raise InvalidValue(ErrorCode.PERSON_NAME_EXCEED_MAX_COMPONENTS)


def index_value(vr: str, element: dict[str, Any] | None) -> IndexedValue | None:
    """The index value of a DICOM JSON element for a tag of VR ``vr``.

    Returns None when there is nothing to index (no element, no value, an empty value).

    Raises
    ------
    InvalidValue
        When the element has another VR than the tag, or its first value is invalid.
    """
    if element is None:
        return None
    if element.get("vr") != vr:
        raise InvalidValue(ErrorCode.UNEXPECTED_VR)
    values = element.get("Value") or []
    if not values or values[0] is None or values[0] == "":
        return None
    first = values[0]
    display = json.dumps(first, ensure_ascii=False, separators=(",", ":"))
    if vr == "PN":
        text = _person_name_text(first)
        _check_person_name(text)
        return IndexedValue(normalize_person_name(text), None, None, display)
    if vr in INDEXED_AS_INTEGER_VRS or vr in INDEXED_AS_REAL_VRS:
        return _number(vr, first, display)
    text = str(first).rstrip(" ")  # trailing spaces are padding; leading ones are not
    if vr in DATE_TIME_VRS:
        return _date_or_time(vr, text, display)
    _check_text(vr, text)
    return IndexedValue(text, None, None, display)


# A DT value may carry a UTC offset: the service indexes its literal date and time.
_CANONICAL: dict[str, Callable[[str], str]] = {
    "DA": canonical_date,
    "DT": partial(canonical_date_time, offset_allowed=True),
    "TM": canonical_time,
}
_INVALID = {"DA": ErrorCode.DATE_IS_INVALID, "DT": ErrorCode.DATE_TIME_IS_INVALID,
            "TM": ErrorCode.TIME_IS_INVALID}


def _date_or_time(vr: str, text: str, display: str) -> IndexedValue | None:
    try:
        canonical = _CANONICAL[vr](text)
    except LeapSecondError:
        # Valid to the service's validator, so no error is recorded; but its row builder's
        # readers (ExtendedQueryTagDataRowsBuilder.cs:24-37: .NET DateTime) cannot hold
        # second 60 and write no row.
        return None
    except InvalidValueError:
        raise InvalidValue(_INVALID[vr]) from None
    return IndexedValue(canonical, None, None, display)


def _check_text(vr: str, text: str) -> None:
    if vr == "AS":
        if len(text) != 4:
            raise InvalidValue(ErrorCode.UNEXPECTED_LENGTH)
        if not _AS.match(text):
            raise InvalidValue(ErrorCode.INVALID_CHARACTERS)
        return
    if vr == "UI":
        if not is_valid_uid(text):
            raise InvalidValue(ErrorCode.UID_IS_INVALID)
        return
    if len(text) > MAX_LENGTHS[vr]:
        raise InvalidValue(ErrorCode.EXCEED_MAX_LENGTH)
    if has_invalid_characters(text, escape_allowed=vr in ("LO", "SH")):
        raise InvalidValue(ErrorCode.INVALID_CHARACTERS)


def _number(vr: str, first: Any, display: str) -> IndexedValue:
    if vr in INDEXED_AS_REAL_VRS:
        try:
            return IndexedValue(None, None, float(first), display)
        except (TypeError, ValueError):
            raise InvalidValue(ErrorCode.UNEXPECTED_LENGTH) from None
    if vr == "IS":
        text = str(first).strip()
        if len(text) > 12:
            raise InvalidValue(ErrorCode.EXCEED_MAX_LENGTH)
        try:
            return IndexedValue(None, int(text), None, display)
        except ValueError:
            raise InvalidValue(ErrorCode.INTEGER_STRING_IS_INVALID) from None
    if isinstance(first, bool) or not isinstance(first, int):
        raise InvalidValue(ErrorCode.UNEXPECTED_LENGTH)
    return IndexedValue(None, first, None, display)


def find_element(metadata: dict[str, Any], path: str,
                 private_creator: str | None) -> dict[str, Any] | None:
    """The element at ``path`` (8 hex digits) in DICOM JSON, honouring the private creator.

    A private data element ``(gggg,xxyy)`` belongs to the creator recorded at
    ``(gggg,00xx)``; it is only found when that creator is ``private_creator``.
    """
    element: dict[str, Any] | None = metadata.get(path)
    if element is None or not private_creator:
        return element
    creator_path = format_tag(private_creator_tag(int(path, 16)))
    creator = metadata.get(creator_path, {}).get("Value") or [None]
    if str(creator[0] or "").strip() != private_creator.strip():
        return None
    return element
