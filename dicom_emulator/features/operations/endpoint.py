"""Long-running operations (Azure-only) over HTTP: ``GET /operations/{operationId}``.

202 with a ``Location`` header while the operation has not finished, 200 once it has. An
unknown or malformed id is a 404 with an empty body.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from dicom_emulator.errors import NotFoundError
from dicom_emulator.features.export.results import export_results
from dicom_emulator.features.operations.service import operation_json
from dicom_emulator.storage.operations import normalize_operation_id
from dicom_emulator.web.request import api_version, base_url, components
from dicom_emulator.web.urls import operation_url


async def get_operation(request: Request) -> Response:
    """``GET /operations/{operationId}``."""
    operation_id = normalize_operation_id(request.path_params["operationId"])
    store = components(request).extended_query_tags
    operation = None
    if operation_id is not None:
        operation = await run_in_threadpool(store.operation, operation_id)
    if operation is None:
        raise NotFoundError("")
    base = base_url(request)
    results = None
    if operation.type == "export":
        checkpoint = await run_in_threadpool(
            components(request).exporter.store.checkpoint, operation.operation_id)
        results = export_results(checkpoint) if checkpoint else None
    body = operation_json(operation, base, api_version(request), results)
    if operation.active:
        return JSONResponse(body, status_code=202,
                            headers={"Location": operation_url(base, operation.operation_id)})
    return JSONResponse(body)
