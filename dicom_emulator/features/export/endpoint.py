"""Export (Azure-only) over HTTP: ``POST /export``, also below ``/partitions/{name}``
(``VersionedPartitionRoute``): it exports from the request's partition.

202 with the operation's reference (``{"id", "href"}``) and ``Location`` (``ExportController``);
the body is ``application/json`` (``[Consumes]``: anything else is 415).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from dicom_emulator.features.export.specification import read_specification
from dicom_emulator.web.json_body import read_json_body
from dicom_emulator.web.request import base_url, components, partition_key
from dicom_emulator.web.urls import operation_url


async def start_export(request: Request) -> Response:
    """``POST /export``."""
    spec = read_specification(await read_json_body(request))
    exporter = components(request).exporter
    operation = await run_in_threadpool(exporter.start_export, spec, partition_key(request))
    # Operations have no partitioned route: the status URL is the version's.
    href = operation_url(base_url(request, partition=False), operation.operation_id)
    return JSONResponse({"id": operation.operation_id, "href": href}, status_code=202,
                        headers={"Location": href})
