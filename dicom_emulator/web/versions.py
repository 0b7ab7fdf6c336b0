"""API versions: the URL prefixes the service answers under, and which version each means.

The prefix decides v1 or v2 semantics (``/v1.0-prerelease`` and ``/v1`` are v1).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

API_PREFIXES = {"v1.0-prerelease": 1, "v1": 1, "v2": 2}
_SCOPE_KEY = "dicom.api_prefix"


class ApiVersion:
    """ASGI wrapper that marks requests under ``/v1``, ``/v2``… with their API version."""

    def __init__(self, app: ASGIApp, prefix: str):
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[_SCOPE_KEY] = self.prefix
        await self.app(scope, receive, send)


def api_prefix(request: Request) -> str:
    """The version prefix the request came in under, e.g. ``"v2"``."""
    return str(request.scope[_SCOPE_KEY])


def api_version(request: Request) -> int:
    return API_PREFIXES[api_prefix(request)]
