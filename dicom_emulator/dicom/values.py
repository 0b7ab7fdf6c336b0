"""DICOM value rules shared by indexing and QIDO: DA/DT/TM canonical forms, the LO characters.

A date or time is kept and compared as fixed-width canonical text (``YYYYMMDD``,
``YYYYMMDDHHMMSS.FFFFFF``, ``HHMMSS.FFFFFF``: missing parts at their minimum), so that
text order is time order. Extended-query-tag indexing (``dicom.indexing``) and the QIDO
parser (``features.query.parser``) both call the functions here; a value indexes exactly
when a query can name it, in the same text.

Which values are dates and times follows the service (microsoft/dicom-server eeefbe4, with
fo-dicom 5.1.2), where indexing and queries parse alike, with .NET's ``DateTime``: DA
``yyyyMMdd`` (``Core/Extensions/DicomDatasetExtensions.cs:174`` to index,
``Core/Features/Query/BaseQueryParser.cs:227`` to query); DT ``yyyy`` …
``yyyyMMddHHmmss.FFFFFF`` (``DicomDatasetExtensions.cs:45-61,202``, which also takes a UTC
offset, and ``BaseQueryParser.cs:54-63,241``); TM through fo-dicom's ``DicomTime``, formats
``HH`` … ``HHmmss.ffffff`` (``DicomDatasetExtensions.cs:280``, ``BaseQueryParser.cs:262-263``).
So a date must exist in the calendar, seconds run 00-59, and only ASCII 0-9 are digits
(.NET's date parser reads no other script's digits). ``DicomTime`` also reads ``HH:mm``
and ``HH.mm`` spellings and fractions without a dot; these rules keep to PS3.5's form.
"""

from __future__ import annotations

import re
from datetime import date

from dicom_emulator.dicom.vr import MAX_LENGTHS

__all__ = [
    "InvalidValueError",
    "LeapSecondError",
    "UtcOffsetError",
    "canonical_date",
    "canonical_date_time",
    "canonical_time",
    "has_invalid_characters",
    "is_valid_long_string",
]


class InvalidValueError(ValueError):
    """The text is not a value of its VR in any form the service parses."""


class LeapSecondError(InvalidValueError):
    """Second 60: PS3.5 allows a leap second and so does the service's validator (fo-dicom
    ``DicomValidation.cs:294`` for DT, ``:637`` for TM), but no .NET ``DateTime`` holds one:
    the service neither indexes such a value nor can a query name it."""


class UtcOffsetError(InvalidValueError):
    """A date-time with a UTC offset where none is allowed (QIDO: "contains offset")."""


# re.ASCII: \d is 0-9 only; without it, any script's digits (Arabic-Indic ...) would match.
_DA = re.compile(r"(\d{4})(\d{2})(\d{2})", re.ASCII)
# Each part only after the one before it (no "non-trailing null components", PS3.5 §6.2),
# a fraction only after the seconds, then an optional UTC offset &ZZXX.
_DT = re.compile(
    r"(\d{4})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.(\d{1,6}))?)?)?)?)?)?"
    r"([+-]\d{4})?", re.ASCII)
_TM = re.compile(r"(\d{2})(?:(\d{2})(?:(\d{2})(?:\.(\d{1,6}))?)?)?", re.ASCII)


def _check_date(year: int, month: int, day: int, text: str) -> None:
    try:
        date(year, month, day)  # also refuses year 0, as .NET's DateTime does
    except ValueError:
        raise InvalidValueError(text) from None


def _time_text(hour: int, minute: int, second: int, fraction: str | None, text: str) -> str:
    """``HHMMSS.FFFFFF`` of checked parts (a missing fraction is zero)."""
    if hour > 23 or minute > 59 or second > 60:
        raise InvalidValueError(text)
    if second == 60:
        raise LeapSecondError(text)
    return f"{hour:02d}{minute:02d}{second:02d}.{(fraction or '').ljust(6, '0')}"


def canonical_date(text: str) -> str:
    """A DA value (``YYYYMMDD``, a date of the calendar) as it is indexed and queried.

    Raises
    ------
    InvalidValueError
        When ``text`` is no such date.
    """
    match = _DA.fullmatch(text)
    if match is None:
        raise InvalidValueError(text)
    year, month, day = match.groups()
    _check_date(int(year), int(month), int(day), text)
    return text


def canonical_date_time(text: str, *, offset_allowed: bool = False) -> str:
    """A DT value (``YYYY[MM[DD[HH[MM[SS[.F{1,6}]]]]]][&ZZXX]``) as ``YYYYMMDDHHMMSS.FFFFFF``.

    Missing parts are at their minimum. A UTC offset, where allowed, is ignored: the
    service indexes the literal date and time.

    Raises
    ------
    UtcOffsetError
        When ``text`` is a valid date-time with an offset and ``offset_allowed`` is False.
    LeapSecondError, InvalidValueError
        When ``text`` is no such date-time (a leap second being a special case).
    """
    match = _DT.fullmatch(text)
    if match is None:
        raise InvalidValueError(text)
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    _check_date(int(year), int(month or 1), int(day or 1), text)
    time = _time_text(int(hour or 0), int(minute or 0), int(second or 0), fraction, text)
    if offset is not None and not offset_allowed:
        raise UtcOffsetError(text)
    return f"{year}{month or '01'}{day or '01'}{time}"


def canonical_time(text: str) -> str:
    """A TM value (``HH[MM[SS[.F{1,6}]]]``) as ``HHMMSS.FFFFFF`` (missing parts zero).

    Raises
    ------
    LeapSecondError, InvalidValueError
        When ``text`` is no such time (a leap second being a special case).
    """
    match = _TM.fullmatch(text)
    if match is None:
        raise InvalidValueError(text)
    hour, minute, second, fraction = match.groups()
    return _time_text(int(hour), int(minute or 0), int(second or 0), fraction, text)


def has_invalid_characters(value: str, *, escape_allowed: bool) -> bool:
    """Whether a short text value holds a backslash (the value separator) or a control
    character; ESC (which starts a character-set switch) only counts where not allowed.

    The service's LO rule (``LongStringValidation.cs:32``, ESC allowed). Its
    ``char.IsControl`` also counts DEL and the C1 controls; this rule does not (yet).
    """
    return any(c == "\\" or (ord(c) < 0x20 and not (escape_allowed and c == "\x1b"))
               for c in value)


def is_valid_long_string(value: str) -> bool:
    """Whether ``value`` is a valid LO value: at most 64 characters, no invalid character."""
    return len(value) <= MAX_LENGTHS["LO"] and not has_invalid_characters(value,
                                                                           escape_allowed=True)


_INTEGER_TEXT = re.compile(r"^\s*[+-]?[0-9]+\s*$", re.ASCII)


def integer_in_bits(text: str, bits: int) -> int | None:
    """``text`` as a signed ``bits``-bit integer (.NET's ``int``/``long`` parse), or None
    when it is no integer or does not fit. The length is checked before Python's ``int()``,
    which refuses strings over 4,300 digits with a ValueError (a 500, not the 400)."""
    digits = text.strip().lstrip("+-").lstrip("0")
    if not _INTEGER_TEXT.match(text) or len(digits) > len(str(2**bits)):
        return None
    value = int(text)
    return value if -(2**bits) <= value < 2**bits else None
