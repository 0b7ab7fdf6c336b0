"""Index values of extended query tags: from a DICOM JSON element to a typed, comparable value.

Both store-time indexing and the reindex operation read the instance's stored metadata
(DICOM JSON), as the service's reindexer reads its metadata store. A value either
indexes (first value only, like ``ExtendedQueryTagDataRowsBuilder``), is absent (no
element, no value: nothing is indexed), or is invalid, with one of the service's
``ValidationErrorCode`` numbers; the reindex records those as the tag's errors.

Storage types follow ``ExtendedQueryTagLimit``: strings (AE AS CS LO SH UI) and dates and
times (DA; DT and TM normalized to fixed width, as the query parser's canonical forms)
compare as text, integers (IS SL SS UL US) and floats (FL FD) as numbers, person names
(PN) in the same case- and accent-folded form as the core PatientName column.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from enum import IntEnum
from typing import Any

from dicom_emulator.dicom.attributes import normalize_person_name
from dicom_emulator.dicom.tags import format_tag, private_creator_tag
from dicom_emulator.dicom.validation import is_valid_uid
from dicom_emulator.dicom.vr import INDEXED_AS_INTEGER_VRS, INDEXED_AS_REAL_VRS, MAX_LENGTHS

__all__ = ["ErrorCode", "IndexedValue", "InvalidValue", "find_element", "index_value"]

_AS = re.compile(r"^\d{3}[DWMY]$")
_DT = re.compile(r"^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\.\d{1,6})?([+-]\d{4})?$")
_TM = re.compile(r"^(\d{2})(?:(\d{2})(?:(\d{2})(\.\d{1,6})?)?)?$")


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


def _has_bad_characters(value: str, allow_escape: bool) -> bool:
    return any(
        c == "\\" or (ord(c) < 0x20 and not (allow_escape and c == "\x1b")) for c in value
    )


def normalize_date_time(value: str) -> str | None:
    """A DT value as fixed-width ``YYYYMMDDHHMMSS.FFFFFF`` (missing parts at their minimum,
    the UTC offset ignored, as the service indexes the literal time); None if invalid."""
    match = _DT.match(value.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, _ = match.groups()
    if fraction and not second:
        return None
    try:
        date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None
    if int(hour or 0) > 23 or int(minute or 0) > 59 or int(second or 0) > 60:
        return None
    micro = (fraction or ".")[1:].ljust(6, "0")
    return f"{year}{month or '01'}{day or '01'}{hour or '00'}{minute or '00'}{second or '00'}" \
           f".{micro}"


def normalize_time(value: str) -> str | None:
    """A TM value (``HH[MM[SS[.F{1,6}]]]``) as fixed-width ``HHMMSS.FFFFFF`` (missing parts
    zero), so that text order is time order; None if invalid."""
    match = _TM.match(value.strip())
    if not match:
        return None
    hour, minute, second, fraction = match.groups()
    if int(hour) > 23 or int(minute or 0) > 59 or int(second or 0) > 60:
        return None
    micro = (fraction or ".")[1:].ljust(6, "0")
    return f"{hour}{minute or '00'}{second or '00'}.{micro}"


def valid_date(value: str) -> bool:
    if len(value) != 8 or not value.isdigit():
        return False
    try:
        date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return False
    return True


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
    text = str(first).rstrip(" ")
    if vr == "DA":
        if not valid_date(text):
            raise InvalidValue(ErrorCode.DATE_IS_INVALID)
        return IndexedValue(text, None, None, display)
    if vr == "DT":
        normalized = normalize_date_time(text)
        if normalized is None:
            raise InvalidValue(ErrorCode.DATE_TIME_IS_INVALID)
        return IndexedValue(normalized, None, None, display)
    if vr == "TM":
        normalized = normalize_time(text)
        if normalized is None:
            raise InvalidValue(ErrorCode.TIME_IS_INVALID)
        return IndexedValue(normalized, None, None, display)
    _check_text(vr, text)
    return IndexedValue(text, None, None, display)


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
    if _has_bad_characters(text, allow_escape=vr in ("LO", "SH")):
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
