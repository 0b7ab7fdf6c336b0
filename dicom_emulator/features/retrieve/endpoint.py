"""WADO-RS over HTTP: retrieve instances, metadata, frames and rendered images (spec §4).

Checks run in the service's order (``RetrieveController``): path parameter parsing,
UIDs, frame numbers, Accept, then the service (:mod:`.service`). Every 4xx is decided
before the first byte of a body is sent.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from functools import partial

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from dicom_emulator.dicom.values import integer_in_bits
from dicom_emulator.errors import BadRequestError
from dicom_emulator.features.retrieve.negotiation import (
    AcceptValue,
    Resource,
    negotiate,
    negotiate_rendered,
    parse_accept_values,
)
from dicom_emulator.features.retrieve.service import StoredPart, dicom_content_type
from dicom_emulator.web.media import (
    DICOM_JSON,
    encode_multipart,
    iter_multipart,
    multipart_content_type,
    new_boundary,
)
from dicom_emulator.web.request import (
    components,
    partition_key,
    path_uids,
    require_dicom_json_accept,
)
from dicom_emulator.web.responses import MultipartRelatedResponse

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


def _accept(request: Request) -> list[AcceptValue]:
    return parse_accept_values(request.headers.getlist("accept"))


def _original_requested(request: Request) -> bool:
    """``msdicom-request-original: true``: the version before a bulk update (a ``bool``
    header binding: ``true`` in any case; anything else is the latest version)."""
    return request.headers.get("msdicom-request-original", "").strip().lower() == "true"


# -- instances ---------------------------------------------------------------------------


async def retrieve_instances(request: Request) -> Response:
    """``GET`` a study, series or instance: Part 10 files, multipart or single part."""
    uids = path_uids(request)
    resource = (Resource.INSTANCE if uids[2] else Resource.SERIES if uids[1]
                else Resource.STUDY)
    negotiated = negotiate(resource, _accept(request))
    parts = await run_in_threadpool(components(request).retrieve.instances, uids, negotiated,
                                    partition_key=partition_key(request),
                                    original=_original_requested(request))
    if isinstance(parts, list) and all(p.whole for p in parts):
        return _small_response(parts, negotiated.multipart)
    if negotiated.multipart:
        # Like the service, no type= parameter: each part names its own type.
        return MultipartRelatedResponse(
            ((p.content_type, p.chunks()) for p in parts), part_type="")
    (part,) = parts
    return StreamingResponse(iterate_in_threadpool(part.chunks()),
                             media_type=part.content_type,
                             headers={"Content-Length": str(part.size)})


def _small_response(parts: list[StoredPart], multipart: bool) -> Response:
    """Files already read whole go out in one body, without a trip per chunk."""
    if not multipart:
        return Response(parts[0].head, media_type=parts[0].content_type)
    boundary = new_boundary()
    body = encode_multipart([(p.content_type, p.head) for p in parts], boundary)
    return Response(body, media_type=multipart_content_type(boundary))


# -- metadata ----------------------------------------------------------------------------


async def retrieve_metadata(request: Request) -> Response:
    """``GET …/metadata``: the stored DICOM JSON of each instance, with an ``ETag``."""
    require_dicom_json_accept(request)
    uids = path_uids(request)
    read = partial(components(request).retrieve.metadata, uids,
                   request.headers.get("if-none-match"), partition_key=partition_key(request),
                   original=_original_requested(request))
    # One instance's metadata is one lookup by unique key: cheaper than a worker's hop.
    etag, body = read() if uids[2] is not None else await run_in_threadpool(read)
    if body is None:
        return Response(status_code=304)
    return Response(body, headers={"ETag": etag}, media_type=DICOM_JSON)


# -- frames ------------------------------------------------------------------------------


def _int_parameter(value: str, name: str, pattern: re.Pattern[str], message: str) -> int:
    if pattern.match(value):
        number = integer_in_bits(value.strip().split(".")[0], 31)
        if number is not None:
            return number
    raise BadRequestError(INVALID_PARAMETER.format(name, message))


def parse_frame_list(value: str) -> list[int]:
    """``"1,3, 2"`` -> ``[1, 3, 2]`` (400 when an item is not a 32-bit integer)."""
    return [
        _int_parameter(item, "frames", _CSV_INT, f"Unable to parse value '{item.strip()}' as "
                       "Int32.")
        for item in value.split(",")
    ]


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
        components(request).retrieve.frames, uids, [n - 1 for n in numbers],
        negotiated.transfer_syntax, partition_key=partition_key(request))
    content_type = dicom_content_type(negotiated.media_type, syntax)
    if negotiated.multipart:
        # Streamed part by part: a repeated frame is sent again, never copied into one body.
        boundary = new_boundary()
        return StreamingResponse(_in_memory_parts([(content_type, f) for f in frames], boundary),
                                 media_type=multipart_content_type(boundary))
    return Response(frames[0], media_type=content_type)


async def _in_memory_parts(parts: list[tuple[str, bytes]], boundary: str) -> AsyncIterator[bytes]:
    for chunk in iter_multipart(((t, [body]) for t, body in parts), boundary):
        yield chunk


# -- rendered ----------------------------------------------------------------------------


def _quality(request: Request) -> int:
    # ASP.NET binds query parameters by case-insensitive name; the first value counts.
    for key, value in request.query_params.multi_items():
        if key.lower() == "quality":
            return _int_parameter(value, "quality", _INT,
                                  f"The value '{value}' is not valid for quality.")
    return 100


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
    image = await run_in_threadpool(components(request).retrieve.rendered, uids, number - 1,
                                    media_type, quality, partition_key=partition_key(request))
    return Response(image, media_type=media_type)
