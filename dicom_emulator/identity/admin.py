"""The directory's management operations, shaped as the Azure CLI prints them.

The command line (``ad sp create-for-rbac``, ``role assignment create|list|delete``) and
the admin HTTP routes (``/admin/identity/...``, for helpers and notebooks) share these
functions, so both print the same JSON. The HTTP routes answer only a loopback client
that addressed the emulator by a loopback name (no other machine, and no web page
through DNS rebinding), and writes must be JSON (a cross-site form cannot send that
without a CORS preflight, which the emulator does not grant).
"""

from __future__ import annotations

import ipaddress
import json
import os
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from dicom_emulator.errors import BadRequestError
from dicom_emulator.identity.azure_cli_output import (
    role_assignment_json,
    service_principal_json,
    spa_json,
    user_json,
)
from dicom_emulator.identity.directory import DirectoryError
from dicom_emulator.identity.roles import UnknownRoleError
from dicom_emulator.identity.service import Identity
from dicom_emulator.identity.tokens import AUDIENCE, SCOPE
from dicom_emulator.web.json_body import check_depth, read_limited_body
from dicom_emulator.web.request import components

LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "[::1]"}
MAX_ADMIN_BODY_BYTES = 64 * 1024  # a display name or a role assignment


def identity_json(identity: Identity, origin: str | None = None) -> dict[str, Any]:
    """What a client needs to get tokens: tenant, authority, scope (``GET /admin/identity``
    adds whose service this is: ``dataDir``, ``pid``, ``auth``)."""
    shown: dict[str, Any] = {"tenant": identity.tenant_id, "issuer": identity.issuer,
                             "audience": AUDIENCE, "scope": SCOPE,
                             "tokenLifetime": identity.token_lifetime}
    if origin is not None:
        shown["authority"] = f"{origin}/{identity.tenant_id}"
    if identity.https_origin is not None:
        # For azure.identity's credentials, which accept only an https:// authority.
        shown["httpsAuthority"] = identity.https_origin
        shown["caCertificate"] = str(identity.ca_certificate)
    return shown


# --- HTTP ---------------------------------------------------------------------------------

Endpoint = Callable[[Request], Awaitable[Response]]


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _is_loopback(request: Request) -> bool:
    client = request.client.host if request.client else ""
    try:
        from_loopback = ipaddress.ip_address(client).is_loopback
    except ValueError:
        return False
    return from_loopback and (request.url.hostname or "") in LOOPBACK_NAMES


def _admin(endpoint: Callable[[Request, Identity], Awaitable[Response]]) -> Endpoint:
    """Guard an admin endpoint: loopback only, JSON writes, directory errors as JSON."""
    async def guarded(request: Request) -> Response:
        if not _is_loopback(request):
            return _error(403, "Forbidden", "The admin API answers only on loopback "
                          "(http://127.0.0.1 or http://localhost on this machine).")
        if request.method in ("POST", "PUT", "PATCH") and request.headers.get(
                "content-type", "").split(";")[0].strip().lower() != "application/json":
            return _error(415, "UnsupportedMediaType", "Send the body as application/json.")
        try:
            return await endpoint(request, components(request).identity)
        except (DirectoryError, UnknownRoleError) as error:
            return _error(error.status_code, error.code, str(error))
    return guarded


async def _body(request: Request) -> dict[str, Any]:
    try:
        raw = await read_limited_body(request, MAX_ADMIN_BODY_BYTES)
    except BadRequestError as error:
        raise DirectoryError(error.message) from None
    try:
        check_depth(raw)  # json.loads would recurse into a RecursionError (a 500)
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as error:
        raise DirectoryError("The request body is not valid JSON.") from error
    if not isinstance(body, dict):
        raise DirectoryError("The request body must be a JSON object.")
    return body


