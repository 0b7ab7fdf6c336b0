"""Index values of extended query tags: typing, normalization and the service's error codes."""

from __future__ import annotations

import pytest

from dicom_emulator.dicom.indexing import (
    ErrorCode,
    IndexedValue,
    InvalidValue,
    find_element,
    index_value,
)
from dicom_emulator.dicom.values import InvalidValueError, canonical_date_time, canonical_time


def element(vr: str, *values: object) -> dict:
    return {"vr": vr, "Value": list(values)} if values else {"vr": vr}


@pytest.mark.parametrize(("vr", "value", "expected"), [
    ("LO", "Acme  ", IndexedValue("Acme", None, None, '"Acme  "')),
    ("AS", "030Y", IndexedValue("030Y", None, None, '"030Y"')),
    ("UI", "1.2.840.10008", IndexedValue("1.2.840.10008", None, None, '"1.2.840.10008"')),
    ("DA", "20240229", IndexedValue("20240229", None, None, '"20240229"')),
    ("DT", "2024", IndexedValue("20240101000000.000000", None, None, '"2024"')),
    ("DT", "20240102030405.5+0100",
     IndexedValue("20240102030405.500000", None, None, '"20240102030405.5+0100"')),
    ("TM", "0930", IndexedValue("093000.000000", None, None, '"0930"')),
    ("IS", 42, IndexedValue(None, 42, None, "42")),
    ("US", 7, IndexedValue(None, 7, None, "7")),
    ("FD", 1.5, IndexedValue(None, None, 1.5, "1.5")),
    ("PN", {"Alphabetic": "Müller^Jürgen"},
     IndexedValue("muller^jurgen", None, None, '{"Alphabetic":"Müller^Jürgen"}')),
])
def test_values_index_typed_and_normalized(vr: str, value: object,
                                           expected: IndexedValue) -> None:
    assert index_value(vr, element(vr, value)) == expected


def test_only_the_first_value_is_indexed() -> None:
    value = index_value("CS", element("CS", "A", "B"))
    assert value is not None and value.text == "A"


@pytest.mark.parametrize("item", [None, element("LO"), element("LO", ""), element("LO", None)])
def test_nothing_to_index(item: dict | None) -> None:
    assert index_value("LO", item) is None


@pytest.mark.parametrize(("vr", "item", "code"), [
    ("AS", element("LO", "030Y"), ErrorCode.UNEXPECTED_VR),
    ("AS", element("AS", "30Y"), ErrorCode.UNEXPECTED_LENGTH),
    ("AS", element("AS", "030X"), ErrorCode.INVALID_CHARACTERS),
    ("SH", element("SH", "x" * 17), ErrorCode.EXCEED_MAX_LENGTH),
    ("LO", element("LO", "a\\b"), ErrorCode.INVALID_CHARACTERS),
    ("DA", element("DA", "20240230"), ErrorCode.DATE_IS_INVALID),
    ("DT", element("DT", "2024.5"), ErrorCode.DATE_TIME_IS_INVALID),
    ("TM", element("TM", "2500"), ErrorCode.TIME_IS_INVALID),
    ("UI", element("UI", "1.2.abc"), ErrorCode.UID_IS_INVALID),
    ("IS", element("IS", "1234567890123"), ErrorCode.EXCEED_MAX_LENGTH),
    ("PN", element("PN", {"Alphabetic": "a^b^c^d^e^f"}),
     ErrorCode.PERSON_NAME_EXCEED_MAX_COMPONENTS),
    ("PN", element("PN", {"Alphabetic": "x" * 65}), ErrorCode.PERSON_NAME_GROUP_EXCEED_MAX_LENGTH),
])
def test_invalid_values_carry_the_services_code(vr: str, item: dict, code: ErrorCode) -> None:
    with pytest.raises(InvalidValue) as raised:
        index_value(vr, item)
    assert raised.value.code is code
    assert str(raised.value) == code.message


def test_fixed_width_forms_sort_in_time_order() -> None:
    times = ["0930", "09", "093000.5", "2359", "000001"]
    assert sorted(canonical_time(t) for t in times) == [
        "000001.000000", "090000.000000", "093000.000000", "093000.500000", "235900.000000"]
    assert canonical_date_time("202402") == "20240201000000.000000"
    with pytest.raises(InvalidValueError):
        canonical_date_time("20241301")


def test_private_elements_need_their_creator() -> None:
    metadata = {"00090010": element("LO", "ACME"), "00091001": element("LO", "x"),
                "00091101": element("LO", "y")}
    assert find_element(metadata, "00091001", "ACME") == element("LO", "x")
    assert find_element(metadata, "00091001", "OTHER") is None
    assert find_element(metadata, "00091101", "ACME") is None  # block 11 has no creator
    assert find_element(metadata, "00091001", None) == element("LO", "x")
