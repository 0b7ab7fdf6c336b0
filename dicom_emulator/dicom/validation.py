"""Validation of identifiers and attribute values, with the service's rules and messages.

VR syntax checks are pydicom's (``validate_value``); this module adds the service's
own rules (its UID pattern, required attributes, what fails an instance in v1 vs v2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydicom import config
from pydicom.datadict import dictionary_VR
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.valuerep import validate_value

from dicom_emulator.dicom.tags import keyword_tag
from dicom_emulator.dicom.vr import ASCII_TEXT_VRS, BINARY_VALUE_SIZES, MAX_LENGTHS, STRING_VRS
from dicom_emulator.errors import InvalidIdentifierError

__all__ = [
    "AttributeProblem",
    "check_element",
    "check_path_uid",
    "first_value",
    "is_valid_uid",
    "uid_value",
]

# ``DicomIdentifierValidator``: up to 64 characters of digits and dots, ending in a digit.
_UID = re.compile(r"^[0-9.]*[0-9]$")


def is_valid_uid(value: str) -> bool:
    value = value.rstrip(" \0")
    return len(value) <= MAX_LENGTHS["UI"] and bool(_UID.match(value))


def check_path_uid(value: str, name: str) -> str:
    """A UID from a URL path, or :class:`InvalidIdentifierError` (400)."""
    if not is_valid_uid(value):
        raise InvalidIdentifierError(name)
    return value.rstrip(" \0")


@dataclass(frozen=True)
class AttributeProblem:
    """One invalid attribute, rendered as the service's ErrorComment."""

    tag: int
    vr: str
    value: str
    reason: str

    def comment(self, code: int = 100) -> str:
        group, element = self.tag >> 16, self.tag & 0xFFFF
        return (f'DICOM{code}: ({group:04X},{element:04X}) - Content "{self.value}" does not '
                f"validate VR {self.vr}: {self.reason}")


def _vr(elem: DataElement | RawDataElement) -> str:
    """The element's VR; implicit-VR files carry none on the wire, so ask the dictionary."""
    if elem.VR:
        return str(elem.VR)
    try:
        return str(dictionary_VR(elem.tag))
    except KeyError:
        return "UN"


def _text_values(elem: DataElement | RawDataElement, ds: Dataset) -> list[str]:
    if isinstance(elem, RawDataElement) and _vr(elem) in ASCII_TEXT_VRS:
        raw = (elem.value or b"").decode("latin-1")
        return [v.rstrip(" \0") for v in raw.split("\\")] if raw.strip(" \0") else []
    value = ds[elem.tag].value
    if value is None or value == "":
        return []
    items = list(value) if isinstance(value, MultiValue | list | tuple) else [value]
    return [str(v) for v in items]


def check_element(ds: Dataset, tag: int) -> AttributeProblem | None:
    """The first problem with the element's value (format, length, size), if any."""
    elem = ds.get_item(tag)
    if elem is None:
        return None
    vr = _vr(elem)
    if vr in BINARY_VALUE_SIZES:
        raw = elem.value if isinstance(elem, RawDataElement) else None
        if isinstance(raw, bytes) and len(raw) % BINARY_VALUE_SIZES[vr]:
            return AttributeProblem(tag, vr, f"{len(raw)} bytes", "Value length is invalid.")
        return None
    if vr not in STRING_VRS:
        return None
    try:
        values = _text_values(elem, ds)
    except (ValueError, LookupError) as exc:
        return AttributeProblem(tag, vr, "", f"Value cannot be decoded: {exc}")
    for value in values:
        if vr == "UI" and value and not is_valid_uid(value):
            return AttributeProblem(tag, vr, value, "DICOM Identifier is invalid.")
        if vr == "PN" and (value.count("=") > 2 or any(g.count("^") > 4 for g in value.split("="))):
            return AttributeProblem(tag, vr, value, "Value exceeds the allowed component groups.")
        try:
            validate_value(vr, value, config.RAISE)
        except ValueError as exc:
            return AttributeProblem(tag, vr, value, str(exc).split(" Please see")[0])
    return None


def first_value(ds: Dataset, tag: int) -> tuple[str | None, bool]:
    """The element's first value as text, and whether it had more than one value."""
    elem = ds.get_item(tag)
    if elem is None:
        return None, False
    values = _text_values(elem, ds)
    if not values:
        return None, False
    return values[0], len(values) > 1


def uid_value(ds: Dataset, keyword: str) -> str | None:
    value, _ = first_value(ds, keyword_tag(keyword))
    return value.rstrip(" \0") if value else None
