"""Validation of identifiers and attribute values, with the service's rules and messages.

VR syntax checks are fo-dicom's for the common string VRs (:mod:`.fodicom`) and pydicom's
(``validate_value``) for the others; this module adds the service's own rules (its UID
pattern, required attributes, what fails an instance in v1 vs v2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pydicom import config
from pydicom.datadict import dictionary_description, dictionary_VM, dictionary_VR
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.valuerep import validate_value

from dicom_emulator.dicom import fodicom
from dicom_emulator.dicom.tags import keyword_tag
from dicom_emulator.dicom.vr import ASCII_TEXT_VRS, BINARY_VALUE_SIZES, MAX_LENGTHS, STRING_VRS
from dicom_emulator.errors import InvalidIdentifierError

__all__ = [
    "AttributeProblem",
    "check_element",
    "check_multiplicity",
    "check_value_and_multiplicity",
    "element_failed",
    "missing_tag",
    "tag_text",
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


def tag_text(tag: int) -> str:
    """fo-dicom's ``DicomTag.ToString()``: lower-case hex, ``(0020,000d)``."""
    return f"({tag >> 16:04x},{tag & 0xFFFF:04x})"


@dataclass(frozen=True)
class AttributeProblem:
    """One invalid attribute, rendered as the service's ErrorComment.

    ``message`` is the whole text after the tag when it is not fo-dicom's
    ``DicomValidationException`` wording (``Content "…" does not validate VR …: …``).
    """

    tag: int
    vr: str
    value: str
    reason: str
    message: str | None = None

    def comment(self, code: int = 100) -> str:
        """``StoreValidationResultBuilder``: ``DICOM{code}: {tag} - {message}``."""
        text = self.message if self.message is not None else (
            f'Content "{self.value}" does not validate VR {self.vr}: {self.reason}')
        return f"DICOM{code}: {tag_text(self.tag)} - {text}"


def missing_tag(tag: int, vr: str) -> AttributeProblem:
    """``DicomCoreResource.MissingRequiredTag``."""
    return AttributeProblem(tag, vr, "", "missing",
                            message=f"The required tag '{tag_text(tag)}' is missing.")


def element_failed(tag: int, vr: str, name: str, reason: str) -> AttributeProblem:
    """``ElementValidationException``: ``DicomCoreResource.DicomElementValidationFailed``."""
    return AttributeProblem(tag, vr, "", reason, message=(
        f"Dicom element '{name}' failed validation for VR '{vr}': {reason}"))


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
    return None if elem is None else _value_problem(ds, elem, _vr(elem))[0]


def check_multiplicity(ds: Dataset, tag: int) -> AttributeProblem | None:
    """fo-dicom's ``DicomElement.ValidateVM`` for a public element with values."""
    elem = ds.get_item(tag)
    return None if elem is None else _multiplicity_problem(ds, elem, _vr(elem), None)


def check_value_and_multiplicity(ds: Dataset, tag: int) -> AttributeProblem | None:
    """:func:`check_element`, then :func:`check_multiplicity` (fo-dicom's
    ``DicomElement.Validate()``), the element's values read once for both."""
    elem = ds.get_item(tag)
    if elem is None:
        return None
    vr = _vr(elem)
    problem, values = _value_problem(ds, elem, vr)
    return problem or _multiplicity_problem(ds, elem, vr, values)


def _value_problem(ds: Dataset, elem: DataElement | RawDataElement,
                   vr: str) -> tuple[AttributeProblem | None, list[str] | None]:
    """:func:`check_element`'s problem, and the text values it read (None: not a string)."""
    tag = int(elem.tag)
    if vr in BINARY_VALUE_SIZES:
        raw = elem.value if isinstance(elem, RawDataElement) else None
        if isinstance(raw, bytes) and len(raw) % BINARY_VALUE_SIZES[vr]:
            return AttributeProblem(tag, vr, f"{len(raw)} bytes", "Value length is invalid."), None
        return None, None
    if vr not in STRING_VRS:
        return None, None
    try:
        values = _text_values(elem, ds)
    except (ValueError, LookupError) as exc:
        return AttributeProblem(tag, vr, "", f"Value cannot be decoded: {exc}"), None
    for value in values:
        if vr in fodicom.KNOWN_VRS:  # fo-dicom's rules and words (v2 warnings are its)
            reason = fodicom.reason(vr, value) if value else None
            if reason is not None:
                return AttributeProblem(tag, vr, value, reason), values
            continue
        try:
            validate_value(vr, value, config.RAISE)
        except ValueError as exc:
            return AttributeProblem(tag, vr, value, str(exc).split(" Please see")[0]), values
    return None, values


_COUNTED_BINARY_VRS = frozenset({"AT", "FD", "FL", "SL", "SS", "SV", "UL", "US", "UV"})
# Character strings whose value is one value whatever it holds (no backslash delimiter).
_SINGLE_VALUE_VRS = frozenset({"LT", "ST", "UR", "UT"})


def _value_count(elem: DataElement | RawDataElement, vr: str, ds: Dataset) -> int:
    if vr in _COUNTED_BINARY_VRS:
        raw = elem.value if isinstance(elem, RawDataElement) else None
        if isinstance(raw, bytes):
            return len(raw) // BINARY_VALUE_SIZES.get(vr, 4)
        value = ds[elem.tag].value
        if value is None or value == b"":
            return 0
        return len(value) if isinstance(value, MultiValue | list | tuple) else 1
    return len(_text_values(elem, ds))


@lru_cache(maxsize=4096)  # a dictionary look-up per element of every stored instance
def _dictionary_vm(tag: int) -> tuple[str, tuple[int, float] | None] | None:
    """The dictionary VM of a public tag and its bounds (None: no dictionary entry)."""
    try:
        vm = dictionary_VM(tag)
    except KeyError:
        return None
    low, _, high = vm.partition("-")
    if not low.isdigit():
        return vm, None
    if not high:
        return vm, (int(low), int(low))
    return vm, (int(low), float("inf") if high.endswith("n") else int(high))


def _multiplicity_problem(ds: Dataset, elem: DataElement | RawDataElement, vr: str,
                          values: list[str] | None) -> AttributeProblem | None:
    """:func:`check_multiplicity`; ``values``: the element's text values, if read already."""
    tag = int(elem.tag)
    if tag >> 16 & 1:
        return None
    if vr not in _COUNTED_BINARY_VRS and (vr not in STRING_VRS or vr in _SINGLE_VALUE_VRS):
        return None
    entry = _dictionary_vm(tag)
    if entry is None:
        return None
    vm, bounds = entry
    count = len(values) if values is not None else _value_count(elem, vr, ds)
    if bounds is None or count == 0 or bounds[0] <= count <= bounds[1]:
        return None
    return AttributeProblem(tag, vr, f"{tag_text(tag)} {vr} {dictionary_description(tag)}",
                            f"Number of items {count} does not match ValueMultiplicity {vm}")


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
