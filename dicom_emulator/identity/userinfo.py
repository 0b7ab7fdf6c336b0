"""``GET /{tenant}/oidc/userinfo``: the stand-in for Entra's UserInfo endpoint.

Entra's discovery document names Microsoft Graph's ``/oidc/userinfo``, which answers the
signed-in user's ``sub``, ``name``, ``given_name``, ``family_name`` (Learn: "Microsoft
identity platform UserInfo endpoint"). OHIF's code-flow client always loads user info
(oidc-client-ts ``loadUserInfo: true``), so the emulator serves one. Unlike Graph's, which
wants a token for Graph, it takes the user's DICOM access token: the emulator has no Graph.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from dicom_emulator.identity.tenant import check_tenant
from dicom_emulator.identity.tokens import TokenRejectedError

_CHALLENGE = 'Bearer realm="", error="invalid_token"'


async def userinfo(request: Request) -> Response:
    identity = check_tenant(request)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    try:
        if scheme.lower() != "bearer" or not token.strip():
            raise TokenRejectedError()
        caller = identity.verify(token.strip())
    except TokenRejectedError:
        return Response(status_code=401, headers={"WWW-Authenticate": _CHALLENGE})
    claims = caller.claims
    if "scp" not in claims:  # an app's token: no user to describe
        return Response(status_code=401, headers={"WWW-Authenticate": _CHALLENGE})
    shown = {"sub": claims.get("sub"), "name": claims.get("name"),
             "given_name": claims.get("given_name"), "family_name": claims.get("family_name"),
             "preferred_username": claims.get("upn")}
    return JSONResponse({k: v for k, v in shown.items() if v is not None})
