"""Errors of the local identity service, shaped as Entra ID and Azure report them.

:class:`EntraError` is what the token endpoints answer (``AADSTS<code>: <message>``, with
Entra's trace and correlation ids); ``create_app`` registers :func:`entra_error_response`
once for all of them. The admin API's errors (``DirectoryError``, ``UnknownRoleError``)
are Azure Resource Manager shaped (``{"error": {"code", "message"}}``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

NO_STORE = {"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"}


class EntraError(Exception):
    """An OAuth error as Entra ID reports it (``AADSTS<code>: <message>``)."""

    def __init__(self, status_code: int, error: str, code: int, message: str):
        super().__init__(message)
        self.status_code, self.error, self.code, self.message = status_code, error, code, message


def error_fields(exc: EntraError, correlation_id: str | None = None) -> dict[str, object]:
    """Entra's error fields (``error``, ``error_description`` with trace and correlation
    ids, ``error_codes``…): the token endpoint's JSON body and the ``/authorize`` redirect's
    query both carry them."""
    now = datetime.now(UTC)
    trace_id = str(uuid.uuid4())
    correlation_id = correlation_id or str(uuid.uuid4())
    stamp = now.strftime("%Y-%m-%d %H:%M:%SZ")
    return {
        "error": exc.error,
        "error_description": (f"AADSTS{exc.code}: {exc.message}\r\nTrace ID: {trace_id}"
                              f"\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {stamp}"),
        "error_codes": [exc.code],
        "timestamp": stamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": f"https://login.microsoftonline.com/error?code={exc.code}",
    }


async def entra_error_response(request: Request, exc: Exception) -> Response:
    """Starlette exception handler for :class:`EntraError`."""
    assert isinstance(exc, EntraError)
    body = error_fields(exc, request.headers.get("client-request-id"))
    return JSONResponse(body, status_code=exc.status_code, headers=NO_STORE)
