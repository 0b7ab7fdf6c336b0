"""Long-running operations (Azure-only), the service: an operation as the service shows it.

As ``OperationsController``: v1 reports a finished operation as ``completed`` where v2
says ``succeeded``; ``resources`` are the URLs of what the operation works on.
"""

from __future__ import annotations

from typing import Any

from dicom_emulator.storage.operations import Operation, OperationStatus
from dicom_emulator.web.urls import extended_query_tag_url


def operation_json(operation: Operation, base: str, api: int,
                   results: dict[str, Any] | None = None) -> dict[str, Any]:
    """``OperationState`` as the service serializes it (``results`` is null for reindex).

    Nulls are left out: an export has ``results`` but neither ``percentComplete`` nor
    ``resources`` (``ExportCheckpoint``: both null)."""
    status = operation.status.value
    if api < 2 and operation.status is OperationStatus.SUCCEEDED:
        status = "completed"
    if results is not None:
        return {"operationId": operation.operation_id, "type": operation.type,
                "createdTime": operation.created, "lastUpdatedTime": operation.last_updated,
                "status": status, "results": results}
    return {
        "operationId": operation.operation_id,
        "type": operation.type,
        "createdTime": operation.created,
        "lastUpdatedTime": operation.last_updated,
        "status": status,
        "percentComplete": operation.percent_complete,
        "resources": [extended_query_tag_url(base, path) for path in operation.resources],
    }
