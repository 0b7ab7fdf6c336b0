"""Delete (Azure-only) over HTTP: ``DELETE`` a study, series or instance (204, or 404)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from dicom_emulator.features.delete.service import delete_instances as delete
from dicom_emulator.web.request import components, partition_key, path_uids


async def delete_instances(request: Request) -> Response:
    """``DELETE`` a study, series or instance: 204, or 404 when nothing matches."""
    uids = path_uids(request)
    app = components(request)
    await run_in_threadpool(delete, app.index, app.blobs, uids,
                            partition_key=partition_key(request))
    return Response(status_code=204)
