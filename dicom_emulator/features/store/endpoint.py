"""STOW-RS over HTTP: ``POST /studies`` and ``POST /studies/{study}``."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from dicom_emulator.features.store.body import discard_parts, spool_parts
from dicom_emulator.features.store.response import (
    MULTIPLE_VALUES_WARNING,
    has_multiple_values,
    response_dataset,
    response_status,
)
from dicom_emulator.web.request import (
    api_version,
    base_url,
    components,
    optional_path_uids,
    require_dicom_json_accept,
)
from dicom_emulator.web.responses import DicomJSONResponse


async def store_instances(request: Request) -> Response:
    """``POST /studies[/{study}]``."""
    study_uid, _, _ = optional_path_uids(request)
    require_dicom_json_accept(request)
    app = components(request)
    settings = app.settings
    parts = await spool_parts(request.headers.get("content-type"), request.stream(),
                              settings.tmp_dir, settings.max_request_bytes)
    if not parts:
        return Response(status_code=204)
    api = api_version(request)
    try:
        outcomes = await run_in_threadpool(app.store.store, parts, study_uid, api)
    finally:
        discard_parts(parts)  # stored parts were renamed away; the rest are removed here
    headers = {}
    if has_multiple_values(outcomes):
        headers["Warning"] = f'299 {request.url.hostname}: "{MULTIPLE_VALUES_WARNING}"'
    return DicomJSONResponse(
        response_dataset(outcomes, study_uid, base_url(request), api),
        status_code=response_status(outcomes, api), headers=headers,
    )
