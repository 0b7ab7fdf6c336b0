"""Delete (Azure-only): ``DELETE`` a study, series or instance.

Index rows and their change-feed entries go in one transaction, so QIDO and WADO stop
returning the data at once; the files are removed right after the commit (a crash in
between leaves orphans that start-up recovery removes).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from dicom_emulator.context import not_found, path_uids, services


async def delete_instances(request: Request) -> Response:
    study, series, sop = path_uids(request)
    svc = services(request)
    gone = await run_in_threadpool(svc.index.delete, study, series, sop)
    if not gone:
        raise not_found(series, sop)
    for instance in gone:
        svc.blobs.remove(instance.blob)
    return Response(status_code=204)
