"""Long-running operations (Azure-only): ``GET /operations/{operationId}``.

As ``OperationsController``: 202 with a ``Location`` header while the operation has not
finished, 200 once it has; v1 reports a finished operation as ``completed`` where v2
says ``succeeded``. An unknown or malformed id is a 404 with an empty body.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from dicom_emulator.context import api_version, base_url, services
from dicom_emulator.errors import NotFoundError
from dicom_emulator.features.extended_query_tags import operation_href
from dicom_emulator.storage.operations import Operation, OperationStatus, normalize_operation_id


def operation_json(operation: Operation, base: str, api: int) -> dict[str, Any]:
    """``OperationState`` as the service serializes it (``results`` is null for reindex)."""
    status = operation.status.value
    if api < 2 and operation.status is OperationStatus.SUCCEEDED:
        status = "completed"
    return {
        "operationId": operation.operation_id,
        "type": operation.type,
        "createdTime": operation.created,
        "lastUpdatedTime": operation.last_updated,
        "status": status,
        "percentComplete": operation.percent_complete,
        "resources": [f"{base}/extendedquerytags/{path}" for path in operation.resources],
    }


async def get_operation(request: Request) -> Response:
    """``GET /operations/{operationId}``."""
    operation_id = normalize_operation_id(request.path_params["operationId"])
    store = services(request).extended_query_tags
    operation = None
    if operation_id is not None:
        operation = await run_in_threadpool(store.operation, operation_id)
    if operation is None:
        raise NotFoundError("")
    base = base_url(request)
    body = operation_json(operation, base, api_version(request))
    if operation.active:
        return JSONResponse(body, status_code=202,
                            headers={"Location": operation_href(base, operation.operation_id)})
    return JSONResponse(body)
