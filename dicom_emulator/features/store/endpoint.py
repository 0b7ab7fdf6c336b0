"""STOW-RS over HTTP: ``POST /studies[/{study}]``, and the upsert ``PUT /studies[/{study}]``.

PUT is the managed service's upsert (Learn, DICOM conformance statement v2: "For upsert
(PUT) requests, the existing data is replaced by the new data received"); it is in the
v2 conformance statement only, so v1 answers it as a method it does not have (405).
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from dicom_emulator.features.store.body import check_declared_length, discard_parts, spool_parts
from dicom_emulator.features.store.response import (
    MULTIPLE_VALUES_WARNING,
    has_multiple_values,
    response_dataset,
    response_status,
)
from dicom_emulator.features.store.service import PROCESSING_FAILURE, Outcome
from dicom_emulator.web.request import (
    api_version,
    base_url,
    components,
    optional_path_uids,
    partition_key,
    require_dicom_json_accept,
)
from dicom_emulator.web.responses import DicomJSONResponse

log = logging.getLogger(__name__)


async def store_instances(request: Request) -> Response:
    """``POST /studies[/{study}]``: instances already stored fail with 45070."""
    return await _store(request, replace=False)


async def upsert_instances(request: Request) -> Response:
    """``PUT /studies[/{study}]`` (v2): instances already stored are replaced."""
    if api_version(request) < 2:
        raise HTTPException(status_code=405)
    return await _store(request, replace=True)


async def _store(request: Request, replace: bool) -> Response:
    # The Accept filter runs before the action binds the path's UID (M21): 406 before 400.
    require_dicom_json_accept(request)
    study_uid, _, _ = optional_path_uids(request)
    app = components(request)
    settings = app.settings
    check_declared_length(request.headers.get("content-length"), settings.max_request_bytes)
    try:
        parts = await spool_parts(request.headers.get("content-type"), request.stream(),
                                  settings.tmp_dir, settings.max_request_bytes)
    except ClientDisconnect:
        # The client went away mid-body: its spooled parts are already removed, and no one
        # reads an answer; a 400 instead of an error log and a 500.
        return Response(status_code=400)
    except OSError as exc:
        # The body could not be spooled (a full disk): the service's answer to an instance
        # it could not store, 272 (its StoreService catches storage errors per instance),
        # so 409 with one failed item; not a 400 that blames the client.
        log.warning("could not receive a STOW body: %r", exc)
        outcomes = [Outcome(failure=PROCESSING_FAILURE)]
        return DicomJSONResponse(response_dataset(outcomes, study_uid, base_url(request),
                                                  api_version(request)),
                                 status_code=response_status(outcomes, api_version(request)))
    if not parts:  # a multipart body with no parts (an empty single part is one part)
        return Response(status_code=204)
    api = api_version(request)
    try:
        outcomes = await run_in_threadpool(app.store.store, parts, study_uid, api, replace,
                                           partition_key=partition_key(request))
    finally:
        discard_parts(parts)  # stored parts were renamed away; the rest are removed here
    headers = {}
    if has_multiple_values(outcomes):
        headers["Warning"] = f'299 {request.url.hostname}: "{MULTIPLE_VALUES_WARNING}"'
    return DicomJSONResponse(
        response_dataset(outcomes, study_uid, base_url(request), api),
        status_code=response_status(outcomes, api), headers=headers,
    )
