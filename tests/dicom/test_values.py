"""DA/DT/TM values: what extended-query-tag indexing keeps is exactly what a QIDO query names.

One table: every value goes through the store-side path (``index_value``, used at STOW, in
v1 validation and by the reindex) and the query-side path (``parse_query`` for an extended
query tag of the VR, as an exact match and as a one-value range). A value either indexes
and is queryable, both in the same canonical text, or neither. Refusals are spelled in the
service's words (``DicomCoreResource.resx``) and codes (``ValidationErrorCode``).
"""

from __future__ import annotations

from typing import Any

import pytest

from dicom_emulator.dicom.attributes import Level
from dicom_emulator.dicom.indexing import InvalidValue, index_value
from dicom_emulator.dicom.matching import Exact, Range
from dicom_emulator.dicom.values import has_invalid_characters, is_valid_long_string
from dicom_emulator.features.extended_query_tags.search import ExtendedQueryTagAttribute
from dicom_emulator.features.query.parser import QueryParseError, QueryResource, parse_query

# An extended query tag of each VR, and how the service names it in messages.
_TAGS = {"DA": ("00080022", "AcquisitionDate"), "DT": ("0008002A", "AcquisitionDateTime"),
         "TM": ("00080032", "AcquisitionTime")}
# ValidationErrorCode: DateIsInvalid, DateTimeIsInvalid, TimeIsInvalid.
_CODES = {"DA": 1100, "DT": 1300, "TM": 1400}
_REFUSALS = {
    "DA": "Invalid query: specified Date value '{}' is invalid for attribute 'AcquisitionDate'. "
          "Date should be valid and formatted as yyyyMMdd.",
    "DT": "Invalid query: specified DateTime value '{}' is invalid for attribute "
          "'AcquisitionDateTime'. DateTime should be valid and formatted as "
          "yyyyMMddHHmmss.FFFFFF where yyyy is mandatory.",
    "TM": "Invalid query: specified Time value '{}' is invalid for parameter 'AcquisitionTime'. "
          "Time should be valid and formatted as HHmmss.FFFFFF where HH is mandatory.",
}


def _attribute(vr: str) -> ExtendedQueryTagAttribute:
    tag, _ = _TAGS[vr]
    return ExtendedQueryTagAttribute(tag_key=1, tag=tag, vr=vr, level=Level.INSTANCE,
                                     query_disabled=False, has_errors=False)


def indexed(vr: str, value: str) -> str | int | None:
    """Store side: the indexed text, the error code recorded, or None (nothing indexed)."""
    try:
        result = index_value(vr, {"vr": vr, "Value": [value]})
    except InvalidValue as exc:
        return int(exc.code)
    return None if result is None else result.text


def queried(vr: str, value: str) -> str:
    """Query side: the text an exact match and a one-value range compare with, or the 400."""
    try:
        exact, span = (
            parse_query([(_TAGS[vr][1], text)], QueryResource.ALL_INSTANCES,
                        extra=[_attribute(vr)]).filters[0].condition
            for text in (value, f"{value}-{value}"))
    except QueryParseError as exc:
        return exc.message
    assert isinstance(exact, Exact) and isinstance(exact.value, str)
    assert span == Range(exact.value, exact.value)
    return exact.value


def valid(vr: str, value: str, canonical: str, *, query: str | None = None) -> Any:
    """Indexed and queryable, as ``canonical``; ``query`` spells it where the stored form
    cannot be spelled in a query (an offset, padding)."""
    return pytest.param(vr, value, query or value, canonical, canonical, id=f"{vr} {value!r}")


def invalid(vr: str, value: str) -> Any:
    """Neither: the store side records the VR's error code, the query side answers 400."""
    return pytest.param(vr, value, value, _CODES[vr], _REFUSALS[vr].format(value),
                        id=f"{vr} {value!r}")


def leap_second(vr: str, value: str) -> Any:
    """Neither, but no error either: fo-dicom's validator takes second 60, .NET's DateTime
    does not, so the service writes no index row and records nothing."""
    return pytest.param(vr, value, value, None, _REFUSALS[vr].format(value),
                        id=f"{vr} {value!r} (leap second)")


