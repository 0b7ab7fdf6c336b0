"""WADO-RS content negotiation: which Accept value wins, and what it asks for (pure).

Follows the service's ``AcceptHeaderHandler`` / ``AcceptHeaderDescriptor``: each Accept
value becomes (media type, single part or multipart, transfer syntax, quality); values
are ranked by ``q`` (stable), the first one a descriptor of the resource admits wins,
and a later value that asks for ``transfer-syntax=*`` with an equal ``q`` replaces it
("on a tie, original wins"). Rendered images have their own, stricter rule
(``RetrieveRenderedService.GetValidRenderAcceptHeader``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from dicom_emulator.errors import NotAcceptableError
from dicom_emulator.web.media import DICOM, JPEG, MULTIPART_RELATED, OCTET_STREAM, PNG, parse_accept

ORIGINAL = "*"
EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1"
JPEG_2000_LOSSLESS = "1.2.840.10008.1.2.4.90"
JP2 = "image/jp2"
ANY = "*/*"

NOT_ACCEPTABLE_HEADERS = "The request headers are not acceptable"
MULTIPLE_ACCEPT_HEADERS = "The request contains multiple accept headers, which is not supported."


class Resource(Enum):
    """What a WADO-RS request retrieves (``ResourceType``)."""

    STUDY = "study"
    SERIES = "series"
    INSTANCE = "instance"
    FRAMES = "frames"


@dataclass(frozen=True)
class AcceptValue:
    """One Accept value as the service reads it (``MediaTypeHeaderValueExtensions``).

    For ``multipart/related`` the media type is its ``type`` parameter.
    """

    media_type: str
    multipart: bool
    transfer_syntax: str = ""
    quality: float = 1.0


@dataclass(frozen=True)
class Negotiated:
    """The outcome: the part media type, single part or multipart, and the syntax.

    ``transfer_syntax`` is ``"*"`` when the stored syntax is wanted.
    """

    media_type: str
    multipart: bool
    transfer_syntax: str

    @property
    def original(self) -> bool:
        return self.transfer_syntax == ORIGINAL


@dataclass(frozen=True)
class _Descriptor:
    media_type: str
    single_part: bool
    multipart: bool
    when_missing: str
    allowed: frozenset[str]

    def admits(self, value: AcceptValue) -> bool:
        if not (self.multipart if value.multipart else self.single_part):
            return False
        if value.media_type != self.media_type:
            return False
        return not value.transfer_syntax or value.transfer_syntax in self.allowed


_INSTANCE_SYNTAXES = frozenset({ORIGINAL, EXPLICIT_VR_LITTLE_ENDIAN, JPEG_2000_LOSSLESS})
_FRAME_SYNTAXES = frozenset({ORIGINAL, EXPLICIT_VR_LITTLE_ENDIAN})


def _non_frame(single_part: bool) -> tuple[_Descriptor, ...]:
    return (
        _Descriptor(DICOM, single_part, True, EXPLICIT_VR_LITTLE_ENDIAN, _INSTANCE_SYNTAXES),
        _Descriptor(ANY, single_part, True, ORIGINAL, _INSTANCE_SYNTAXES),
    )


_DESCRIPTORS: dict[Resource, tuple[_Descriptor, ...]] = {
    Resource.STUDY: _non_frame(single_part=False),
    Resource.SERIES: _non_frame(single_part=False),
    Resource.INSTANCE: _non_frame(single_part=True),
    Resource.FRAMES: (
        _Descriptor(OCTET_STREAM, True, True, EXPLICIT_VR_LITTLE_ENDIAN, _FRAME_SYNTAXES),
        _Descriptor(JP2, False, True, JPEG_2000_LOSSLESS, frozenset({JPEG_2000_LOSSLESS})),
        _Descriptor(ANY, True, True, ORIGINAL, _FRAME_SYNTAXES),
    ),
}


def parse_accept_values(headers: Iterable[str]) -> list[AcceptValue]:
    """Every Accept value of every Accept header line, in order.

    Parameters
    ----------
    headers : iterable of str
        The raw Accept header lines (a request may repeat the header).
    """
    values = []
    for header in headers:
        for media in parse_accept(header):
            multipart = media.type == MULTIPART_RELATED
            media_type = media.params.get("type", "").lower() if multipart else media.type
            values.append(AcceptValue(
                media_type=media_type,
                multipart=multipart,
                transfer_syntax=media.params.get("transfer-syntax", ""),
                quality=media.quality,
            ))
    return values


def negotiate(resource: Resource, values: list[AcceptValue]) -> Negotiated:
    """What to return for a study, series, instance or frames request.

    Parameters
    ----------
    resource : Resource
        What the request retrieves.
    values : list of AcceptValue
        The request's Accept values (:func:`parse_accept_values`).

    Returns
    -------
    Negotiated
        The media type of each part, whether the body is multipart, and the transfer
        syntax (``"*"`` for the stored one).

    Raises
    ------
    NotAcceptableError
        No value is acceptable, including when there is no Accept header at all.
    """
    ranked = sorted(values, key=lambda v: v.quality, reverse=True)
    selected: Negotiated | None = None
    selected_quality = 0.0
    for value in ranked:
        for descriptor in _DESCRIPTORS[resource]:
            if not descriptor.admits(value):
                continue
            prefer_original = (value.transfer_syntax == ORIGINAL
                               and value.quality >= selected_quality)
            if selected is None or prefer_original:
                selected = _result(resource, descriptor, value)
                selected_quality = value.quality
    if selected is None:
        raise NotAcceptableError(NOT_ACCEPTABLE_HEADERS)
    return selected


def _result(resource: Resource, descriptor: _Descriptor, value: AcceptValue) -> Negotiated:
    media_type = value.media_type
    multipart = value.multipart
    if media_type == ANY:
        # */* answers with the resource's own media type, always as multipart (PR #3307).
        media_type = OCTET_STREAM if resource is Resource.FRAMES else DICOM
        multipart = True
    return Negotiated(media_type, multipart, value.transfer_syntax or descriptor.when_missing)


def negotiate_rendered(values: list[AcceptValue]) -> str:
    """The image type of a rendered request: ``image/jpeg`` (also when no Accept) or PNG.

    Raises
    ------
    NotAcceptableError
        More than one Accept value, or one that is neither ``image/jpeg`` nor
        ``image/png`` (``*/*`` and ``application/jpeg`` included).
    """
    if len(values) > 1:
        raise NotAcceptableError(MULTIPLE_ACCEPT_HEADERS)
    if not values:
        return JPEG
    # Only the media type counts: multipart/related; type="image/png" is PNG too.
    media_type = values[0].media_type
    if media_type not in (JPEG, PNG):
        raise NotAcceptableError(NOT_ACCEPTABLE_HEADERS)
    return media_type
