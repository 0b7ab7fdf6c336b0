"""Change feed (Azure-only), the service: entries as the service serializes them.

Like ``ChangeFeedController``, one feature serves both API versions with different
paging: v1 pages by sequence number (``offset`` is exclusive), v2 by row inside a
``startTime``/``endTime`` window ordered by time. JSON keys are camelCase; ``action`` and
``state`` are PascalCase (``Create``, ``Current``) because the service serializes them
with a property-level ``JsonStringEnumConverter`` without a naming policy.

Timestamps: the service's ``DATETIMEOFFSET(7)`` written by System.Text.Json, which gives
as many fractional digits as the value needs (up to 7, trailing zeros dropped, none for
a whole second) and ``+00:00``. The index stores fixed-width microseconds (text order is
time order, ``storage/changefeed.py``); :func:`written_timestamp` writes them the service's
way. A 7th digit is never made up: the emulator's clock has microseconds, and
System.Text.Json would not write a trailing zero.
"""

from __future__ import annotations

import json
from typing import Any

from dicom_emulator.storage.changefeed import ChangeFeedRow


def written_timestamp(stored: str) -> str:
    """A stored timestamp (``2026-12-01T10:00:00.120000+00:00``) as System.Text.Json writes a
    DateTimeOffset (``2026-12-01T10:00:00.12+00:00``)."""
    moment, dot, rest = stored.partition(".")
    if not dot:
        return stored
    digits = rest[:6].rstrip("0")
    return moment + ("." + digits if digits else "") + rest[6:]


def entry_json(row: ChangeFeedRow) -> str:
    """One entry as the service serializes it (nulls omitted, metadata embedded as stored)."""
    entry: dict[str, Any] = {
        "sequence": row.sequence,
        "partitionName": row.partition_name,
        "studyInstanceUid": row.study_uid,
        "seriesInstanceUid": row.series_uid,
        "sopInstanceUid": row.sop_uid,
        "action": row.action.name.capitalize(),
        "timestamp": written_timestamp(row.timestamp),
        "state": row.state.name.capitalize(),
    }
    text = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
    if row.metadata is None:
        return text
    # The stored metadata is already DICOM JSON text: splice it in instead of re-encoding.
    return text[:-1] + ',"metadata":' + row.metadata + "}"


def entries_json(rows: list[ChangeFeedRow]) -> str:
    """A page of entries as a JSON array."""
    return "[" + ",".join(entry_json(row) for row in rows) + "]"