CASES = [
    valid("DA", "20200101", "20200101"),
    valid("DA", "20240229", "20240229"),  # a leap year
    valid("DA", "20200101 ", "20200101", query="20200101"),  # trailing padding
    invalid("DA", "20230229"),  # not a leap year
    invalid("DA", "20241301"),
    invalid("DA", "00000101"),  # there is no year 0
    invalid("DA", "2024010"),
    invalid("DA", "2024-01-01"),
    invalid("DA", "\u0662\u0660\u0662\u0660\u0660\u0661\u0660\u0661"),  # Arabic-Indic digits
    invalid("DA", "\uff12\uff10\uff12\uff10\uff10\uff11\uff10\uff11"),  # fullwidth digits
    # DT: short forms take their missing parts at the minimum.
    valid("DT", "2024", "20240101000000.000000"),
    valid("DT", "202402", "20240201000000.000000"),
    valid("DT", "20240203", "20240203000000.000000"),
    valid("DT", "2024020310", "20240203100000.000000"),
    valid("DT", "202402031045", "20240203104500.000000"),
    valid("DT", "20240203104512", "20240203104512.000000"),
    valid("DT", "20200101235959", "20200101235959.000000"),
    # Fractions: 1 to 6 digits, only after the seconds.
    valid("DT", "20240203104512.5", "20240203104512.500000"),
    valid("DT", "20240203104512.123456", "20240203104512.123456"),
    invalid("DT", "20240203104512.1234567"),
    invalid("DT", "20240203104512."),
    invalid("DT", "2024020310.5"),
    invalid("DT", "2024.5"),
    # Offsets: indexed as the literal date and time, which is what a query can name.
    valid("DT", "20240203104512.5+0100", "20240203104512.500000", query="20240203104512.5"),
    valid("DT", "20240203104512-0500", "20240203104512.000000", query="20240203104512"),
    valid("DT", "2024+0000", "20240101000000.000000", query="2024"),
    invalid("DT", "20240203104512+01"),
    invalid("DT", "20240230"),
    invalid("DT", "20240203240000"),
    invalid("DT", "20240203106000"),
    invalid("DT", "20240"),
    invalid("DT", "\u0662\u0660\u0662\u0664"),
    leap_second("DT", "20200101235960"),
    leap_second("DT", "20161231235960.5"),
    # TM
    valid("TM", "10", "100000.000000"),
    valid("TM", "1045", "104500.000000"),
    valid("TM", "104512", "104512.000000"),
    valid("TM", "104512.25", "104512.250000"),
    valid("TM", "235959.999999", "235959.999999"),
    valid("TM", "0930 ", "093000.000000", query="0930"),
    invalid("TM", "104512.1234567"),
    invalid("TM", "1045.5"),
    invalid("TM", "2400"),
    invalid("TM", "1060"),
    invalid("TM", "1"),
    invalid("TM", "10:45"),
    invalid("TM", "\u0661\u0660\u0664\u0665"),
    leap_second("TM", "235960"),
    leap_second("TM", "235960.5"),
]


@pytest.mark.parametrize(("vr", "stored", "query", "store_side", "query_side"), CASES)
def test_a_value_is_indexed_exactly_when_a_query_can_name_it(
        vr: str, stored: str, query: str, store_side: str | int | None, query_side: str) -> None:
    assert indexed(vr, stored) == store_side
    assert queried(vr, query) == query_side


def test_a_query_cannot_carry_the_offset_an_indexed_value_had() -> None:
    # '+' in a query string arrives as a space; the service shows it encoded again.
    for value in ("20240203104512.5+0100", "20240203104512.5 0100"):
        assert queried("DT", value) == (
            "Invalid query: specified DateTime value '20240203104512.5+0100' for attribute "
            "AcquisitionDateTime contains offset which is not supported.")
    assert indexed("DT", "20240203104512.5+0100") == "20240203104512.500000"


def test_only_trailing_spaces_are_padding() -> None:
    assert indexed("TM", " 0930") == 1400
    assert indexed("DT", " 2024") == 1300


@pytest.mark.parametrize(("value", "valid"), [
    ("ACME 1.0", True),
    ("x" * 64, True),
    ("x" * 65, False),
    ("a\\b", False),  # the value separator
    ("a\nb", False),
    ("\x1b$B", True),  # ESC switches character sets
])
def test_long_string_rule(value: str, valid: bool) -> None:
    assert is_valid_long_string(value) is valid


def test_escape_counts_where_not_allowed() -> None:
    assert has_invalid_characters("\x1b$B", escape_allowed=False)
    assert not has_invalid_characters("\x1b$B", escape_allowed=True)
