"""CORS as the DICOM service answers it: ASP.NET Core's CORS middleware with one policy.

The managed service has one CORS setting (Learn: "Configure cross-origin resource sharing"
for the DICOM service): origins, headers, methods, max age, allow credentials, applied to
all origins alike; credentials cannot be allowed with the ``*`` origin. The service builds
one ASP.NET Core policy from it (``CorsModule`` in healthcare-shared-components:
``WithOrigins``, ``WithHeaders``, ``WithMethods``, ``SetPreflightMaxAge``,
``AllowCredentials``; no exposed headers) and calls ``UseCors`` before authentication
(``DicomServerServiceCollectionExtensions.cs``), so a preflight needs no token. Unset, the
policy allows no origin.

Starlette's ``CORSMiddleware`` does the dispatch, the origin check and the headers of
actual responses. Its preflight answer differs from ASP.NET Core's, so that part is the
service's (:meth:`AspNetCoreCors.preflight_response`): always 204 with no body; a
disallowed origin gets no CORS header at all; an allowed one gets
``Access-Control-Allow-Origin`` (the origin, or ``*``), ``-Credentials``, ``-Headers``
and ``-Methods`` as configured (``*`` echoes what was asked), ``-Max-Age`` only when set,
and the method and headers asked for are not checked (the browser decides). Actual
responses to a disallowed origin get nothing. Left as Starlette does it: ``Vary: Origin``
on every actual response to an allowed origin (ASP.NET adds it only when it echoes the
origin of several), and ", " between list items (ASP.NET writes ",").
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dicom_emulator.web.cors_policy import CorsPolicy


class AspNetCoreCors(CORSMiddleware):
    """``UseCors(policy)`` for the requests ``applies(path)`` selects."""

    def __init__(self, app: ASGIApp, policy: CorsPolicy,
                 applies: Callable[[str], bool] = lambda path: True):
        super().__init__(app, allow_origins=policy.origins, allow_methods=policy.methods,
                         allow_headers=policy.headers,
                         allow_credentials=policy.allow_credentials)
        self.policy = policy
        self.applies = applies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or not self.applies(scope["path"])
                or "origin" not in Headers(scope=scope)):
            await self.app(scope, receive, send)  # not a CORS request: nothing to add
            return
        await super().__call__(scope, receive, send)

    def preflight_response(self, request_headers: Headers) -> Response:
        headers: dict[str, str] = {}
        policy = self.policy
        origin = request_headers["origin"]
        if self.is_allowed_origin(origin=origin):
            any_origin = "*" in policy.origins
            headers["Access-Control-Allow-Origin"] = "*" if any_origin else origin
            if policy.allow_credentials:
                headers["Access-Control-Allow-Credentials"] = "true"
            asked_headers = request_headers.get("access-control-request-headers", "")
            allowed_headers = (asked_headers if "*" in policy.headers
                               else ",".join(policy.headers))
            if allowed_headers:
                headers["Access-Control-Allow-Headers"] = allowed_headers
            allowed_methods = (request_headers["access-control-request-method"]
                               if "*" in policy.methods else ",".join(policy.methods))
            if allowed_methods:
                headers["Access-Control-Allow-Methods"] = allowed_methods
            if policy.max_age is not None:
                headers["Access-Control-Max-Age"] = str(policy.max_age)
            if not any_origin and len(policy.origins) > 1:
                headers["Vary"] = "Origin"
        return Response(status_code=204, headers=headers)

    async def send(self, message: Message, send: Send, request_headers: Headers) -> None:
        origin = request_headers.get("origin")
        if origin is not None and not self.is_allowed_origin(origin=origin):
            await send(message)  # ASP.NET Core adds nothing for an origin it does not allow
            return
        await super().send(message, send, request_headers)
