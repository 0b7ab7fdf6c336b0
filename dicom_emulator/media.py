"""Media types on the wire: Accept and Content-Type parsing, multipart/related framing.

Pure functions and small classes with no knowledge of routes. The multipart body
parser is python-multipart's streaming ``MultipartParser``; this module only connects
its callbacks to per-part files so that a STOW request is never held in memory.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from python_multipart.multipart import MultipartParser

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
    items, current, quoted = [], [], False
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


class MultipartError(ValueError):
    """The body is not a well-formed multipart message."""


@dataclass
class ReceivedPart:
    """One part of a request body, spooled to a file in the emulator's tmp folder."""

    headers: dict[str, str]
    path: Path
    size: int = 0

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


class MultipartSpooler:
    """Feed a multipart body in arbitrary chunks; each part lands in its own temp file."""

    def __init__(self, boundary: str, tmp_dir: Path):
        self.parts: list[ReceivedPart] = []
        self._tmp_dir = tmp_dir
        self._file: tempfile._TemporaryFileWrapper[bytes] | None = None
        self._field = bytearray()
        self._value = bytearray()
        self._headers: dict[str, str] = {}
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begin,
                "on_header_field": lambda d, s, e: self._field.extend(d[s:e]),
                "on_header_value": lambda d, s, e: self._value.extend(d[s:e]),
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
            },
        )

    def _part_begin(self) -> None:
        self._headers = {}

    def _header_end(self) -> None:
        name = self._field.decode("latin-1").strip().lower()
        self._headers[name] = self._value.decode("latin-1").strip()
        self._field.clear()
        self._value.clear()

    def _headers_finished(self) -> None:
        self._file = tempfile.NamedTemporaryFile(dir=self._tmp_dir, suffix=".part", delete=False)
        self.parts.append(ReceivedPart(self._headers, Path(self._file.name)))

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        assert self._file is not None
        self._file.write(data[start:end])
        self.parts[-1].size += end - start

    def _part_end(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def feed(self, chunk: bytes) -> None:
        try:
            self._parser.write(chunk)
        except Exception as exc:  # python-multipart raises several types for bad framing
            raise MultipartError(str(exc)) from exc

    def finish(self) -> list[ReceivedPart]:
        """Close the stream; the complete parts received (a part cut short is dropped)."""
        if self._file is not None:
            # The body ended inside a part: it has no closing boundary, so it may be cut.
            self._part_end()
            self.discard_last()
        return self.parts

    def discard_last(self) -> None:
        last = self.parts.pop()
        last.path.unlink(missing_ok=True)

    def cleanup(self) -> None:
        self._part_end()
        for part in self.parts:
            if os.path.exists(part.path):
                part.path.unlink(missing_ok=True)
