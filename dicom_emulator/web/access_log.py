"""One log line per request: a correlation id, the method, the path, the status.

The service logs each request under a correlation id (``DicomRequestContextMiddleware``:
``Activity.Current.RootId``, a W3C trace id) and returns none in a header, so neither does
the emulator. The line carries the path without its query string and no header at all:
tokens, client secrets and query values never reach the log.
"""

from __future__ import annotations

import logging
import secrets
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("dicom_emulator.access")


class AccessLog:
    """ASGI middleware writing :data:`log` ``INFO`` lines (``correlationId`` in the scope)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation_id = secrets.token_hex(16)  # the shape of an Activity's RootId
        scope["dicom.correlation_id"] = correlation_id
        started = time.perf_counter()
        status = 0

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            log.info("%s %s %s %d %.1fms", correlation_id, scope["method"], scope["path"][:512],
                     status or 500, (time.perf_counter() - started) * 1000)
