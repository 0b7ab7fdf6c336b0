"""fo-dicom's value checks (``DicomValidation``) for the common string VRs, in its words.

v2 warnings are fo-dicom's ``DicomValidationException`` messages (``Content "…" does not
validate VR DA: one of the date values does not match the pattern YYYYMMDD``); this module
gives the reason part for the VRs it knows, ``None`` when the value passes, and leaves
the other VRs to :func:`dicom_emulator.dicom.validation.check_element`'s general check.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["KNOWN_VRS", "reason"]


def _too_long(limit: int) -> str:
    return f"value exceeds maximum length of {limit} characters"


def _control(text: str, allow_esc: bool = True) -> bool:
    return any((ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F) and not (allow_esc and c == "\x1b")
               for c in text)


def _ae(v: str) -> str | None:
    if len(v) > 16:
        return _too_long(16)
    if not v.strip():
        return "value may not consist only of spaces"
    return "value contains invalid control character" if "\\" in v or _control(v, False) else None


def _as(v: str) -> str | None:
    return None if re.fullmatch(r"\d\d\d[DWMY]", v) else "value does not have pattern 000[DWMY]"


def _cs(v: str) -> str | None:
    if len(v) > 16:
        return _too_long(16)
    if not re.fullmatch(r"[A-Z0-9_ ]*", v):
        return ("value contains invalid character. Only uppercase character, digits, space "
                "and underscore alre allowed")
    return None


def _da(v: str) -> str | None:
    parts = v.split("-")
    if len(parts) > 2:
        return "value contains too many range separators '-'"
    for part in (p.rstrip(" ") for p in parts):
        if not part:
            continue
        if not re.fullmatch(r"\d{8}", part):
            return "one of the date values does not match the pattern YYYYMMDD"
        if int(part[4:6]) > 12:
            return "month component exceeds the value 12"
        if int(part[6:8]) > 31:
            return "day component exceeds the value 31"
    return None


def _ds(v: str) -> str | None:
    if len(v) > 16:
        return _too_long(16)
    pattern = r"[+-]?((\d+(\.\d*)?)|(\.\d+))([eE][-+]?\d+)?"
    return None if re.fullmatch(pattern, v.strip(" ")) else "value is no decimal string"


def _is(v: str) -> str | None:
    if not re.fullmatch(r"[+-]?\d+", v.strip(" ")):
        return "value is not an integer string"
    return None if -2**31 <= int(v) < 2**31 else "value too large to fit 32 bit integer"


def _lo(v: str) -> str | None:
    if len(v) > 64:
        return _too_long(64)
    return "value contains invalid character" if "\\" in v or _control(v) else None


def _sh(v: str) -> str | None:
    if "\\" in v or _control(v):
        return "value contains invalid character"
    return _too_long(16) if len(v) > 16 else None


def _pn(v: str) -> str | None:
    groups = v.split("=")
    if len(groups) > 3:
        return "value contains too many groups"
    for group in groups:
        if len(group) > 64:
            return _too_long(64)
        if _control(group):
            return "value contains invalid control character"
    return "value contains too many components" if any(
        len(g.split("^")) > 5 for g in groups) else None


def _tm(v: str) -> str | None:
    parts = v.split("-")
    if len(parts) > 2:
        return "value contains too many range separators '-'"
    for part in (p.rstrip(" ") for p in parts):
        if part and not re.fullmatch(r"\d{2}|\d{4}|\d{6}|\d{6}\.\d{1,6}", part):
            return "value does not mach pattern HH or HHMM or HHMMSS or HHMMSS.F{1-6}"
    return None


def _ui(v: str) -> str | None:
    if len(v) > 64:
        return _too_long(64)
    if not re.fullmatch(r"[0-9.]*", v):
        return "value contains invalid characters other than '0'-'9' and '.'"
    if v.startswith("0") or re.search(r"[.]0\d", v):
        return "components must not have leading zeros"
    if v.startswith(".") or ".." in v or v.endswith("."):
        return "a component can not be empty"
    return None


_CHECKS: dict[str, Callable[[str], str | None]] = {
    "AE": _ae, "AS": _as, "CS": _cs, "DA": _da, "DS": _ds, "IS": _is, "LO": _lo,
    "PN": _pn, "SH": _sh, "TM": _tm, "UI": _ui,
}
KNOWN_VRS = frozenset(_CHECKS)


def reason(vr: str, value: str) -> str | None:
    """fo-dicom's reason why one value of VR ``vr`` is invalid, or ``None``."""
    return _CHECKS[vr](value)
