"""Reading a STOW request body into parts, one temp file each, never whole in memory.

Single-part ``application/dicom`` bodies become one part; ``multipart/related`` bodies go
through python-multipart's streaming ``MultipartParser``, whose callbacks write each part
to its own file. Content types are checked as parts arrive, so a wrong part fails the
request (415) before its body is spooled.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from python_multipart.multipart import MultipartParser

from dicom_emulator.errors import BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError
from dicom_emulator.web.media import DICOM, MULTIPART_RELATED, parse_media_type

# MultipartReader's HeadersLengthLimit and HeadersCountLimit (their defaults).
PART_HEADERS_LENGTH_LIMIT = 16 * 1024
PART_HEADERS_COUNT_LIMIT = 16


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
        self._headers_size = 0
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begin,
                "on_header_field": lambda d, s, e: self._header_bytes(self._field, d[s:e]),
                "on_header_value": lambda d, s, e: self._header_bytes(self._value, d[s:e]),
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
            },
            # python-multipart's own defaults (8 headers, 4 KB a line) are stricter than
            # ASP.NET's and checked before a callback sees the bytes: loosened, so that the
            # limits above answer (each callback gets at most one received chunk).
            max_header_count=PART_HEADERS_COUNT_LIMIT + 2,
            max_header_size=2**31,
        )

    def _part_begin(self) -> None:
        self._headers = {}
        self._headers_size = 0

    def _header_bytes(self, into: bytearray, data: bytes) -> None:
        # ASP.NET's MultipartReader reads a part's headers within HeadersLengthLimit
        # (16 KB): a header line past what is left fails the read (InvalidDataException,
        # which AspNetCoreMultipartReader answers as a bad multipart request, 400).
        into.extend(data)
        remaining = PART_HEADERS_LENGTH_LIMIT - self._headers_size
        if len(self._field) + len(self._value) + 4 > remaining:
            raise BadRequestError(f"Line length limit {remaining} exceeded.")

    def _header_end(self) -> None:
        self._headers_size += len(self._field) + len(self._value) + 4  # ": " and CRLF
        if len(self._headers) >= PART_HEADERS_COUNT_LIMIT:
            raise BadRequestError(
                f"Multipart headers count limit {PART_HEADERS_COUNT_LIMIT} exceeded.")
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
        except (OSError, BadRequestError):
            raise  # a full disk (not the client's framing), or a limit's own answer
        except Exception as exc:  # python-multipart raises several types for bad framing
            raise MultipartError(str(exc)) from exc

    def finish(self) -> list[ReceivedPart]:
        """Close the stream; the complete parts received (a part cut short is dropped)."""
        if self._file is not None:
            # The body ended inside a part: it has no closing boundary, so it may be cut.
            self._part_end()
            last = self.parts.pop()
            last.path.unlink(missing_ok=True)
        return self.parts

    def cleanup(self) -> None:
        self._part_end()
        discard_parts(self.parts)


async def _limited(chunks: AsyncIterable[bytes], max_bytes: int) -> AsyncIterator[bytes]:
    """The chunks, until more than ``max_bytes`` have come: then 413."""
    received = 0
    async for chunk in chunks:
        received += len(chunk)
        if received > max_bytes:
            raise too_large(max_bytes)
        yield chunk


def too_large(max_bytes: int) -> PayloadTooLargeError:
    """``PayloadTooLargeException(MaxAllowedDicomFileSize)``: 413 and its message."""
    return PayloadTooLargeError(f"The request exceeded the allowed limit of {max_bytes} bytes.")


def check_declared_length(content_length: str | None, max_bytes: int) -> None:
    """413 before a byte is read when the Content-Length says the body is too large
    (Kestrel refuses such a body at its first read)."""
    if content_length is not None and content_length.strip().isdigit() and \
            int(content_length) > max_bytes:
        raise too_large(max_bytes)


async def spool_parts(content_type: str | None, chunks: AsyncIterable[bytes], tmp_dir: Path,
                      max_bytes: int) -> list[ReceivedPart]:
    """Stream a request body into per-part temp files; a single-part body is one part.

    Raises
    ------
    UnsupportedMediaTypeError
        415, as the service's layers give it: a type ``[Consumes]`` refuses (neither
        ``application/dicom`` nor ``multipart/related``: no body); ``multipart/related``
        without a boundary (``AspNetCoreMultipartReader``); a body or a part whose
        Content-Type is not exactly ``application/dicom`` (``DicomInstanceEntryReaderFor*``:
        a string compare, so parameters fail too).
    PayloadTooLargeError
        More than ``max_bytes`` (413).
    BadRequestError
        A body that is not a well-formed multipart message, or a ``start`` parameter (400).
    """
    media = parse_media_type(content_type or "")
    if content_type and media.type not in (DICOM, MULTIPART_RELATED):
        raise UnsupportedMediaTypeError(content_type, message="")  # [Consumes]: status only
    body = _limited(chunks, max_bytes)
    if media.type == DICOM:
        _require_exactly_dicom(content_type)
        part = ReceivedPart({"content-type": DICOM}, _new_tmp(tmp_dir))
        try:
            with open(part.path, "wb") as f:
                async for chunk in body:
                    f.write(chunk)
                    part.size += len(chunk)
        except BaseException:
            part.path.unlink(missing_ok=True)
            raise
        return [part]  # an empty body is one part that fails to read (409/43264)
    if media.type != MULTIPART_RELATED:
        raise UnsupportedMediaTypeError(content_type)
    if not media.params.get("boundary", "").strip():
        raise UnsupportedMediaTypeError(content_type, message=(
            f"The content type '{content_type}' is either not multipart or is missing boundary."))
    if "start" in media.params:
        raise BadRequestError("The start parameter in multipart/related request is not supported.")
    spooler = MultipartSpooler(media.params["boundary"], tmp_dir)
    checked = 0
    try:
        async for chunk in body:
            spooler.feed(chunk)
            # Fail fast on a part of the wrong type, before its body is spooled.
            for i in range(checked, len(spooler.parts)):
                _check_part_type(i, spooler.parts[i], media.params.get("type"))
            checked = len(spooler.parts)
        return spooler.finish()
    except MultipartError as exc:
        spooler.cleanup()
        raise BadRequestError(f"The request body is not a valid multipart message: {exc}") from exc
    except BaseException:
        spooler.cleanup()
        raise


def _check_part_type(position: int, part: ReceivedPart, declared: str | None) -> None:
    # Only the first part inherits the top-level type= (AspNetCoreMultipartReader).
    content_type = part.content_type or (declared if position == 0 else None)
    _require_exactly_dicom(content_type)


def _require_exactly_dicom(content_type: str | None) -> None:
    # KnownContentTypes.ApplicationDicom.Equals(contentType, OrdinalIgnoreCase)
    if (content_type or "").lower() != DICOM:
        raise UnsupportedMediaTypeError(content_type)


def _new_tmp(tmp_dir: Path) -> Path:
    fd, name = tempfile.mkstemp(dir=tmp_dir, suffix=".part")
    os.close(fd)
    return Path(name)


def discard_parts(parts: list[ReceivedPart]) -> list[ReceivedPart]:
    """Remove the parts' files (those not renamed away by a store); returns ``[]``."""
    for part in parts:
        part.path.unlink(missing_ok=True)
    return []
