"""Kestrel's request-line and header limits, which the service keeps at their defaults.

``KestrelServerLimits``: a request line (method, target, version) over 8,192 bytes is
refused with 414, request headers over 32,768 bytes in all with 431, both before the app
sees the request and with no body (``Program.cs`` raises only ``MaxRequestBodySize``).
uvicorn's h11 parser has no such limits of its own when a request arrives whole.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from dicom_emulator.web.responses import status_only

MAX_REQUEST_LINE_BYTES = 8 * 1024
MAX_REQUEST_HEADERS_BYTES = 32 * 1024


def request_line_length(scope: Scope) -> int:
    """``METHOD SP target SP HTTP/x.y CRLF`` in bytes."""
    query = scope.get("query_string", b"")
    target = len(scope.get("raw_path") or scope["path"].encode()) + (len(query) + 1 if query else 0)
    return len(scope["method"]) + 1 + target + 1 + len("HTTP/1.1") + 2


def headers_length(scope: Scope) -> int:
    return sum(len(name) + len(value) + 4 for name, value in scope.get("headers", []))


class RequestLimits:
    """ASGI middleware: 414 and 431 as Kestrel gives them."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            status = (414 if request_line_length(scope) > MAX_REQUEST_LINE_BYTES else
                      431 if headers_length(scope) > MAX_REQUEST_HEADERS_BYTES else None)
            if status is not None:
                await status_only(status)(scope, receive, send)
                return
        await self.app(scope, receive, send)
