"""Tags: "keyword or 8 hex digits" to a tag number, and back to the DICOM JSON key."""

from __future__ import annotations

import pytest

from dicom_emulator.dicom.tags import (
    format_tag,
    is_private,
    is_private_creator,
    parse_tag,
    private_creator_tag,
    tag_hex,
)


def test_attribute_id_keyword_or_hex() -> None:
    assert parse_tag("PatientName") == 0x00100010
    assert parse_tag("0010001a") == 0x0010001A
    assert parse_tag("patientname") is None
    assert parse_tag("(0010,0010)") is None


@pytest.mark.parametrize("text", ["0010001", "001000100", "0010001G", "0x100010",
                                  "\uff10\uff10\uff11\uff10\uff10\uff10\uff11\uff10"])
def test_only_eight_ascii_hex_digits_are_a_tag(text: str) -> None:
    assert parse_tag(text) is None


def test_any_eight_hex_digits_name_a_tag_known_or_not() -> None:
    assert parse_tag("00091001") == 0x00091001
    assert parse_tag("7FE1FFFF") == 0x7FE1FFFF


def test_the_json_key_is_eight_uppercase_hex_digits() -> None:
    assert format_tag(0x0010001A) == "0010001A"
    assert tag_hex("PixelData") == "7FE00010"
    with pytest.raises(KeyError):
        tag_hex("NoSuchKeyword")


def test_private_tags_and_their_creators() -> None:
    assert is_private(0x00091001) and not is_private(0x00100010)
    assert is_private_creator(0x00090010) and is_private_creator(0x000900FF)
    assert not is_private_creator(0x00091001) and not is_private_creator(0x00100010)
    assert private_creator_tag(0x00091001) == 0x00090010
    assert private_creator_tag(0x0029FF0A) == 0x002900FF
