"""The worklist (UPS-RS) over HTTP: ``/workitems`` routes, in the controller's order of checks.

``WorkitemController.*.cs``: every body is ``application/dicom+json`` (``[Consumes]``:
anything else, or none, is a 415 with no body), an array whose first dataset is used;
create, retrieve and search also need Accept to admit ``application/dicom+json`` (406).
The service's messages are written as a JSON string where the action declares
``[Produces(application/dicom+json)]`` (create, cancel request, retrieve); update and
change state negotiate, as ASP.NET does for a string: JSON for an Accept that asks for
JSON, else ``text/plain``. Update and change state also repeat any message in a ``Warning:
299`` header, a cancel request only for a conflict.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydicom.dataset import Dataset
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from dicom_emulator.dicom.validation import check_path_uid
from dicom_emulator.errors import BadRequestError, UnsupportedMediaTypeError
from dicom_emulator.features.query.parser import bind_options
from dicom_emulator.features.workitems import datasets
from dicom_emulator.features.workitems.messages import EMPTY_BODY, INVALID_BODY, NO_DATASET
from dicom_emulator.features.workitems.service import Answer, Outcome
from dicom_emulator.web.json_body import check_depth, read_limited_body
from dicom_emulator.web.media import DICOM_JSON, parse_accept, parse_media_type
from dicom_emulator.web.request import (
    base_url,
    components,
    partition_key,
    require_dicom_json_accept,
)
from dicom_emulator.web.responses import DicomJSONResponse, status_only
from dicom_emulator.web.urls import workitem_url

# Per transaction: the HTTP status of each outcome (WorkitemResponseStatusExtensions).
_CREATE = {Outcome.SUCCESS: 201, Outcome.FAILURE: 400, Outcome.CONFLICT: 409}
_CANCEL = {Outcome.SUCCESS: 202, Outcome.NOT_FOUND: 404, Outcome.FAILURE: 400,
           Outcome.CONFLICT: 409}
_STATE = {Outcome.SUCCESS: 200, Outcome.FAILURE: 400, Outcome.NOT_FOUND: 404,
          Outcome.CONFLICT: 409}
_RETRIEVE = {Outcome.SUCCESS: 200, Outcome.FAILURE: 400, Outcome.NOT_FOUND: 404}
_UPDATE = _STATE
_JSON_TYPES = ("application/json", "text/json")


def _first_query_key(request: Request) -> str | None:
    """The name of the first query parameter: where the service reads a workitem's UID at
    create, and the Transaction UID at update (``?1.2.3``)."""
    items = request.query_params.multi_items()
    return items[0][0] if items else None


async def _dataset(request: Request) -> Dataset:
    """The first dataset of the body, after the service's ``[Consumes]`` and body binding."""
    content_type = request.headers.get("content-type")
    if content_type is None or parse_media_type(content_type).type != DICOM_JSON:
        raise UnsupportedMediaTypeError(content_type, message="")
    raw = await read_limited_body(request)
    if not raw.strip():
        raise BadRequestError(INVALID_BODY.format("", EMPTY_BODY))
    try:
        check_depth(raw)  # deeper than System.Text.Json reads: a bad body, not a crash
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        detail = f"The body is not valid JSON: {exc}"
        raise BadRequestError(INVALID_BODY.format("$", detail)) from None
    if not isinstance(body, list):
        raise BadRequestError(INVALID_BODY.format("$", "The body is not an array of datasets."))
    if not body:
        raise BadRequestError(INVALID_BODY.format("", NO_DATASET))
    try:
        if not isinstance(body[0], dict):
            raise ValueError("not a dataset")
        return datasets.from_json(body[0])
    except ValueError as exc:
        detail = f"Not a DICOM JSON dataset: {exc}"
        raise BadRequestError(INVALID_BODY.format("$[0]", detail)) from None


def _warning(request: Request, message: str | None) -> dict[str, str]:
    """``Warning: 299 {host}: "{message}"`` (the host without its port, then a colon)."""
    if not message or not message.strip():
        return {}
    return {"Warning": f'299 {request.url.hostname or "-"}: "{message}"'}


# System.Text.Json's default encoder also escapes the HTML-sensitive characters.
_ESCAPED = {'"': "\\u0022", "'": "\\u0027", "+": "\\u002B", "<": "\\u003C", ">": "\\u003E",
            "&": "\\u0026", "`": "\\u0060"}


def dotnet_json_string(message: str) -> str:
    """A string as ASP.NET's JSON formatter writes it (non-ASCII escaped, upper-case hex)."""
    inner = json.dumps(message, ensure_ascii=True)[1:-1].replace('\\"', '"')
    inner = "".join(_ESCAPED.get(c, c) for c in inner)
    return '"' + re.sub(r"\\u([0-9a-f]{4})", lambda m: "\\u" + m.group(1).upper(), inner) + '"'


