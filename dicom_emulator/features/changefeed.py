"""Change feed (Azure-only): ``GET /changefeed`` and ``GET /changefeed/latest``.

Like ``ChangeFeedController``, one handler serves both API versions with different
paging: v1 pages by sequence number (``offset`` is exclusive, ``limit`` 1-100, default
10), v2 by row inside a ``startTime``/``endTime`` window ordered by time (``limit``
1-200, default 100). JSON keys are camelCase; ``action`` and ``state`` are PascalCase
(``Create``, ``Current``) because the service serializes them with a property-level
``JsonStringEnumConverter`` without a naming policy.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from dicom_emulator.context import api_version, services
from dicom_emulator.features.api_options import LONG_MAX, QueryBinder, check_time_window
from dicom_emulator.storage.changefeed import ChangeFeedReader, ChangeFeedRow

DEFAULT_PARTITION = "Microsoft.Default"
JSON = "application/json"


def entry_json(row: ChangeFeedRow) -> str:
    """One entry as the service serializes it (nulls omitted, metadata embedded as stored)."""
    entry: dict[str, Any] = {
        "sequence": row.sequence,
        "partitionName": DEFAULT_PARTITION,
        "studyInstanceUid": row.study_uid,
        "seriesInstanceUid": row.series_uid,
        "sopInstanceUid": row.sop_uid,
        "action": row.action.name.capitalize(),
        "timestamp": row.timestamp,
        "state": row.state.name.capitalize(),
    }
    text = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
    if row.metadata is None:
        return text
    # The stored metadata is already DICOM JSON text: splice it in instead of re-encoding.
    return text[:-1] + ',"metadata":' + row.metadata + "}"


async def get_change_feed(request: Request) -> Response:
    """``GET /changefeed``."""
    params = QueryBinder(request)
    reader = ChangeFeedReader(services(request).index)
    if api_version(request) < 2:
        offset = params.integer("offset", "offset", 0, LONG_MAX, 0)
        limit = params.integer("limit", "limit", 1, 100, 10)
        include = params.boolean("includeMetadata", "includeMetadata", True)
        rows = await run_in_threadpool(reader.by_sequence, offset, limit, include)
    else:
        # WindowedPaginationOptions: an option object, so errors name its properties.
        offset = params.integer("offset", "Offset", 0, LONG_MAX, 0)
        limit = params.integer("limit", "Limit", 1, 200, 100)
        start = params.time("startTime", "StartTime")
        end = params.time("endTime", "EndTime")
        check_time_window(start, end)
        include = params.boolean("includeMetadata", "includeMetadata", True)
        rows = await run_in_threadpool(
            reader.by_time, _stored_time(start), _stored_time(end), offset, limit, include
        )
    body = "[" + ",".join(entry_json(row) for row in rows) + "]"
    return Response(body, media_type=JSON)


async def get_latest_change(request: Request) -> Response:
    """``GET /changefeed/latest``: the last entry by sequence (v1) or time (v2)."""
    include = QueryBinder(request).boolean("includeMetadata", "includeMetadata", True)
    reader = ChangeFeedReader(services(request).index)
    row = await run_in_threadpool(reader.latest, api_version(request) >= 2, include)
    if row is None:
        # ASP.NET turns an OK result with a null value into 204 No Content.
        return Response(status_code=204)
    return Response(entry_json(row), media_type=JSON)


def _stored_time(value: datetime | None) -> str | None:
    """A UTC datetime in the change feed's stored text format (see ``utc_timestamp``)."""
    return None if value is None else value.isoformat(timespec="microseconds")
