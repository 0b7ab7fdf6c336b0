"""Media types on the wire: Accept and Content-Type parsing, multipart/related framing.

Pure functions and small classes with no knowledge of routes and no I/O. Reading a
multipart request body into files is STOW's business (``features.store.body``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

DICOM = "application/dicom"
DICOM_JSON = "application/dicom+json"
OCTET_STREAM = "application/octet-stream"
MULTIPART_RELATED = "multipart/related"
JPEG = "image/jpeg"
PNG = "image/png"


@dataclass(frozen=True)
class MediaType:
    """One media type or media range with its parameters (keys lower-cased)."""

    type: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def quality(self) -> float:
        try:
            return float(self.params.get("q", "1"))
        except ValueError:
            return 0.0

    def matches(self, concrete: str) -> bool:
        """Whether this range (``*/*``, ``application/*`` or exact) admits ``concrete``."""
        if self.type == "*/*":
            return True
        major, _, minor = self.type.partition("/")
        if minor == "*":
            return concrete.split("/", 1)[0] == major
        return self.type == concrete


def _split_outside_quotes(value: str, sep: str) -> list[str]:
    items: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in value:
        if ch == '"':
            quoted = not quoted
        if ch == sep and not quoted:
            items.append("".join(current))
            current = []
        else:
            current.append(ch)
    items.append("".join(current))
    return [item.strip() for item in items if item.strip()]


def parse_media_type(value: str) -> MediaType:
    """Parse ``type/subtype; a=b; c="d"`` into a :class:`MediaType`."""
    pieces = _split_outside_quotes(value, ";")
    if not pieces:
        return MediaType("")
    params: dict[str, str] = {}
    for piece in pieces[1:]:
        name, _, raw = piece.partition("=")
        params[name.strip().lower()] = raw.strip().strip('"')
    return MediaType(pieces[0].strip().lower(), params)


def parse_accept(header: str | None) -> list[MediaType]:
    """All media ranges of an Accept header, in the order given (empty when absent)."""
    if not header:
        return []
    return [parse_media_type(item) for item in _split_outside_quotes(header, ",")]


# RFC 7230 tchar: what a media type, parameter name or unquoted parameter value may hold.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')


def _is_strict_media_type(value: str) -> bool:
    """``type/subtype *(; name=token-or-quoted-string)``: the grammar .NET's
    ``MediaTypeHeaderValue.ParseStrictList`` holds every value of a list to."""
    pieces = _split_outside_quotes(value, ";")
    major, slash, minor = pieces[0].partition("/") if pieces else ("", "", "")
    if not (slash and _TOKEN.fullmatch(major.strip()) and _TOKEN.fullmatch(minor.strip())):
        return False
    for piece in pieces[1:]:
        name, equals, raw = piece.partition("=")
        raw = raw.strip()
        if not (equals and _TOKEN.fullmatch(name.strip())
                and (_TOKEN.fullmatch(raw) or _QUOTED.fullmatch(raw))):
            return False
    return True


def parse_accept_strict(headers: Iterable[str]) -> list[MediaType]:
    """Every media range of the Accept header lines, or none at all when one of them
    breaks the grammar (an unquoted ``type=application/octet-stream``: ``/`` is no token
    character), as the service's Accept filter reads them (``ParseStrictList``; its
    ``FormatException`` leaves an empty list)."""
    items = [item for header in headers for item in _split_outside_quotes(header, ",")]
    if not all(_is_strict_media_type(item) for item in items):
        return []
    return [parse_media_type(item) for item in items]


def new_boundary() -> str:
    return uuid.uuid4().hex


def multipart_content_type(boundary: str, part_type: str | None = None) -> str:
    suffix = f'; type="{part_type}"' if part_type else ""
    return f"{MULTIPART_RELATED}; boundary={boundary}{suffix}"


def iter_multipart(parts: Iterable[tuple[str, Iterable[bytes]]], boundary: str) -> Iterator[bytes]:
    """Frame ``(content_type, chunks)`` parts as a multipart/related body, lazily."""
    for content_type, chunks in parts:
        yield f"--{boundary}\r\nContent-Type: {content_type}\r\n\r\n".encode("ascii")
        yield from chunks
        yield b"\r\n"
    yield f"--{boundary}--\r\n".encode("ascii")


def encode_multipart(parts: Iterable[tuple[str, bytes]], boundary: str) -> bytes:
    """Whole multipart/related body from in-memory parts (tests and small payloads)."""
    return b"".join(iter_multipart(((ct, [body]) for ct, body in parts), boundary))