def _json_string(message: str, status: int, headers: dict[str, str], media_type: str) -> Response:
    return Response(dotnet_json_string(message), status, headers,
                    media_type=f"{media_type}; charset=utf-8")


def _message(request: Request, answer: Answer, status: int, headers: dict[str, str],
             produces_dicom_json: bool) -> Response:
    """The answer's message as the body (none: an empty body with no Content-Type)."""
    if answer.message is None:
        return status_only(status, headers)
    if produces_dicom_json:
        return _json_string(answer.message, status, headers, DICOM_JSON)
    # ASP.NET's choice for a string: the first Accept (by quality) a formatter can write:
    # text/plain (and */*, text/*) by the string formatter, JSON types by the JSON one.
    for media in sorted(parse_accept(request.headers.get("accept")), key=lambda m: -m.quality):
        if media.matches("text/plain"):
            break
        if media.type in _JSON_TYPES or (media.type.startswith("application/")
                                         and media.type.endswith("+json")):
            return _json_string(answer.message, status, headers, media.type)
    return Response(answer.message, status, headers, media_type="text/plain; charset=utf-8")


async def create_workitem(request: Request) -> Response:
    """``POST /workitems[?{workitem}]``: 201 with Location, 400, 409."""
    ds = await _dataset(request)
    require_dicom_json_accept(request)
    uid = _first_query_key(request)
    if uid:
        uid = check_path_uid(uid, "WorkitemInstanceUid")
    service = components(request).workitems
    answer = await run_in_threadpool(service.create, partition_key(request), ds, uid)
    headers = {}
    if answer.outcome is Outcome.SUCCESS and answer.uid is not None:
        url = workitem_url(base_url(request), answer.uid)
        headers = {"Content-Location": url, "Location": url}
    return _message(request, answer, _CREATE[answer.outcome], headers, True)


async def retrieve_workitem(request: Request) -> Response:
    """``GET /workitems/{workitem}``: the dataset, never with its Transaction UID."""
    require_dicom_json_accept(request)
    uid = check_path_uid(request.path_params["workitem"], "WorkitemInstanceUid")
    service = components(request).workitems
    answer = await run_in_threadpool(service.retrieve, partition_key(request), uid)
    if answer.outcome is Outcome.SUCCESS:
        return DicomJSONResponse(answer.dataset)
    return _message(request, answer, _RETRIEVE[answer.outcome], {}, True)


async def update_workitem(request: Request) -> Response:
    """``POST /workitems/{workitem}[?{transaction-uid}]``."""
    ds = await _dataset(request)
    uid = check_path_uid(request.path_params["workitem"], "WorkitemInstanceUid")
    transaction_uid = _first_query_key(request)
    if transaction_uid:
        transaction_uid = check_path_uid(transaction_uid, "TransactionUid")
    service = components(request).workitems
    answer = await run_in_threadpool(service.update, partition_key(request), uid,
                                     transaction_uid, ds)
    headers = _warning(request, answer.message)
    if answer.outcome is Outcome.SUCCESS:
        headers["Content-Location"] = workitem_url(base_url(request), uid)
    return _message(request, answer, _UPDATE[answer.outcome], headers, False)


async def change_workitem_state(request: Request) -> Response:
    """``PUT /workitems/{workitem}/state``: claim, complete or cancel."""
    ds = await _dataset(request)
    uid = check_path_uid(request.path_params["workitem"], "WorkitemInstanceUid")
    service = components(request).workitems
    answer = await run_in_threadpool(service.change_state, partition_key(request), uid, ds)
    return _message(request, answer, _STATE[answer.outcome], _warning(request, answer.message),
                    False)


async def request_cancellation(request: Request) -> Response:
    """``POST /workitems/{workitem}/cancelrequest``: 202, or why not."""
    ds = await _dataset(request)
    uid = check_path_uid(request.path_params["workitem"], "WorkitemInstanceUid")
    service = components(request).workitems
    answer = await run_in_threadpool(service.request_cancellation, partition_key(request),
                                     uid, ds)
    conflict = answer.outcome is Outcome.CONFLICT
    headers = _warning(request, answer.message) if conflict else {}
    return _message(request, answer, _CANCEL[answer.outcome], headers, True)


async def search_workitems(request: Request) -> Response:
    """``GET /workitems?…``: 200 with the matches, 204 for none."""
    params = request.query_params.multi_items()
    service = components(request).workitems
    bind_options(params)  # option errors (model binding) come before the Accept filter
    require_dicom_json_accept(request)
    found: list[dict[str, Any]] = await run_in_threadpool(
        service.search, partition_key(request), params)
    return DicomJSONResponse(found) if found else status_only(204)
