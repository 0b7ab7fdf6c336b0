"""Export (Azure-only) over HTTP: ``POST /export``, also below ``/partitions/{name}``
(``VersionedPartitionRoute``): it exports from the request's partition.

202 with the operation's reference (``{"id", "href"}``) and ``Location`` (``ExportController``);
the body is ``application/json`` (``[Consumes]``: anything else is 415).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from dicom_emulator.errors import UnsupportedMediaTypeError
from dicom_emulator.features.export.specification import read_specification
from dicom_emulator.features.extended_query_tags.validation import InvalidRequestBodyError
from dicom_emulator.web.json_body import JsonTooDeepError, check_depth, read_limited_body
from dicom_emulator.web.media import parse_media_type
from dicom_emulator.web.request import base_url, components, partition_key
from dicom_emulator.web.urls import operation_url


async def _json_body(request: Request) -> Any:
    content_type = request.headers.get("content-type")
    if parse_media_type(content_type or "").type != "application/json":
        raise UnsupportedMediaTypeError(content_type)
    raw = await read_limited_body(request)
    if not raw.strip():
        return None
    try:
        check_depth(raw)  # json.loads would recurse into a RecursionError (a 500)
        return json.loads(raw)
    except JsonTooDeepError as exc:
        raise InvalidRequestBodyError("$", str(exc)) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidRequestBodyError("$", f"The request body is not valid JSON: {exc}") from None


async def start_export(request: Request) -> Response:
    """``POST /export``."""
    spec = read_specification(await _json_body(request))
    exporter = components(request).exporter
    operation = await run_in_threadpool(exporter.start_export, spec, partition_key(request))
    # Operations have no partitioned route: the status URL is the version's.
    href = operation_url(base_url(request, partition=False), operation.operation_id)
    return JSONResponse({"id": operation.operation_id, "href": href}, status_code=202,
                        headers={"Location": href})
