"""Microsoft Entra ID's endpoints, under the emulator's base URL.

- ``POST /{tenant}/oauth2/v2.0/token`` with ``scope=https://dicom.healthcareapis.azure.com/.default``
  (client credentials), or a signed-in user's code or refresh token (``identity.user_grants``)
- ``GET /{tenant}/oauth2/v2.0/authorize``, ``POST /{tenant}/login`` and
  ``GET /{tenant}/oauth2/v2.0/logout``: interactive sign-in (``identity.authorize``)
- ``POST /{tenant}/oauth2/token`` (v1, as Postman collections use it) with ``resource=…``
- ``GET /{tenant}/v2.0/.well-known/openid-configuration`` and the JWKS it points to

Errors are Entra-shaped JSON (``error``, ``error_description`` with an ``AADSTS`` code,
``error_codes``…) with Entra's status codes: 401 for a bad secret, 400 otherwise.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import unquote_plus

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from dicom_emulator.identity.authorize import RESPONSE_MODES, authorize, sign_in, sign_out
from dicom_emulator.identity.directory import InvalidSecretError
from dicom_emulator.identity.errors import NO_STORE, EntraError
from dicom_emulator.identity.form_body import read_form
from dicom_emulator.identity.tenant import check_tenant
from dicom_emulator.identity.tokens import AUDIENCE
from dicom_emulator.identity.user_grants import DELEGATED_GRANTS, redeem
from dicom_emulator.identity.user_tokens import v2_issuer
from dicom_emulator.identity.userinfo import userinfo


def _missing(parameter: str) -> EntraError:
    if parameter == "client_secret":
        return EntraError(401, "invalid_client", 7000218, "The request body must contain the "
                          "following parameter: 'client_assertion' or 'client_secret'.")
    return EntraError(400, "invalid_request", 900144,
                      f"The request body must contain the following parameter: '{parameter}'.")


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    """client_secret_basic (RFC 6749 §2.3.1), Postman's default for client credentials."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, sep, secret = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError) as error:
        raise EntraError(401, "invalid_client", 7000215,
                         "The Authorization header is not valid Basic credentials.") from error
    return (unquote_plus(client_id), unquote_plus(secret)) if sep else None


def _resource_of_scope(scope: str) -> str:
    scopes = scope.split()
    if len(scopes) != 1 or not scopes[0].endswith("/.default"):
        raise EntraError(400, "invalid_scope", 1002012,
                         f"The provided value for scope {scope} is not valid. Client credential "
                         "flows must have a scope value with /.default suffixed to the resource "
                         "identifier (application ID URI).")
    return scopes[0].removesuffix("/.default")


