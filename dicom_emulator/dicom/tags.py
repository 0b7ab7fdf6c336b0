"""Data element tags: "keyword or 8 hex digits" in, a tag number out, and back to 8 hex digits.

DICOMweb names an attribute by its keyword (case-sensitive, as in the standard's data
dictionary) or by its tag as 8 hex digits (``GGGGEEEE``, either case); DICOM JSON keys are
the 8 digits in upper case. Inside the emulator a tag is an ``int``; these functions are
the only place text becomes a tag or a tag becomes text.
"""

from __future__ import annotations

import re

from pydicom.datadict import tag_for_keyword

__all__ = [
    "format_tag",
    "is_private",
    "is_private_creator",
    "is_tag_hex",
    "keyword_tag",
    "parse_tag",
    "private_creator_tag",
    "tag_hex",
]

# re.ASCII: only 0-9 and A-F are hex digits here (\d would take any script's digits).
_TAG_HEX = re.compile(r"[0-9A-Fa-f]{8}", re.ASCII)


def is_tag_hex(text: str) -> bool:
    """Whether ``text`` is a tag spelled as 8 hex digits (``"0010001a"`` is)."""
    return _TAG_HEX.fullmatch(text) is not None


def parse_tag(text: str) -> int | None:
    """The tag ``text`` names: a standard keyword (case-sensitive) or 8 hex digits.

    Any 8 hex digits name a tag, known to the dictionary or not; None when ``text`` is
    neither form (``"patientname"``, ``"(0010,0010)"``).
    """
    if is_tag_hex(text):
        return int(text, 16)
    return tag_for_keyword(text)


def keyword_tag(keyword: str) -> int:
    """The tag of a standard keyword; ``KeyError`` for anything else."""
    tag = tag_for_keyword(keyword)
    if tag is None:
        raise KeyError(keyword)
    return tag


def format_tag(tag: int) -> str:
    """A tag as its DICOM JSON key: 8 uppercase hex digits (``0x0010001A`` -> ``"0010001A"``)."""
    return f"{tag:08X}"


def tag_hex(keyword: str) -> str:
    """A standard keyword's DICOM JSON key (``"PatientName"`` -> ``"00100010"``)."""
    return format_tag(keyword_tag(keyword))


def is_private(tag: int) -> bool:
    """Whether ``tag`` is in an odd (private) group."""
    return bool((tag >> 16) & 1)


def is_private_creator(tag: int) -> bool:
    """Whether ``tag`` is a private creator element ``(gggg,0010)`` … ``(gggg,00FF)``."""
    return is_private(tag) and 0x0010 <= (tag & 0xFFFF) <= 0x00FF


def private_creator_tag(tag: int) -> int:
    """The creator element of a private element: ``(gggg,xxyy)`` -> ``(gggg,00xx)``."""
    return (tag & 0xFFFF0000) | ((tag >> 8) & 0xFF)
