"""DICOM JSON straight from the bytes pydicom read: the store path's metadata, fast.

STOW encodes every instance's metadata. pydicom's way (convert each element to a
``DataElement``, then ``to_json_dict``) costs about 25 us an element, a third of the
server's CPU in a STOW benchmark. This module reads the common VRs (text, PN, DS, IS, UI,
the binary numbers, AT, SQ) from the raw elements ``dcmread`` leaves, and gives exactly
what :func:`~dicom_emulator.dicom.dicom_json.to_metadata`'s pydicom path gives: the same
keys in the same order, the same values and value types.

Whatever it is not sure pydicom would read the same way (an escape sequence, a value
pydicom's converter would reject or retry with another VR, an implicit private tag, a
deferred value, big endian numbers, UN...) it leaves to pydicom, element by element: the
element is converted as pydicom's path converts it (in the same order, so a conversion that
raises there raises here) and encoded by pydicom in strict reading mode, an element whose
encoding fails being left out as ``to_json_dict(suppress_invalid_tags=True)`` does.
It assumes pydicom's default reading configuration with ``IGNORE`` validation (the
emulator's, :mod:`.reading`): :func:`can_encode` says whether that holds.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from typing import Any

import pydicom.valuerep
from pydicom import config
from pydicom.charset import default_encoding, python_encoding
from pydicom.datadict import dictionary_VR
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset
from pydicom.hooks import hooks, raw_element_value, raw_element_vr
from pydicom.multival import MultiValue
from pydicom.tag import _LUT_DESCRIPTOR_TAGS

from dicom_emulator.dicom.reading import strict_reading
from dicom_emulator.dicom.tags import format_tag
from dicom_emulator.dicom.vr import BINARY_VALUE_SIZES, BULK_DATA_VRS

__all__ = ["can_encode", "metadata"]

_Json = dict[str, Any]  # dicom_json.DicomJson (that module imports this one)

# The struct codes pydicom's ``convert_numbers`` reads each binary VR with.
_STRUCT_CODES = {"US": "H", "SS": "h", "UL": "L", "SL": "l", "FL": "f", "FD": "d",
                 "SV": "q", "UV": "Q"}
# Text whose repertoire is the default one: pydicom decodes it as Latin-1 whatever the
# Specific Character Set says, splits it at backslashes and strips trailing spaces/NULs.
_DEFAULT_TEXT_VRS = frozenset({"AS", "CS", "DA", "DT", "TM"})
# Text in the dataset's character set: split (``convert_text``) or one value.
_SPLIT_CHARSET_VRS = frozenset({"LO", "SH", "UC"})
_SINGLE_CHARSET_VRS = frozenset({"LT", "ST", "UT"})
# A converted element of these VRs is encoded as its value(s), unchanged.
_PLAIN_TEXT_VRS = (_DEFAULT_TEXT_VRS | _SPLIT_CHARSET_VRS | _SINGLE_CHARSET_VRS
                   | {"AE", "UI", "UR"})
# Character sets whose person names are the decoded text split at "=" (one encoding,
# no code extensions): the default one, ISO_IR 100 and ISO_IR 192.
_PN_ENCODINGS = frozenset({default_encoding, python_encoding["ISO_IR 100"],
                           python_encoding["ISO_IR 192"]})
_ESC = b"\x1b"  # a code extension: pydicom decodes each escaped fragment on its own
# Numbers whose Python parse is certain (no NaN, no "1_0", no other whitespace); IS kept to
# 15 digits so that pydicom's int/float comparison cannot make it an ISfloat.
_DS_VALUE = re.compile(r" *[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)? *", re.ASCII)
_IS_VALUE = re.compile(r" *[+-]?[0-9]{1,15} *", re.ASCII)
_LUT_DESCRIPTORS = frozenset(int(tag) for tag in _LUT_DESCRIPTOR_TAGS)  # a tuple of BaseTags
_NO_VALUE: frozenset[int] = frozenset()  # the ``drop`` of a sequence item: nothing


class _Unsure(Exception):
    """The fast reading cannot vouch for this element: pydicom converts and encodes it."""


def can_encode() -> bool:
    """Whether pydicom is configured as :func:`metadata` assumes (the emulator's policy)."""
    return (config.settings.reading_validation_mode == config.IGNORE
            and not (config.use_DS_numpy or config.use_IS_numpy or config.use_DS_decimal
                     or config.datetime_conversion or config.use_none_as_empty_text_VR_value)
            and config.data_element_callback is None
            and pydicom.valuerep.DSclass is pydicom.valuerep.DSfloat
            and hooks.raw_element_vr is raw_element_vr
            and hooks.raw_element_value is raw_element_value
            and not hooks.raw_element_kwargs)


def metadata(ds: Dataset, drop: frozenset[int]) -> _Json:
    """The dataset's DICOM JSON without bulk data and without the ``drop`` tags.

    Converts (in ``ds``) only the elements it leaves to pydicom, and raises what that
    conversion raises. Only valid when :func:`can_encode`.
    """
    out, _ = _dataset_json(ds, drop, nested=False)
    return out


def _dataset_json(ds: Dataset, drop: frozenset[int],
                  nested: bool) -> tuple[_Json, Exception | None]:
    """The JSON of ``ds``, and (``nested``) the first element pydicom failed to encode.

    pydicom gives up a whole sequence item at its first failing element, and the top-level
    element holding it; every element is still converted first (``_without_bulk``).
    """
    text = _Text(ds)
    out: _Json = {}
    failure: Exception | None = None
    # The elements as read, in tag order as pydicom iterates them; ``_dict`` because
    # ``elements()``' lookups took a third of the time.
    elements = ds._dict
    for tag in sorted(elements, key=int):
        elem = elements[tag]
        if isinstance(elem, RawDataElement):
            # A value of None with a length is a deferred one: pydicom's conversion reads it.
            vr = _raw_vr(elem) if elem.value is not None or not elem.length else None
            if vr in BULK_DATA_VRS:  # kept as bytes: a conversion that cannot fail
                continue
            if vr is not None and vr != "SQ":
                try:
                    encoded = _raw_json(elem, vr, text)
                except _Unsure:
                    pass
                else:
                    if tag not in drop:
                        out[format_tag(tag)] = encoded
                    continue
            elem = ds[tag]  # pydicom's conversion, where the pydicom path does it
        if tag in drop or elem.VR in BULK_DATA_VRS:
            continue
        if elem.VR == "SQ":
            encoded, problem = _sequence_json(elem)
        else:
            encoded, problem = _element_json(elem)
        if problem is not None:  # what to_json_dict(suppress_invalid_tags=True) drops
            if nested:
                failure = failure or problem
            else:
                config.logger.warning(f"Error while processing tag {format_tag(tag)}: {problem}")
            continue
        out[format_tag(tag)] = encoded
    return out, failure


def _sequence_json(elem: DataElement) -> tuple[_Json, Exception | None]:
    items = []
    failure: Exception | None = None
    for item in elem.value:
        encoded, item_failure = _dataset_json(item, _NO_VALUE, nested=True)
        items.append(encoded)
        failure = failure or item_failure
    return {"vr": "SQ", "Value": items}, failure


def _element_json(elem: DataElement) -> tuple[_Json, Exception | None]:
    """A converted element's JSON (plain text as it is, the rest by pydicom), or why not."""
    vr, value = elem.VR, elem.value
    if value is None:  # any empty value but an empty text's: no Value
        return {"vr": vr}, None
    if vr in _PLAIN_TEXT_VRS:
        if isinstance(value, str):
            return ({"vr": vr, "Value": [value]} if value else {"vr": vr}), None
        # A one-value MultiValue is VM 1: pydicom puts the list itself in Value.
        if isinstance(value, MultiValue) and len(value) != 1:
            return ({"vr": vr, "Value": list(value)} if value else {"vr": vr}), None
    try:
        with strict_reading():
            return elem.to_json_dict(bulk_data_element_handler=None,
                                     bulk_data_threshold=1024), None
    except Exception as exc:
        return {}, exc


def _raw_vr(raw: RawDataElement) -> str | None:
    """The VR pydicom's ``raw_element_vr`` gives ``raw``, when it is certain."""
    if raw.VR is None:  # implicit VR: the dictionary's (private tags need their creator)
        try:
            return str(dictionary_VR(raw.tag))
        except KeyError:
            return None
    if raw.VR == "UN":  # pydicom may take the dictionary's VR instead
        return None
    return str(raw.VR)


class _Text:
    """How pydicom decodes the text of one dataset's raw elements (``__getitem__``)."""

    def __init__(self, ds: Dataset) -> None:
        found = ds.original_character_set or ds._character_set
        encodings = [found] if isinstance(found, str) else list(found)
        encodings = encodings or [default_encoding]
        # Without an escape sequence pydicom decodes with the first encoding alone.
        self.codec: str = encodings[0]
        self.person_names = len(encodings) == 1 and self.codec in _PN_ENCODINGS

    def decode(self, value: bytes) -> str:
        if _ESC in value:
            raise _Unsure
        try:
            return value.decode(self.codec)
        except (UnicodeError, LookupError):  # pydicom warns and replaces
            raise _Unsure from None


def _raw_json(raw: RawDataElement, vr: str, text: _Text) -> _Json:
    """``raw``'s JSON as pydicom gives it; :class:`_Unsure` when it is not certain."""
    value = raw.value
    reader = _READERS.get(vr)
    if reader is None:
        raise _Unsure
    if raw.length == 0:  # pydicom's empty value for the VR: no Value
        return {"vr": vr}
    if not isinstance(value, bytes) or len(value) != raw.length:
        raise _Unsure  # undefined length, deferred or short value
    values = reader(raw, vr, value, text)
    return {"vr": vr, "Value": values} if values else {"vr": vr}


def _strings(items: list[str]) -> list[str]:
    """``multi_string``'s values as JSON values: one empty string is no value."""
    return items if len(items) > 1 or items[0] else []


def _default_text(raw: RawDataElement, vr: str, value: bytes, text: _Text) -> list[Any]:
    return _strings(value.decode(default_encoding).rstrip(" \x00").split("\\"))


def _ae(raw: RawDataElement, vr: str, value: bytes, text: _Text) -> list[Any]:
    return _strings([v.strip() for v in value.decode(default_encoding).split("\\")])


def _ui(raw: RawDataElement, vr: str, value: bytes, text: _Text) -> list[Any]:
    # ``UID`` strips each value of whitespace too.
    return _strings([v.strip() for v in value.decode(default_encoding).rstrip(" \x00")
                     .split("\\")])


def _ur(raw: RawDataElement, vr: str, value: bytes, text: _Text) -> list[Any]:
    return _strings([value.decode(default_encoding).rstrip()])


def _split_text(raw: RawDataElement, vr: str, value: bytes, text: _Text) -> list[Any]:
    return _strings([v.rstrip("\0 ") for v in text.decode(value).split("\\")])


def _single_text(raw: RawDataElement, vr: str, value: bytes, text: _Text) -> list[Any]:
    return _strings([text.decode(value).rstrip("\0 ")])


def _ds(raw: RawDataElement, vr: str, value: bytes, text: _Text) -> list[Any]:
    values = value.decode(default_encoding).strip().rstrip(" \x00")
    if not values:
        return []
    items = values.split("\\")
    if not all(_DS_VALUE.fullmatch(v) for v in items):
        raise _Unsure  # an empty, NaN or malformed value: pydicom retries or fails it
    return [float(v) for v in items]


def _is(raw: RawDataElement, vr: str, value: bytes, text: _Text) -> list[Any]:
    values = value.decode(default_encoding).rstrip(" \x00")
    if not values:
        return []
    items = values.split("\\")
    if not all(_IS_VALUE.fullmatch(v) for v in items):
        raise _Unsure
    return [int(v) for v in items]


def _pn(raw: RawDataElement, vr: str, value: bytes, text: _Text) -> list[Any]:
    if not text.person_names:
        raise _Unsure
    names = []
    for name in text.decode(value.rstrip(b"\x00 ")).split("\\"):
        groups = name.split("=")
        while groups and not groups[-1]:  # PersonName drops empty trailing groups
            groups.pop()
        names.append(dict(zip(("Alphabetic", "Ideographic", "Phonetic"), groups,
                              strict=False)))
    if len(names) == 1:
        return names if names[0] else []
    if not all(names):  # an empty name among several: pydicom fails the element
        raise _Unsure
    return names


def _numbers(raw: RawDataElement, vr: str, value: bytes, text: _Text) -> list[Any]:
    size = BINARY_VALUE_SIZES[vr]
    if not raw.is_little_endian or len(value) % size or raw.tag in _LUT_DESCRIPTORS:
        raise _Unsure  # wrong length raises; LUT descriptors are adjusted by pydicom
    return list(struct.unpack(f"<{len(value) // size}{_STRUCT_CODES[vr]}", value))


def _at(raw: RawDataElement, vr: str, value: bytes, text: _Text) -> list[Any]:
    if not raw.is_little_endian or len(value) % 4:
        raise _Unsure
    words = struct.unpack(f"<{len(value) // 2}H", value)
    return [f"{group << 16 | element:08X}" for group, element in zip(words[::2], words[1::2],
                                                                     strict=True)]


_Reader = Callable[[RawDataElement, str, bytes, _Text], list[Any]]
_READERS: dict[str, _Reader] = {
    **dict.fromkeys(_DEFAULT_TEXT_VRS, _default_text),
    **dict.fromkeys(_SPLIT_CHARSET_VRS, _split_text),
    **dict.fromkeys(_SINGLE_CHARSET_VRS, _single_text),
    **dict.fromkeys(_STRUCT_CODES, _numbers),
    "AE": _ae, "UI": _ui, "UR": _ur, "DS": _ds, "IS": _is, "PN": _pn, "AT": _at,
}