async def _issue(request: Request, version: int) -> Response:
    identity = check_tenant(request)
    form = await read_form(request)
    basic = _basic_credentials(request)
    client_id = form.get("client_id") or (basic[0] if basic else "")
    secret = form.get("client_secret") or (basic[1] if basic else "")
    grant_type = form.get("grant_type", "")
    if not grant_type:
        raise _missing("grant_type")
    if grant_type in DELEGATED_GRANTS and version == 2:
        return redeem(request, identity, form)  # a signed-in user's (identity.user_grants)
    if grant_type != "client_credentials":
        raise EntraError(400, "unsupported_grant_type", 70003,
                         f"The app requested an unsupported grant type '{grant_type}'. The "
                         "local identity service supports client_credentials, and "
                         "authorization_code and refresh_token at the v2.0 endpoint.")
    if not client_id:
        raise _missing("client_id")
    if version == 2:
        resource = _resource_of_scope(form["scope"]) if form.get("scope") else ""
    else:
        resource = form.get("resource", "")
    if not resource:
        raise _missing("scope" if version == 2 else "resource")
    if resource.rstrip("/") != AUDIENCE:
        raise EntraError(400, "invalid_resource", 500011,
                         f"The resource principal named {resource} was not found in the "
                         f"tenant named {identity.tenant_id}. This can happen if the "
                         "application has not been installed by the administrator of the "
                         "tenant or consented to by any user in the tenant. You might have "
                         "sent your authentication request to the wrong tenant.")
    if not secret:
        raise _missing("client_secret")
    try:
        principal = await run_in_threadpool(
            identity.directory.authenticate_client, client_id, secret)
    except InvalidSecretError as error:
        raise EntraError(401, "invalid_client", 7000215,
                         "Invalid client secret provided. Ensure the secret being sent in "
                         "the request is the client secret value, not the client secret ID, "
                         f"for a secret added to app '{client_id}'.") from error
    if principal is None:
        raise EntraError(400, "unauthorized_client", 700016,
                         f"Application with identifier '{client_id}' was not found in the "
                         f"directory '{identity.tenant_id}'. This can happen if the "
                         "application has not been installed by the administrator of the "
                         "tenant or consented to by any user in the tenant. You may have "
                         "sent your authentication request to the wrong tenant.")
    token = identity.issue(principal)
    body: dict[str, Any]
    if version == 2:
        body = {"token_type": "Bearer", "expires_in": token.expires_in,
                "ext_expires_in": token.expires_in, "access_token": token.access_token}
    else:  # v1 answers with strings, and names the resource and the absolute times
        body = {"token_type": "Bearer", "expires_in": str(token.expires_in),
                "ext_expires_in": str(token.expires_in), "expires_on": str(token.expires_on),
                "not_before": str(token.issued_at), "resource": AUDIENCE,
                "access_token": token.access_token}
    return JSONResponse(body, headers=NO_STORE)


async def token_v2(request: Request) -> Response:
    return await _issue(request, 2)


async def token_v1(request: Request) -> Response:
    return await _issue(request, 1)


async def openid_configuration(request: Request) -> Response:
    """OIDC discovery, enough for MSAL and for JWKS-based token validators."""
    identity = check_tenant(request)
    origin = f"{request.url.scheme}://{request.url.netloc}"
    root = f"{origin}/{identity.tenant_id}"
    return JSONResponse({
        # The v2 issuer, which ID tokens carry; access tokens for the DICOM service are v1
        # tokens with the sts.windows.net issuer, as Entra's are.
        "issuer": v2_issuer(origin, identity.tenant_id),
        "token_endpoint": f"{root}/oauth2/v2.0/token",
        "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
        "end_session_endpoint": f"{root}/oauth2/v2.0/logout",
        "userinfo_endpoint": f"{root}/oidc/userinfo",  # Entra's names Microsoft Graph
        "jwks_uri": f"{root}/discovery/v2.0/keys",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "grant_types_supported": ["client_credentials", *DELEGATED_GRANTS],
        "response_types_supported": ["code"],
        "response_modes_supported": list(RESPONSE_MODES),
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "profile", "email", "offline_access",
                             f"{AUDIENCE}/.default"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "name", "nonce", "oid",
                             "preferred_username", "tid", "ver"],
        "http_logout_supported": True,
        "tenant_region_scope": None,
        "cloud_instance_name": "dicom-emulator",
    })


async def jwks(request: Request) -> Response:
    identity = check_tenant(request)
    return JSONResponse(identity.signing_key.jwks())


def identity_routes() -> list[BaseRoute]:
    """The Entra ID endpoints (open: they are how a caller gets a token)."""
    return [
        Route("/{tenant}/oauth2/v2.0/token", token_v2, methods=["POST"]),
        Route("/{tenant}/oauth2/token", token_v1, methods=["POST"]),
        Route("/{tenant}/v2.0/.well-known/openid-configuration", openid_configuration,
              methods=["GET"]),
        Route("/{tenant}/discovery/v2.0/keys", jwks, methods=["GET"]),
        Route("/{tenant}/discovery/keys", jwks, methods=["GET"]),
        Route("/{tenant}/oauth2/v2.0/authorize", authorize, methods=["GET"]),
        Route("/{tenant}/login", sign_in, methods=["POST"]),
        Route("/{tenant}/oauth2/v2.0/logout", sign_out, methods=["GET"]),
        Route("/{tenant}/oidc/userinfo", userinfo, methods=["GET"]),
    ]
