"""``POST /studies/$bulkUpdate`` (bulk update, v2) over HTTP.

``StoreController.UpdateAsync`` at eeefbe4: ``[Consumes("application/json")]`` (415 with
no body for another Content-Type; none at all is accepted), then below v2 a bare 404
(the method-level ``[IntroducedInApiVersion(2)]`` is not read by ``ApiVersionsConvention``,
so the route exists in every version), then the request's checks (:mod:`.spec`): 400 as
text, or 400 with the FailedAttributesSequence dataset; 409 while an update of one of
the studies runs; else 202 with the operation's reference (``OperationReference``:
``id`` and ``href``; the controller sets no Location header). Under
``/partitions/{name}/`` it updates that partition's studies; the operation's URL is at
the service's root, where the operations route is.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from dicom_emulator.features.update.service import queue_update
from dicom_emulator.features.update.spec import FailedAttributesError, parse_update
from dicom_emulator.web.json_body import JsonTooDeepError, check_depth, read_limited_body
from dicom_emulator.web.media import parse_media_type
from dicom_emulator.web.request import api_version, components, partition_key, root_url
from dicom_emulator.web.responses import DicomJSONResponse, status_only
from dicom_emulator.web.urls import operation_url


async def bulk_update(request: Request) -> Response:
    """``POST /studies/$bulkUpdate``: 202 with the update operation's reference."""
    content_type = request.headers.get("content-type")
    if content_type is not None and parse_media_type(content_type).type != "application/json":
        return status_only(415)
    if api_version(request) < 2:
        return status_only(404)
    try:
        spec = parse_update(await _bindable_body(request))
    except FailedAttributesError as exc:
        return DicomJSONResponse(exc.dataset, status_code=400)
    app = components(request)
    base = root_url(request)  # the operations route is not partitioned
    operation = await run_in_threadpool(queue_update, app.updates, app.updater, spec,
                                        partition_key(request), base)
    return JSONResponse({"id": operation.operation_id,
                         "href": operation_url(base, operation.operation_id)},
                        status_code=202)


async def _bindable_body(request: Request) -> bytes:
    """The body within Kestrel's limit; one nested deeper than System.Text.Json reads does
    not bind, like any other body the formatter cannot read (so: empty)."""
    raw = await read_limited_body(request)
    try:
        check_depth(raw)
    except JsonTooDeepError:
        return b""
    return raw
