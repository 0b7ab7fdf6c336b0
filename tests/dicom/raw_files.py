"""Part 10 files written byte by byte, so that they can hold what pydicom would not write.

The JSON encoder's tests need values pydicom rejects, retries or reads in a special way
(odd lengths, wrong binary lengths, UN, escape sequences, undefined-length items), in
every encoding the store path meets. An element is ``(tag, vr, value)``; ``value`` is the
value field's bytes, or for SQ a list of items (each a list of elements).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import TypeAlias

from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

# PS3.5 7.1.2: these VRs have a 4-byte length after two reserved bytes.
_LONG_VRS = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "UC", "UN", "UR", "UT"})
UNDEFINED = 0xFFFFFFFF

Value: TypeAlias = "bytes | list[list[Element]]"
Element: TypeAlias = tuple[int, str, Value]


@dataclass(frozen=True)
class Encoding:
    syntax: str
    implicit: bool
    little: bool
    undefined_lengths: bool = False  # sequences and items of undefined length


EXPLICIT_LE = Encoding(ExplicitVRLittleEndian, implicit=False, little=True)
IMPLICIT_LE = Encoding(ImplicitVRLittleEndian, implicit=True, little=True)
EXPLICIT_BE = Encoding(ExplicitVRBigEndian, implicit=False, little=False)


def part10(elements: list[Element], encoding: Encoding = EXPLICIT_LE) -> bytes:
    """A Part 10 file: preamble, file meta (explicit VR little endian), the dataset."""
    syntax = encoding.syntax.encode() + b"\0" * (len(encoding.syntax) % 2)
    meta = _element(0x00020010, "UI", syntax, EXPLICIT_LE)
    meta = _element(0x00020000, "UL", struct.pack("<L", len(meta)), EXPLICIT_LE) + meta
    return b"\0" * 128 + b"DICM" + meta + dataset(elements, encoding)


def dataset(elements: list[Element], encoding: Encoding) -> bytes:
    return b"".join(_element(tag, vr, value, encoding) for tag, vr, value in elements)


def _element(tag: int, vr: str, value: Value, encoding: Encoding) -> bytes:
    order = "<" if encoding.little else ">"
    if isinstance(value, list):
        body = b"".join(_item(item, encoding) for item in value)
        if encoding.undefined_lengths:
            body += struct.pack(f"{order}HHL", 0xFFFE, 0xE0DD, 0)
    else:
        body = value
    length = UNDEFINED if isinstance(value, list) and encoding.undefined_lengths else len(body)
    head = struct.pack(f"{order}HH", tag >> 16, tag & 0xFFFF)
    if encoding.implicit:
        return head + struct.pack(f"{order}L", length) + body
    if vr in _LONG_VRS:
        return head + vr.encode() + b"\0\0" + struct.pack(f"{order}L", length) + body
    return head + vr.encode() + struct.pack(f"{order}H", length) + body


def _item(elements: list[Element], encoding: Encoding) -> bytes:
    order = "<" if encoding.little else ">"
    body = dataset(elements, encoding)
    if encoding.undefined_lengths:
        return (struct.pack(f"{order}HHL", 0xFFFE, 0xE000, UNDEFINED) + body
                + struct.pack(f"{order}HHL", 0xFFFE, 0xE00D, 0))
    return struct.pack(f"{order}HHL", 0xFFFE, 0xE000, len(body)) + body
