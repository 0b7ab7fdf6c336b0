"""WADO-RS content negotiation: Accept headers in, (media type, multipart, syntax) out."""

from __future__ import annotations

import pytest

from dicom_emulator.errors import NotAcceptableError
from dicom_emulator.features.retrieve.negotiation import (
    Negotiated,
    Resource,
    negotiate,
    negotiate_rendered,
    parse_accept_values,
)

# Short names keep each case of the tables below on one line.
from tests.support.headers import DICOM
from tests.support.headers import EXPLICIT_VR_LITTLE_ENDIAN as EVRLE
from tests.support.headers import JPEG_2000_LOSSLESS as J2K
from tests.support.headers import MULTIPART_DICOM as MP_DICOM
from tests.support.headers import MULTIPART_OCTET_STREAM as MP_OCTET
from tests.support.headers import OCTET_STREAM as OCTET

# The service's words (DicomCoreResource.resx at microsoft/dicom-server eeefbe4), spelled out
# here so that the emulator's copies are checked against them.
NOT_ACCEPTABLE_HEADERS = "The request headers are not acceptable"  # NotAcceptableHeaders
MULTIPLE_ACCEPT_HEADERS = (  # MultipleAcceptHeadersNotSupported
    "The request contains multiple accept headers, which is not supported.")

STUDY, SERIES = Resource.STUDY, Resource.SERIES
INSTANCE, FRAMES = Resource.INSTANCE, Resource.FRAMES


def result(resource: Resource, *headers: str) -> Negotiated:
    return negotiate(resource, parse_accept_values(headers))


ACCEPTED = [
    # study and series: multipart only
    (STUDY, MP_DICOM, Negotiated(DICOM, True, EVRLE)),
    (STUDY, MP_DICOM + "; transfer-syntax=*", Negotiated(DICOM, True, "*")),
    (SERIES, MP_DICOM + f"; transfer-syntax={EVRLE}", Negotiated(DICOM, True, EVRLE)),
    (SERIES, MP_DICOM + f'; transfer-syntax="{J2K}"', Negotiated(DICOM, True, J2K)),
    (STUDY, "multipart/related; type=application/dicom; transfer-syntax=*",
     Negotiated(DICOM, True, "*")),
    (STUDY, 'Multipart/Related; Type="Application/DICOM"', Negotiated(DICOM, True, EVRLE)),
    (STUDY, 'multipart/related; type="*/*"', Negotiated(DICOM, True, "*")),
    # instance: single part too
    (INSTANCE, DICOM, Negotiated(DICOM, False, EVRLE)),
    (INSTANCE, DICOM + "; transfer-syntax=*", Negotiated(DICOM, False, "*")),
    (INSTANCE, DICOM + f"; transfer-syntax={J2K}", Negotiated(DICOM, False, J2K)),
    (INSTANCE, MP_DICOM, Negotiated(DICOM, True, EVRLE)),
    (INSTANCE, "*/*", Negotiated(DICOM, True, "*")),
    (INSTANCE, f"*/*; transfer-syntax={EVRLE}", Negotiated(DICOM, True, EVRLE)),
    # frames
    (FRAMES, MP_OCTET, Negotiated(OCTET, True, EVRLE)),
    (FRAMES, MP_OCTET + "; transfer-syntax=*", Negotiated(OCTET, True, "*")),
    (FRAMES, OCTET + "; transfer-syntax=*", Negotiated(OCTET, False, "*")),
    (FRAMES, OCTET, Negotiated(OCTET, False, EVRLE)),
    (FRAMES, 'multipart/related; type="image/jp2"', Negotiated("image/jp2", True, J2K)),
    (FRAMES, f'multipart/related; type="image/jp2"; transfer-syntax={J2K}',
     Negotiated("image/jp2", True, J2K)),
    (FRAMES, "*/*", Negotiated(OCTET, True, "*")),
    # dicomweb-client's retrieve_instance_frames() default
    (FRAMES, 'multipart/related; type="*/*"', Negotiated(OCTET, True, "*")),
]


@pytest.mark.parametrize(("resource", "header", "expected"), ACCEPTED)
def test_acceptable_headers_pick_media_type_parts_and_syntax(resource: Resource, header: str,
                                                             expected: Negotiated) -> None:
    assert result(resource, header) == expected


