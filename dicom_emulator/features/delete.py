"""Delete (Azure-only): ``DELETE`` a study, series or instance.

Index rows and their change-feed entries go in one transaction, so QIDO and WADO stop
returning the data at once; the files are removed right after the commit (a crash in
between leaves orphans that start-up recovery removes).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from dicom_emulator.context import services
from dicom_emulator.errors import InstanceNotFoundError, SeriesNotFoundError, StudyNotFoundError
from dicom_emulator.validation import check_path_uid


def path_uids(request: Request) -> tuple[str, str | None, str | None]:
    """The study, series and instance UIDs of the path, validated (400 when invalid)."""
    params = request.path_params
    study = check_path_uid(params["study"], "StudyInstanceUid")
    series = check_path_uid(params["series"], "SeriesInstanceUid") if "series" in params else None
    sop = check_path_uid(params["instance"], "SopInstanceUid") if "instance" in params else None
    return study, series, sop


def not_found(series: str | None, sop: str | None) -> Exception:
    if sop is not None:
        return InstanceNotFoundError()
    return SeriesNotFoundError() if series is not None else StudyNotFoundError()


async def delete_instances(request: Request) -> Response:
    study, series, sop = path_uids(request)
    svc = services(request)
    gone = await run_in_threadpool(svc.index.delete, study, series, sop)
    if not gone:
        raise not_found(series, sop)
    for instance in gone:
        svc.blobs.remove(instance.blob)
    return Response(status_code=204)
