"""Reading a JSON request body within the limits the service's stack has.

- **Depth:** System.Text.Json reads at most 64 levels (``JsonSerializerOptions.MaxDepth``'s
  default); deeper input is a ``JsonException`` ("The maximum configured depth of 64 has
  been exceeded. Cannot read next JSON array."), which ASP.NET reports as a bad body
  (400). Python's own parser would recurse until a ``RecursionError`` (a 500), so the
  depth is measured before parsing.
- **Size:** Kestrel reads a body up to ``MaxRequestBodySize`` and then fails the read
  with "Request body too large. The max request body size is {n} bytes.", a
  ``BadHttpRequestException`` that ``ExceptionHandlingMiddleware`` answers 400. The service
  sets the limit to 2 GB; the emulator keeps JSON bodies (tags, identity, updates) to
  :data:`MAX_JSON_BODY_BYTES` so that a hostile one cannot exhaust its memory.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from dicom_emulator.errors import (
    BadRequestError,
    InvalidRequestBodyError,
    UnsupportedMediaTypeError,
)
from dicom_emulator.web.media import parse_media_type

MAX_JSON_DEPTH = 64
MAX_JSON_BODY_BYTES = 30_000_000  # Kestrel's stock MaxRequestBodySize


class JsonTooDeepError(ValueError):
    """The document nests deeper than System.Text.Json reads."""

    def __init__(self, kind: str):
        super().__init__(f"The maximum configured depth of {MAX_JSON_DEPTH} has been exceeded. "
                         f"Cannot read next JSON {kind}.")


def body_too_large(limit: int) -> BadRequestError:
    """Kestrel's ``BadHttpRequestException`` past ``limit``, as the service answers it."""
    return BadRequestError(f"Request body too large. The max request body size is {limit} bytes.")


def check_depth(raw: bytes) -> None:
    """Raise :class:`JsonTooDeepError` if ``raw`` nests arrays/objects past 64 levels.

    Brackets inside strings do not count; the scan is linear and allocates nothing.
    """
    if raw.count(b"[") + raw.count(b"{") <= MAX_JSON_DEPTH:
        return  # cannot nest deeper than it has brackets
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise JsonTooDeepError("array" if byte == 0x5B else "object")
        elif byte in (0x5D, 0x7D):
            depth -= 1


async def read_limited_body(request: Request, limit: int = MAX_JSON_BODY_BYTES) -> bytes:
    """The body, refused (400, Kestrel's text) once it passes ``limit`` bytes: the
    Content-Length is checked before anything is read, a body without one as it comes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise body_too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise body_too_large(limit)
    return bytes(body)


async def read_json_body(request: Request) -> Any:
    """An ``[Consumes("application/json")]`` body, parsed; None when it is empty.

    Another content type is 415; a body past the limits or not JSON is the service's
    ``InvalidRequestBodyException`` for the whole document (``$``).
    """
    content_type = request.headers.get("content-type")
    if parse_media_type(content_type or "").type != "application/json":
        raise UnsupportedMediaTypeError(content_type)
    raw = await read_limited_body(request)
    if not raw.strip():
        return None
    try:
        check_depth(raw)  # json.loads would recurse into a RecursionError (a 500)
        return json.loads(raw)
    except JsonTooDeepError as exc:
        raise InvalidRequestBodyError("$", str(exc)) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidRequestBodyError("$", f"The request body is not valid JSON: {exc}") from None
