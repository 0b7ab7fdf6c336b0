"""Change feed (Azure-only) over HTTP: ``GET /changefeed`` and ``GET /changefeed/latest``.

v1: ``offset`` (exclusive sequence), ``limit`` 1-100 (default 10). v2: ``startTime``,
``endTime``, ``offset`` (rows), ``limit`` 1-200 (default 100). Both: ``includeMetadata``.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from dicom_emulator.features.changefeed.service import entries_json, entry_json
from dicom_emulator.storage.changefeed import ChangeFeedReader
from dicom_emulator.web.query_binding import LONG_MAX, QueryBinder, check_time_window
from dicom_emulator.web.request import api_version, components

# ObjectResult through System.Text.Json's output formatter (``[Produces("application/json")]``).
JSON = "application/json; charset=utf-8"


def _reader(request: Request) -> ChangeFeedReader:
    return ChangeFeedReader(components(request).index.reader)


async def get_change_feed(request: Request) -> Response:
    """``GET /changefeed``."""
    params = QueryBinder(request)
    reader = _reader(request)
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
        rows = await run_in_threadpool(reader.by_time, start, end, offset, limit, include)
    return Response(entries_json(rows), media_type=JSON)


async def get_latest_change(request: Request) -> Response:
    """``GET /changefeed/latest``: the last entry by sequence (v1) or time (v2)."""
    include = QueryBinder(request).boolean("includeMetadata", "includeMetadata", True)
    row = await run_in_threadpool(_reader(request).latest, api_version(request) >= 2, include)
    if row is None:
        # ASP.NET turns an OK result with a null value into 204 No Content.
        return Response(status_code=204)
    return Response(entry_json(row), media_type=JSON)
