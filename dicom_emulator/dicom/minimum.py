"""The service's minimum validator (``ElementMinimumValidator``), with its messages.

What v1 checks on every indexed attribute, and v2 on the required ones: a few rules per
VR, on the first value only, and nothing about the character repertoire (a lower-case
Modality passes). A failure reads ``Dicom element '{keyword}' failed validation for VR
'{vr}': {message}`` (``ElementValidationException``).
"""

from __future__ import annotations

import re
from datetime import datetime

from pydicom import config
from pydicom.datadict import dictionary_keyword, dictionary_VR
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.valuerep import validate_value

from dicom_emulator.dicom.validation import (
    AttributeProblem,
    element_failed,
    first_value,
)

__all__ = ["minimum_problem"]

# DicomCoreResource texts (ValidationErrorCodeExtensions.MessageMap and the validators).
UID_INVALID = (
    "DICOM Identifier is invalid. Value length should not exceed the maximum length of 64 "
    "characters. Value should contain characters in '0'-'9' and '.'. Each component must "
    "start with non-zero number."
)
INVALID_CHARACTERS = "Value contains invalid character."
DATE_INVALID = "Value cannot be parsed as a valid date."
# PersonNameExceedMaxGroups maps to the components text in the service's message map.
PN_MORE_THAN_5 = "Value contains more than 5 components."
PN_GROUP_TOO_LONG = "One or more group of person name exceeds maxium length of 64."
ENCODED_STRING_INVALID = {
    "DT": "Value cannot be parsed as a valid DateTime.",
    "IS": "Value cannot be parsed as a valid integer string.",
    "TM": "Value cannot be parsed as a valid Time.",
}
_MAX_LENGTH = {"AE": 16, "CS": 16, "SH": 16}
_REQUIRED_LENGTH = {"AS": 4, "FD": 8, "FL": 4, "SL": 4, "SS": 2, "UL": 4, "US": 2}
_UID = re.compile(r"^[0-9.]*[0-9]$")


def _too_long(limit: int) -> str:
    return f"Value length exceeds maximum length of {limit}."


def _has_control(text: str) -> bool:
    # ValidationUtils.ContainsControlExceptEsc (char.IsControl: C0, DEL and C1)
    return any((ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F) and c != "\x1b" for c in text)


def _person_name(value: str) -> str | None:
    groups = value.split("=")
    if len(groups) > 3:
        return PN_MORE_THAN_5
    for group in groups:
        if len(group) > 64:
            return PN_GROUP_TOO_LONG
        if _has_control(group):
            return INVALID_CHARACTERS
    if any(len(g.split("^")) > 5 for g in groups):
        return PN_MORE_THAN_5
    return None


def _string_problem(vr: str, value: str) -> str | None:
    if vr in _MAX_LENGTH:
        return _too_long(_MAX_LENGTH[vr]) if len(value) > _MAX_LENGTH[vr] else None
    if vr == "LO":
        if len(value) > 64:
            return _too_long(64)
        return INVALID_CHARACTERS if "\\" in value or _has_control(value) else None
    if vr == "DA":
        try:
            datetime.strptime(value, "%Y%m%d")
        except ValueError:
            return DATE_INVALID
        return None if len(value) == 8 else DATE_INVALID
    if vr == "PN":
        return _person_name(value)
    if vr == "UI":
        trimmed = value.rstrip(" ")
        return None if len(trimmed) <= 64 and _UID.match(trimmed) else UID_INVALID
    if vr in ENCODED_STRING_INVALID:
        try:
            validate_value(vr, value, config.RAISE)
        except ValueError:
            return ENCODED_STRING_INVALID[vr]
    return None


def _raw_size(ds: Dataset, tag: int) -> int:
    elem = ds.get_item(tag)
    raw = elem.value if isinstance(elem, RawDataElement) else None
    if isinstance(raw, bytes | bytearray):
        return len(raw)
    value = ds[tag].value
    return 0 if value is None or value == b"" or value == [] else _REQUIRED_LENGTH.get(
        str(ds[tag].VR), 0)


def minimum_problem(ds: Dataset, tag: int, lenient: bool = False,
                    expected_vr: str | None = None) -> AttributeProblem | None:
    """The service's minimum check of one element (absent elements pass).

    ``lenient`` is ``ValidationLevel.Default`` (v2's required tags): trailing NULs are
    removed first. An element whose VR is not its dictionary VR fails with the service's
    unexpected-VR text, as ``DicomDatasetExtensions.ValidateDicomTag`` does
    (``expected_vr``: an extended query tag's VR, for private tags).
    """
    elem = ds.get_item(tag)
    if elem is None:
        return None
    vr = str(elem.VR) if elem.VR else str(dictionary_VR(tag))
    # Tag.GetFriendlyName(): the keyword, or the path (GGGGEEEE) of a private tag
    name = dictionary_keyword(tag) if not tag >> 16 & 1 else f"{tag:08X}"
    expected = expected_vr
    if expected is None:
        try:
            expected = str(dictionary_VR(tag))
        except KeyError:
            expected = vr
    if vr != expected and expected in _REQUIRED_LENGTH.keys() | _MAX_LENGTH.keys() | {
            "LO", "DA", "PN", "UI", "DT", "IS", "TM"}:
        return element_failed(tag, vr, name, f"The extended query tag '{name}' is expected "
                              f"to have VR '{expected}' but has '{vr}' in file.")
    if vr in _REQUIRED_LENGTH and vr != "AS":
        size = _raw_size(ds, tag)
        if size < _REQUIRED_LENGTH[vr]:
            return element_failed(tag, vr, name,
                                  f"Value length is not {_REQUIRED_LENGTH[vr]}.")
        return None
    value, _ = first_value(ds, tag)
    if value is not None and lenient:
        value = value.rstrip("\0")
    if not value:
        return None
    if vr == "AS":
        return None if len(value) == 4 else element_failed(tag, vr, name, "Value length is not 4.")
    reason = _string_problem(vr, value)
    return None if reason is None else element_failed(tag, vr, name, reason)
