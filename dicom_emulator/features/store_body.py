"""Reading a STOW request body into parts, one temp file each, never whole in memory.

Single-part ``application/dicom`` bodies become one part; ``multipart/related`` bodies go
through :class:`~dicom_emulator.media.MultipartSpooler`. Content types are checked as
parts arrive, so a wrong part fails the request (415) before its body is spooled.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from starlette.requests import Request

from dicom_emulator.errors import BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError
from dicom_emulator.media import (
    DICOM,
    MULTIPART_RELATED,
    MultipartError,
    MultipartSpooler,
    ReceivedPart,
    parse_media_type,
)


async def spool_parts(request: Request, tmp_dir: Path, max_bytes: int) -> list[ReceivedPart]:
    """Stream the body into per-part temp files; single-part bodies become one part."""
    content_type = request.headers.get("content-type")
    media = parse_media_type(content_type or "")
    received = 0
    if media.type == DICOM:
        part = ReceivedPart({"content-type": DICOM}, _new_tmp(tmp_dir))
        parts = [part]
        try:
            with open(part.path, "wb") as f:
                async for chunk in request.stream():
                    received += len(chunk)
                    if received > max_bytes:
                        raise PayloadTooLargeError()
                    f.write(chunk)
                    part.size += len(chunk)
        except BaseException:
            part.path.unlink(missing_ok=True)
            raise
        return parts if part.size else discard_parts(parts)
    if media.type != MULTIPART_RELATED or not media.params.get("boundary"):
        raise UnsupportedMediaTypeError(content_type)
    spooler = MultipartSpooler(media.params["boundary"], tmp_dir)
    checked = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > max_bytes:
                raise PayloadTooLargeError()
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
    if parse_media_type(content_type or "").type != DICOM:
        raise UnsupportedMediaTypeError(content_type)


def _new_tmp(tmp_dir: Path) -> Path:
    fd, name = tempfile.mkstemp(dir=tmp_dir, suffix=".part")
    os.close(fd)
    return Path(name)


def discard_parts(parts: list[ReceivedPart]) -> list[ReceivedPart]:
    for part in parts:
        part.path.unlink(missing_ok=True)
    return []