REFUSED = [
    (STUDY, None),
    (INSTANCE, None),
    (FRAMES, None),
    (STUDY, DICOM),  # single part is for instances only
    (SERIES, DICOM + "; transfer-syntax=*"),
    (STUDY, "*/*"),  # */* is single part on the wire; study and series want multipart
    (STUDY, "application/dicom+json"),
    (STUDY, "multipart/related"),  # no type=
    (STUDY, MP_DICOM + "; transfer-syntax=1.2.840.10008.1.2"),
    (INSTANCE, DICOM + "; transfer-syntax=1.2.840.10008.1.2.4.50"),
    (INSTANCE, "application/json"),
    (FRAMES, MP_OCTET + f"; transfer-syntax={J2K}"),
    (FRAMES, "image/jp2"),  # jp2 frames come as multipart only
    (FRAMES, f'multipart/related; type="image/jp2"; transfer-syntax={EVRLE}'),
    (FRAMES, MP_DICOM),
    (FRAMES, "image/jpeg"),
]


@pytest.mark.parametrize(("resource", "header"), REFUSED)
def test_unacceptable_or_missing_headers_are_406(resource: Resource, header: str | None) -> None:
    values = parse_accept_values([header] if header else [])
    with pytest.raises(NotAcceptableError) as info:
        negotiate(resource, values)
    assert info.value.status_code == 406
    assert info.value.message == NOT_ACCEPTABLE_HEADERS


def test_highest_quality_wins() -> None:
    header = (f"{MP_DICOM}; transfer-syntax=*; q=0.5, "
              f"{MP_DICOM}; transfer-syntax={J2K}; q=0.9")
    assert result(STUDY, header) == Negotiated(DICOM, True, J2K)


def test_unacceptable_values_are_skipped_by_rank() -> None:
    header = (f"{MP_DICOM}; transfer-syntax=*; q=0.3, "
              f"{MP_DICOM}; transfer-syntax={EVRLE}; q=0.5, "
              f"{MP_DICOM}; transfer-syntax=9.9.9; q=0.7")
    assert result(STUDY, header) == Negotiated(DICOM, True, EVRLE)


def test_original_wins_a_tie() -> None:
    jp2 = f'multipart/related; type="image/jp2"; transfer-syntax={J2K}'
    header = f"{jp2}, {OCTET}; transfer-syntax=*"
    assert result(FRAMES, header) == Negotiated(OCTET, False, "*")


def test_original_does_not_beat_a_higher_quality() -> None:
    header = f"{MP_DICOM}; transfer-syntax={EVRLE}, {MP_DICOM}; transfer-syntax=*; q=0.8"
    assert result(STUDY, header) == Negotiated(DICOM, True, EVRLE)


def test_first_of_equal_values_wins_without_original() -> None:
    header = f"{MP_DICOM}; transfer-syntax={J2K}, {MP_DICOM}; transfer-syntax={EVRLE}"
    assert result(SERIES, header) == Negotiated(DICOM, True, J2K)


def test_accept_header_lines_are_combined() -> None:
    values = parse_accept_values(["application/json", MP_DICOM + "; transfer-syntax=*"])
    assert negotiate(STUDY, values) == Negotiated(DICOM, True, "*")


@pytest.mark.parametrize(("headers", "expected"), [
    ([], "image/jpeg"),
    (["image/jpeg"], "image/jpeg"),
    (["image/png"], "image/png"),
    (["IMAGE/PNG"], "image/png"),
    (["image/png; q=0.5"], "image/png"),
])
def test_rendered_accepted(headers: list[str], expected: str) -> None:
    assert negotiate_rendered(parse_accept_values(headers)) == expected


@pytest.mark.parametrize("header", [
    "application/jpeg", "*/*", "image/*", "image/gif", "application/dicom",
])
def test_rendered_refuses_other_types(header: str) -> None:
    with pytest.raises(NotAcceptableError) as info:
        negotiate_rendered(parse_accept_values([header]))
    assert info.value.message == NOT_ACCEPTABLE_HEADERS


@pytest.mark.parametrize("headers", [["image/png, image/jpeg"], ["image/png", "image/png"]])
def test_rendered_refuses_several_values(headers: list[str]) -> None:
    with pytest.raises(NotAcceptableError) as info:
        negotiate_rendered(parse_accept_values(headers))
    assert info.value.message == MULTIPLE_ACCEPT_HEADERS
