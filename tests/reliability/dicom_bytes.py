"""Byte-level surgery on Part 10 files, for mutation fuzzing.

Mutations must reach the parser as a hostile client would send them, so they edit the
encoded bytes (lengths, VRs, values) rather than a pydicom dataset that would refuse or
repair them when written.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

PREAMBLE = 132  # 128 zero bytes and "DICM"
# Explicit VR elements with a 2-byte reserved field and a 4-byte length.
LONG_VRS = {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR",
            b"UT", b"UV"}
UNDEFINED = 0xFFFFFFFF


@dataclass(frozen=True)
class Element:
    """Where one top-level explicit-VR little-endian element sits in a file."""

    tag: int
    start: int        # offset of the tag
    vr_offset: int
    length_offset: int
    length_size: int  # 2 or 4
    value_offset: int
    length: int


def walk(data: bytes, start: int = PREAMBLE) -> list[Element]:
    """Top-level elements from ``start`` until the data ends or stops parsing as explicit
    VR little endian (an undefined length ends the walk too: its end needs a real parser)."""
    elements = []
    offset = start
    while offset + 8 <= len(data):
        group, number = struct.unpack_from("<HH", data, offset)
        vr = data[offset + 4:offset + 6]
        if not vr.isalpha():
            break
        if vr in LONG_VRS:
            length_offset, size = offset + 8, 4
            if length_offset + 4 > len(data):
                break
            length = struct.unpack_from("<I", data, length_offset)[0]
        else:
            length_offset, size = offset + 6, 2
            length = struct.unpack_from("<H", data, length_offset)[0]
        value = length_offset + size
        elements.append(Element((group << 16) | number, offset, offset + 4, length_offset,
                                size, value, length))
        if length == UNDEFINED or value + length > len(data):
            break
        offset = value + length
    return elements


def encode(tag: int, vr: bytes, value: bytes) -> bytes:
    """One explicit-VR little-endian element (the value padded to an even length)."""
    if len(value) % 2:
        value += b"\0" if vr in (b"UI", b"OB", b"UN") else b" "
    head = struct.pack("<HH", tag >> 16, tag & 0xFFFF) + vr
    if vr in LONG_VRS:
        return head + b"\0\0" + struct.pack("<I", len(value)) + value
    return head + struct.pack("<H", len(value)) + value


def replace_element(data: bytes, tag: int, vr: bytes, value: bytes) -> bytes:
    """``data`` with top-level element ``tag`` set to ``value`` (inserted in tag order when
    absent); the file meta group length is fixed when ``tag`` is in group 2."""
    elements = walk(data)
    new = encode(tag, vr, value)
    for element in elements:
        if element.tag == tag:
            end = element.value_offset + element.length
            data = data[:element.start] + new + data[end:]
            break
        if element.tag > tag:
            data = data[:element.start] + new + data[element.start:]
            break
    else:
        data += new
    return _fix_meta_length(data) if tag >> 16 == 2 else data


def _fix_meta_length(data: bytes) -> bytes:
    elements = walk(data)
    if not elements or elements[0].tag != 0x00020000:
        return data
    meta = [e for e in elements if e.tag >> 16 == 2]
    end = meta[-1].value_offset + meta[-1].length
    group_length = end - (elements[0].value_offset + 4)
    at = elements[0].value_offset
    return data[:at] + struct.pack("<I", group_length) + data[at + 4:]


def nested_sequence(depth: int) -> bytes:
    """ContentSequence (0040,A730) nested ``depth`` deep, undefined lengths all the way."""
    item_start = struct.pack("<HHI", 0xFFFE, 0xE000, UNDEFINED)
    item_end = struct.pack("<HHI", 0xFFFE, 0xE00D, 0)
    seq_end = struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)
    open_seq = struct.pack("<HH", 0x0040, 0xA730) + b"SQ\0\0" + struct.pack("<I", UNDEFINED)
    body = encode(0x00080100, b"SH", b"1")
    for _ in range(depth):
        body = open_seq + item_start + body + item_end + seq_end
    return body


def insert_before_pixels(data: bytes, raw: bytes) -> bytes:
    """``raw`` placed before the pixel data element (or at the end)."""
    for element in walk(data):
        if element.tag >= 0x7FE00010:
            return data[:element.start] + raw + data[element.start:]
    return data + raw
