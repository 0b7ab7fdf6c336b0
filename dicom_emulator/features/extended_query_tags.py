"""Extended query tags (Azure-only): add, list, get, update, delete, errors.

Adding tags answers 202 with a reference to a reindex operation that runs in the
background (:mod:`dicom_emulator.features.reindex`); the tags stay ``adding`` until it
completes. JSON is camelCase, enums camelCase (``ready``, ``enabled``, ``instance``) as
the service's ``StrictStringEnumConverter(CamelCase)`` writes them; nulls are omitted.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from dicom_emulator.context import base_url, services
from dicom_emulator.errors import (
    BadRequestError,
    ConflictError,
    NotFoundError,
    UnsupportedMediaTypeError,
)
from dicom_emulator.features.api_options import LONG_MAX, QueryBinder
from dicom_emulator.features.changefeed import DEFAULT_PARTITION
from dicom_emulator.features.extended_query_tag_validation import (
    InvalidRequestBodyError,
    check_body_shape,
    normalize_tag_path,
    parse_query_status_body,
    validate_entries,
)
from dicom_emulator.indexed_values import ErrorCode
from dicom_emulator.media import parse_media_type
from dicom_emulator.storage.extended_query_tags import (
    ActiveOperationError,
    StoredTag,
    TagError,
    TagsExistError,
    TooManyTagsError,
)

# ExtendedQueryTagConfiguration.MaxAllowedCount
MAX_ALLOWED_COUNT = 128


def operation_href(base: str, operation_id: str) -> str:
    return f"{base}/operations/{operation_id}"


def tag_json(tag: StoredTag, base: str) -> dict[str, Any]:
    """``GetExtendedQueryTagEntry`` as the service serializes it."""
    entry: dict[str, Any] = {"path": tag.path, "vr": tag.vr}
    if tag.private_creator:
        entry["privateCreator"] = tag.private_creator
    entry["level"] = tag.level.name.lower()
    entry["status"] = tag.status.name.lower()
    entry["queryStatus"] = tag.query_status.name.lower()
    if tag.error_count > 0:
        entry["errors"] = {"count": tag.error_count,
                           "href": f"{base}/extendedquerytags/{tag.path}/errors"}
    if tag.operation_id:
        entry["operation"] = {"id": tag.operation_id,
                              "href": operation_href(base, tag.operation_id)}
    return entry


def error_json(error: TagError) -> dict[str, Any]:
    """``ExtendedQueryTagError``: the message comes from the stored error code."""
    return {
        "partitionName": DEFAULT_PARTITION,
        "studyInstanceUid": error.study_uid,
        "seriesInstanceUid": error.series_uid,
        "sopInstanceUid": error.sop_uid,
        "createdTime": error.created,
        "errorMessage": ErrorCode(error.error_code).message,
    }


def tag_not_found(path: str) -> NotFoundError:
    return NotFoundError(
        f"The specified extended query tag with tag path {path} cannot be found.")


async def _json_body(request: Request) -> Any:
    """The request's JSON body ([Consumes("application/json")]); None when empty."""
    content_type = request.headers.get("content-type")
    if parse_media_type(content_type or "").type != "application/json":
        raise UnsupportedMediaTypeError(content_type)
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidRequestBodyError("$", f"The request body is not valid JSON: {exc}") from None


def _paging(request: Request) -> tuple[int, int]:
    """``PaginationOptions``: an option object, so errors name its properties."""
    params = QueryBinder(request)
    return (params.integer("limit", "Limit", 1, 200, 100),
            params.integer("offset", "Offset", 0, LONG_MAX, 0))


async def add_tags(request: Request) -> Response:
    """``POST /extendedquerytags``: 202 with the reindex operation's reference."""
    entries = check_body_shape(await _json_body(request))
    svc = services(request)
    store = svc.extended_query_tags
    base = base_url(request)
    # AddExtendedQueryTagService checks for a running reindex before validating entries.
    active = await run_in_threadpool(store.active_operation)
    if active is not None:
        raise _already_running(base, active.operation_id)
    tags = validate_entries(entries)
    try:
        operation = await run_in_threadpool(store.add, tags, MAX_ALLOWED_COUNT)
    except ActiveOperationError as exc:
        raise _already_running(base, exc.operation_id) from None
    except TooManyTagsError:
        raise BadRequestError(
            f"Extended query tags exceeds max allowed count '{MAX_ALLOWED_COUNT}'.") from None
    except TagsExistError:
        raise ConflictError("One or more extended query tags already exist.") from None
    svc.reindexer.notify()
    href = operation_href(base, operation.operation_id)
    return JSONResponse({"id": operation.operation_id, "href": href}, status_code=202,
                        headers={"Location": href})


def _already_running(base: str, operation_id: str) -> ConflictError:
    return ConflictError(
        f"There is already an active re-index operation with ID '{operation_id}'.",
        headers={"Location": operation_href(base, operation_id)},
    )


async def list_tags(request: Request) -> Response:
    """``GET /extendedquerytags``."""
    limit, offset = _paging(request)
    tags = await run_in_threadpool(services(request).extended_query_tags.list, limit, offset)
    base = base_url(request)
    return JSONResponse([tag_json(t, base) for t in tags])


async def get_tag(request: Request) -> Response:
    """``GET /extendedquerytags/{tagPath}``."""
    path = normalize_tag_path(request.path_params["tagPath"])
    tag = await run_in_threadpool(services(request).extended_query_tags.get, path)
    if tag is None:
        raise tag_not_found(path)
    return JSONResponse(tag_json(tag, base_url(request)))


async def update_tag(request: Request) -> Response:
    """``PATCH /extendedquerytags/{tagPath}`` with ``{"queryStatus": …}``."""
    status = parse_query_status_body(await _json_body(request))
    path = normalize_tag_path(request.path_params["tagPath"])
    store = services(request).extended_query_tags
    tag = await run_in_threadpool(store.set_query_status, path, status)
    if tag is None:
        raise tag_not_found(path)
    return JSONResponse(tag_json(tag, base_url(request)))


async def delete_tag(request: Request) -> Response:
    """``DELETE /extendedquerytags/{tagPath}``: the tag, its values and its errors go."""
    path = normalize_tag_path(request.path_params["tagPath"])
    if not await run_in_threadpool(services(request).extended_query_tags.delete, path):
        raise tag_not_found(path)
    return Response(status_code=204)


async def get_tag_errors(request: Request) -> Response:
    """``GET /extendedquerytags/{tagPath}/errors``."""
    limit, offset = _paging(request)
    path = normalize_tag_path(request.path_params["tagPath"])
    store = services(request).extended_query_tags
    tag = await run_in_threadpool(store.get, path)
    if tag is None:
        raise tag_not_found(path)
    errors = await run_in_threadpool(store.errors, tag.key, limit, offset)
    return JSONResponse([error_json(e) for e in errors])
