"""WADO-RS: retrieve instances, metadata, frames and rendered images (spec §4).

Checks run in the service's order (``RetrieveController`` and the retrieve handlers and
services): path parameter parsing, UIDs, frame numbers, Accept, the index, then the
file. Every 4xx is decided before the first byte of a body is sent. Stored files are
streamed in chunks as they are on disk; only a transcoding retrieve reads a file whole.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from dicom_emulator.context import not_found, path_uids, require_dicom_json_accept, services
from dicom_emulator.errors import BadRequestError, NotAcceptableError
from dicom_emulator.features.frames import get_frames
from dicom_emulator.features.negotiation import (
    AcceptValue,
    Negotiated,
    Resource,
    negotiate,
    negotiate_rendered,
    parse_accept_values,
)
from dicom_emulator.features.render import render_frame
from dicom_emulator.features.transcode import check_size, needs_transcoding, transcode_instance
from dicom_emulator.media import encode_multipart, multipart_content_type, new_boundary
from dicom_emulator.responses import MultipartRelatedResponse, RawDicomJSONResponse
from dicom_emulator.storage.index import StoredInstance

if TYPE_CHECKING:
    from dicom_emulator.services import Services

CHUNK_SIZE = 256 * 1024

MULTI_INSTANCE_TRANSCODING = (
    "Accept transfer syntax '{0}' is not supported when multiple instances are matched. "
    "Matching instances can be retrieved with their original transfer syntax by specifying "
    "'transfer-syntax=*' in the Accept header."
)
INVALID_FRAMES = (
    "The specified frames value is not valid. At least one frame must be present, and all "
    "requested frames must have value greater than 0."
)
SINGLE_PART_ONE_FRAME = (
    "The accept header is supported for single frame retrieval, use multi-part accept "
    "header instead."
)
INVALID_QUALITY = "Image quality must be between 1 and 100 inclusive"
INVALID_PARAMETER = "The query parameter '{0}' is invalid. {1}"

# What ASP.NET's int binders accept: Int32.TryParse(NumberStyles.Any) for the frame list
# (so "2.0" is 2), Int32 type conversion for a single frame or quality.
_CSV_INT = re.compile(r"^\s*[+-]?[0-9]+(?:\.0*)?\s*$", re.ASCII)
_INT = re.compile(r"^\s*[+-]?[0-9]+\s*$", re.ASCII)
_INT32 = range(-(2**31), 2**31)


@dataclass
class _Part:
    """One body part: its Content-Type, its first chunk and the open file for the rest."""

    content_type: str
    file: BinaryIO
    size: int
    head: bytes = b""
    whole: bool = False  # head is the whole file (and the file is closed)

    def prefetch(self) -> _Part:
        """Read the first chunk now: a small file then needs no streaming at all."""
        self.head = self.file.read(CHUNK_SIZE)
        if len(self.head) < CHUNK_SIZE:
            self.file.close()
            self.whole = True
        return self


def _accept(request: Request) -> list[AcceptValue]:
    return parse_accept_values(request.headers.getlist("accept"))


def _chunks(part: _Part) -> Iterator[bytes]:
    if part.head:
        yield part.head
    if part.whole:
        return
    with part.file as f:
        while chunk := f.read(CHUNK_SIZE):
            yield chunk


def _dicom_type(media_type: str, transfer_syntax: str) -> str:
    return f"{media_type}; transfer-syntax={transfer_syntax}"


# -- instances ---------------------------------------------------------------------------


def _open_stored(svc: Services, instance: StoredInstance, content_type: str) -> _Part:
    f = open(svc.blobs.path(instance.blob), "rb")  # closed by _Part.prefetch or _chunks
    return _Part(content_type, f, os.fstat(f.fileno()).st_size)


def _stored_parts(svc: Services, instances: list[StoredInstance],
                  negotiated: Negotiated) -> Iterator[_Part]:
    """Open each file only when its part is due, so a study never holds many handles."""
    for instance in instances:
        syntax = instance.transfer_syntax if negotiated.original else negotiated.transfer_syntax
        try:
            part = _open_stored(svc, instance, _dicom_type(negotiated.media_type, syntax))
        except FileNotFoundError:
            # Deleted after the index was read: the delete won the race, so the instance
            # is no longer part of the study. Its siblings are still sent.
            continue
        yield part


def _transcoded_part(svc: Services, instance: StoredInstance, negotiated: Negotiated) -> _Part:
    check_size(instance.size, svc.settings.max_transcode_bytes)
    # Unnamed and unlinked at once: the temporary copy cannot outlive the response.
    out = tempfile.TemporaryFile(dir=svc.settings.tmp_dir)
    try:
        transcode_instance(svc.blobs.path(instance.blob), negotiated.transfer_syntax, out)
        size = out.tell()
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return _Part(_dicom_type(negotiated.media_type, negotiated.transfer_syntax), out,
                 size).prefetch()


def _prepare_instances(svc: Services, uids: tuple[str, str | None, str | None],
                       negotiated: Negotiated) -> Iterable[_Part]:
    """Everything that can fail, before the response starts (runs in a worker thread)."""
    study, series, sop = uids
    instances = svc.index.find_instances(study, series, sop)
    if not instances:
        raise not_found(series, sop)
    if len(instances) > 1:
        if not negotiated.original:
            raise NotAcceptableError(MULTI_INSTANCE_TRANSCODING.format(
                negotiated.transfer_syntax))
        return _stored_parts(svc, instances, negotiated)
    instance = instances[0]
    if needs_transcoding(instance.transfer_syntax, negotiated.transfer_syntax):
        return [_transcoded_part(svc, instance, negotiated)]
    try:
        part = _open_stored(svc, instance, _dicom_type(negotiated.media_type,
                                                       instance.transfer_syntax))
        return [part.prefetch()]
    except FileNotFoundError as exc:  # deleted between the index read and the open
        raise not_found(series, sop) from exc


async def retrieve_instances(request: Request) -> Response:
    """``GET`` a study, series or instance: Part 10 files, multipart or single part."""
    uids = path_uids(request)
    resource = (Resource.INSTANCE if uids[2] else Resource.SERIES if uids[1]
                else Resource.STUDY)
    negotiated = negotiate(resource, _accept(request))
    parts = await run_in_threadpool(_prepare_instances, services(request), uids, negotiated)
    if isinstance(parts, list) and all(p.whole for p in parts):
        return _small_response(parts, negotiated.multipart)
    if negotiated.multipart:
        # Like the service, no type= parameter: each part names its own type.
        return MultipartRelatedResponse(
            ((p.content_type, _chunks(p)) for p in parts), part_type="")
    (part,) = parts
    return StreamingResponse(iterate_in_threadpool(_chunks(part)),
                             media_type=part.content_type,
                             headers={"Content-Length": str(part.size)})


def _small_response(parts: list[_Part], multipart: bool) -> Response:
    """Files already read whole go out in one body, without a trip per chunk."""
    if not multipart:
        return Response(parts[0].head, media_type=parts[0].content_type)
    boundary = new_boundary()
    body = encode_multipart([(p.content_type, p.head) for p in parts], boundary)
    return Response(body, media_type=multipart_content_type(boundary))


# -- metadata ----------------------------------------------------------------------------


def _etag(instances: list[StoredInstance], instance_level: bool) -> str:
    # ETagGenerator: the highest watermark, plus the instance count above instance level.
    watermark = max(i.instance_key for i in instances)
    return str(watermark) if instance_level else f"{watermark}-{len(instances)}"


def _load_metadata(svc: Services, uids: tuple[str, str | None, str | None],
                   if_none_match: str | None) -> tuple[str, list[str] | None]:
    study, series, sop = uids
    instances = svc.index.find_instances(study, series, sop)
    if not instances:
        raise not_found(series, sop)
    etag = _etag(instances, sop is not None)
    if if_none_match and if_none_match.lower() == etag.lower():
        return etag, None
    return etag, svc.index.metadata(study, series, sop)


async def retrieve_metadata(request: Request) -> Response:
    """``GET …/metadata``: the stored DICOM JSON of each instance, with an ``ETag``."""
    require_dicom_json_accept(request)
    uids = path_uids(request)
    etag, items = await run_in_threadpool(
        _load_metadata, services(request), uids, request.headers.get("if-none-match"))
    if items is None:
        return Response(status_code=304)
    return RawDicomJSONResponse(items, headers={"ETag": etag})


# -- frames ------------------------------------------------------------------------------


def _int_parameter(value: str, name: str, pattern: re.Pattern[str], message: str) -> int:
    if pattern.match(value):
        number = int(value.strip().split(".")[0])
        if number in _INT32:
            return number
    raise BadRequestError(INVALID_PARAMETER.format(name, message))


def parse_frame_list(value: str) -> list[int]:
    """``"1,3, 2"`` -> ``[1, 3, 2]`` (400 when an item is not a 32-bit integer)."""
    return [
        _int_parameter(item, "frames", _CSV_INT, f"Unable to parse value '{item.strip()}' as "
                       "Int32.")
        for item in value.split(",")
    ]


def _instance(svc: Services, uids: tuple[str, str | None, str | None]) -> StoredInstance:
    study, series, sop = uids
    instances = svc.index.find_instances(study, series, sop)
    if not instances:
        raise not_found(series, sop)
    return instances[0]


def _load_frames(svc: Services, uids: tuple[str, str | None, str | None],
                 indices: list[int], transfer_syntax: str) -> tuple[list[bytes], str]:
    instance = _instance(svc, uids)
    try:
        return get_frames(svc.blobs.path(instance.blob), instance.size, indices,
                          transfer_syntax, svc.settings.max_transcode_bytes)
    except FileNotFoundError as exc:  # deleted between the index read and the open
        raise not_found(uids[1], uids[2]) from exc


async def retrieve_frames(request: Request) -> Response:
    """``GET …/frames/{frames}``: pixel data of the listed frames (1-based)."""
    numbers = parse_frame_list(request.path_params["frames"])
    uids = path_uids(request)
    if any(n < 1 for n in numbers):
        raise BadRequestError(INVALID_FRAMES)
    negotiated = negotiate(Resource.FRAMES, _accept(request))
    if not negotiated.multipart and len(numbers) > 1:
        raise BadRequestError(SINGLE_PART_ONE_FRAME)
    frames, syntax = await run_in_threadpool(
        _load_frames, services(request), uids, [n - 1 for n in numbers],
        negotiated.transfer_syntax)
    content_type = _dicom_type(negotiated.media_type, syntax)
    if negotiated.multipart:
        boundary = new_boundary()  # frames are in memory already: one body, no streaming
        return Response(encode_multipart([(content_type, f) for f in frames], boundary),
                        media_type=multipart_content_type(boundary))
    return Response(frames[0], media_type=content_type)


# -- rendered ----------------------------------------------------------------------------


def _quality(request: Request) -> int:
    # ASP.NET binds query parameters by case-insensitive name; the first value counts.
    for key, value in request.query_params.multi_items():
        if key.lower() == "quality":
            return _int_parameter(value, "quality", _INT,
                                  f"The value '{value}' is not valid for quality.")
    return 100


def _render(svc: Services, uids: tuple[str, str | None, str | None], index: int,
            media_type: str, quality: int) -> bytes:
    instance = _instance(svc, uids)
    try:
        return render_frame(svc.blobs.path(instance.blob), instance.size, index, media_type,
                            quality, svc.settings.max_transcode_bytes)
    except FileNotFoundError as exc:  # deleted between the index read and the open
        raise not_found(uids[1], uids[2]) from exc


async def retrieve_rendered(request: Request) -> Response:
    """``GET …/rendered`` and ``…/frames/{frame}/rendered``: a JPEG or PNG image."""
    frame_text = request.path_params.get("frames")
    number = 1
    if frame_text is not None:
        number = _int_parameter(frame_text, "frame", _INT,
                                f"The value '{frame_text}' is not valid for frame.")
    quality = _quality(request)
    uids = path_uids(request)
    if number < 1:
        raise BadRequestError(INVALID_FRAMES)
    if not 1 <= quality <= 100:
        raise BadRequestError(INVALID_QUALITY)
    media_type = negotiate_rendered(_accept(request))
    image = await run_in_threadpool(_render, services(request), uids, number - 1, media_type,
                                    quality)
    return Response(image, media_type=media_type)