def _text(body: dict[str, Any], name: str, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise DirectoryError(f"'{name}' is required and must be a non-empty string.")
    return value


async def _show_identity(request: Request, identity: Identity) -> Response:
    shown = identity_json(identity, f"{request.url.scheme}://{request.url.netloc}")
    # Whose emulator this is: a second checkout of the kit must not use the first one's
    # service (its tenant, its studies) by mistake, and its launcher must not stop it.
    shown["dataDir"] = str(components(request).settings.data_dir.resolve())
    shown["pid"] = os.getpid()
    shown["auth"] = components(request).settings.auth
    return JSONResponse(shown)


async def _create_for_rbac(request: Request, identity: Identity) -> Response:
    name = _text(await _body(request), "displayName")
    assert name is not None
    # Hashing the new secret takes tens of milliseconds: not on the event loop.
    principal, secret, _ = await run_in_threadpool(identity.directory.create_for_rbac, name)
    return JSONResponse(service_principal_json(principal, identity.tenant_id, secret),
                        status_code=201, headers={"Cache-Control": "no-store"})


async def _list_principals(request: Request, identity: Identity) -> Response:
    return JSONResponse([{**service_principal_json(p, identity.tenant_id), "id": p.object_id}
                         for p in identity.directory.list_principals()])


async def _create_assignment(request: Request, identity: Identity) -> Response:
    body = await _body(request)
    assignee, role = _text(body, "assignee"), _text(body, "role")
    assert assignee is not None and role is not None
    assignment = identity.directory.assign_role(assignee, role, _text(body, "scope", False))
    return JSONResponse(role_assignment_json(assignment), status_code=201)


def _query(request: Request) -> tuple[str | None, str | None]:
    return request.query_params.get("assignee"), request.query_params.get("role")


async def _list_assignments(request: Request, identity: Identity) -> Response:
    assignments = identity.directory.list_role_assignments(*_query(request))
    return JSONResponse([role_assignment_json(a) for a in assignments])


async def _delete_assignments(request: Request, identity: Identity) -> Response:
    assignee, role = _query(request)
    if assignee is None and role is None:
        raise DirectoryError("Give 'assignee' and/or 'role' to say which assignments to delete.")
    deleted = identity.directory.delete_role_assignments(assignee, role)
    return JSONResponse([role_assignment_json(a) for a in deleted])


async def _add_user(request: Request, identity: Identity) -> Response:
    body = await _body(request)
    name, password = _text(body, "userPrincipalName"), _text(body, "password")
    assert name is not None and password is not None
    # Hashing the password takes tens of milliseconds: not on the event loop.
    user = await run_in_threadpool(identity.accounts.add_user, name, password,
                                   _text(body, "displayName", False), _text(body, "role", False))
    return JSONResponse(user_json(user, identity.accounts.user_roles(user.object_id)),
                        status_code=201)


async def _add_spa(request: Request, identity: Identity) -> Response:
    body = await _body(request)
    name, uris = _text(body, "displayName"), body.get("redirectUris")
    assert name is not None
    if not isinstance(uris, list) or not all(isinstance(u, str) for u in uris):
        raise DirectoryError("'redirectUris' must be a list of strings.")
    app = await run_in_threadpool(identity.accounts.add_spa, name, uris)
    return JSONResponse(spa_json(app, identity.tenant_id,
                                 identity.accounts.spa_redirect_uris(app.app_id)),
                        status_code=201)


def admin_routes() -> list[BaseRoute]:
    """``/admin/identity/...``: the command line's operations over HTTP, loopback only."""
    return [
        Route("/admin/identity", _admin(_show_identity), methods=["GET"]),
        Route("/admin/identity/service-principals", _admin(_create_for_rbac),
              methods=["POST"]),
        Route("/admin/identity/service-principals", _admin(_list_principals), methods=["GET"]),
        Route("/admin/identity/role-assignments", _admin(_create_assignment), methods=["POST"]),
        Route("/admin/identity/role-assignments", _admin(_list_assignments), methods=["GET"]),
        Route("/admin/identity/role-assignments", _admin(_delete_assignments),
              methods=["DELETE"]),
        Route("/admin/identity/users", _admin(_add_user), methods=["POST"]),
        Route("/admin/identity/spa-apps", _admin(_add_spa), methods=["POST"]),
    ]
