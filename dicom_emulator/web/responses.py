"""Response classes for DICOMweb bodies (Starlette style: a media type and a renderer),
and the response of an error."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from typing import Any

from starlette.concurrency import iterate_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse

from dicom_emulator.errors import DicomServiceError
from dicom_emulator.web.media import (
    DICOM_JSON,
    iter_multipart,
    multipart_content_type,
    new_boundary,
)


class DicomJSONResponse(Response):
    """``application/dicom+json``: a DICOM JSON dataset or an array of them."""

    media_type = DICOM_JSON

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class RawDicomJSONResponse(Response):
    """A JSON array assembled from datasets already encoded as text (stored metadata)."""

    media_type = DICOM_JSON

    def __init__(self, items: Iterable[str], status_code: int = 200,
                 headers: dict[str, str] | None = None):
        super().__init__("[" + ",".join(items) + "]", status_code, headers)


class MultipartRelatedResponse(StreamingResponse):
    """A streamed ``multipart/related`` body; parts are produced lazily in a thread."""

    def __init__(self, parts: Iterable[tuple[str, Iterable[bytes]]], part_type: str,
                 status_code: int = 200, headers: dict[str, str] | None = None):
        boundary = new_boundary()
        body: Iterator[bytes] = iter_multipart(parts, boundary)
        stream: AsyncIterator[bytes] = iterate_in_threadpool(body)
        super().__init__(stream, status_code, headers,
                         media_type=multipart_content_type(boundary, part_type))


def status_only(status_code: int, headers: Mapping[str, str] | None = None) -> Response:
    """An answer with a status only, as ASP.NET's ``StatusCodeResult`` (``NotFound()``,
    ``StatusCode(404)``, the Accept filter's 406, ``[Consumes]``' 415, routing's 404 and
    405): no body and no Content-Type."""
    return Response(status_code=status_code, headers=dict(headers or {}))


async def dicom_error_response(request: Request, exc: Exception) -> Response:
    """Starlette exception handler: the one mapping from error type to response. An error
    without a message is status-only; the others are the message as plain text
    (``ExceptionHandlingMiddleware``'s ``ContentResult``)."""
    assert isinstance(exc, DicomServiceError)
    if not exc.message:
        return status_only(exc.status_code, exc.headers)
    return PlainTextResponse(exc.message, status_code=exc.status_code, headers=exc.headers)


async def http_error_response(request: Request, exc: Exception) -> Response:
    """Starlette's own ``HTTPException`` (a 404 or 405 from a router): status-only."""
    assert isinstance(exc, HTTPException)
    return status_only(exc.status_code, exc.headers)
