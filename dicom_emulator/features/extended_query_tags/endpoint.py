"""Extended query tags (Azure-only) over HTTP: add, list, get, update, delete, errors.

Bodies are ``application/json`` (``[Consumes]``: anything else is 415); paging options
are ``limit`` (1-200, default 100) and ``offset``.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from dicom_emulator.features.extended_query_tags import service
from dicom_emulator.features.extended_query_tags.service import error_json, tag_json, tag_not_found
from dicom_emulator.features.extended_query_tags.validation import (
    check_body_shape,
    normalize_tag_path,
    parse_query_status_body,
    validate_entries,
)
from dicom_emulator.web.json_body import read_json_body
from dicom_emulator.web.query_binding import LONG_MAX, QueryBinder
from dicom_emulator.web.request import base_url, components
from dicom_emulator.web.urls import operation_url


def _paging(request: Request) -> tuple[int, int]:
    """``PaginationOptions``: an option object, so errors name its properties."""
    params = QueryBinder(request)
    return (params.integer("limit", "Limit", 1, 200, 100),
            params.integer("offset", "Offset", 0, LONG_MAX, 0))


def _tag_path(request: Request) -> str:
    return normalize_tag_path(request.path_params["tagPath"])


async def add_tags(request: Request) -> Response:
    """``POST /extendedquerytags``: 202 with the reindex operation's reference."""
    entries = check_body_shape(await read_json_body(request))
    app = components(request)
    base = base_url(request)
    # AddExtendedQueryTagService checks for a running reindex before validating entries.
    await run_in_threadpool(service.check_no_active_operation, app.extended_query_tags, base)
    tags = validate_entries(entries)
    operation = await run_in_threadpool(service.add_tags, app.extended_query_tags,
                                        app.reindexer, tags, base)
    href = operation_url(base, operation.operation_id)
    return JSONResponse({"id": operation.operation_id, "href": href}, status_code=202,
                        headers={"Location": href})


async def list_tags(request: Request) -> Response:
    """``GET /extendedquerytags``."""
    limit, offset = _paging(request)
    tags = await run_in_threadpool(components(request).extended_query_tags.page, limit, offset)
    base = base_url(request)
    return JSONResponse([tag_json(t, base) for t in tags])


async def get_tag(request: Request) -> Response:
    """``GET /extendedquerytags/{tagPath}``."""
    path = _tag_path(request)
    tag = await run_in_threadpool(service.get_tag, components(request).extended_query_tags, path)
    return JSONResponse(tag_json(tag, base_url(request)))


async def update_tag(request: Request) -> Response:
    """``PATCH /extendedquerytags/{tagPath}`` with ``{"queryStatus": …}``."""
    status = parse_query_status_body(await read_json_body(request))
    path = _tag_path(request)
    store = components(request).extended_query_tags
    tag = await run_in_threadpool(store.set_query_status, path, status)
    if tag is None:
        raise tag_not_found(path)
    return JSONResponse(tag_json(tag, base_url(request)))


async def delete_tag(request: Request) -> Response:
    """``DELETE /extendedquerytags/{tagPath}``: the tag, its values and its errors go."""
    path = _tag_path(request)
    if not await run_in_threadpool(components(request).extended_query_tags.delete, path):
        raise tag_not_found(path)
    return Response(status_code=204)


async def get_tag_errors(request: Request) -> Response:
    """``GET /extendedquerytags/{tagPath}/errors``."""
    limit, offset = _paging(request)
    path = _tag_path(request)
    store = components(request).extended_query_tags
    tag = await run_in_threadpool(service.get_tag, store, path)
    errors = await run_in_threadpool(store.errors, tag.key, limit, offset)
    return JSONResponse([error_json(e) for e in errors])
