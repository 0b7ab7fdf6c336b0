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
    """``OperationState`` as the service serializes it, nulls left out: a reindex has no
    ``results``; an update (``UpdateCheckpoint``: ``ResourceIds`` null) no ``resources``;
    an export neither ``percentComplete`` nor ``resources`` (``ExportCheckpoint``)."""
    status = operation.status.value
    if api < 2 and operation.status is OperationStatus.SUCCEEDED:
        status = "completed"
    state: dict[str, Any] = {
        "operationId": operation.operation_id,
        "type": operation.type,
        "createdTime": operation.created,
        "lastUpdatedTime": operation.last_updated,
        "status": status,
    }
    if results is None or operation.type != "export":
        state["percentComplete"] = operation.percent_complete
    if results is not None:
        state["results"] = results
    else:
        state["resources"] = [extended_query_tag_url(base, path) for path in operation.resources]
    return state
