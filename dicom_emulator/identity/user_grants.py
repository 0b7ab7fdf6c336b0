"""The token endpoint's delegated grants: ``authorization_code`` (with PKCE) and ``refresh_token``.

As for an app registered as a single-page app in Entra ID (Learn: "OAuth 2.0
authorization code flow", "Redirect URIs for single-page apps"): the client is public (no
secret; one sent is refused), the code is redeemed from the browser, so the request must
carry an ``Origin`` header ("the Microsoft identity platform returns an error if you attempt
to use a spa redirect URI without an Origin header"), and PKCE is required for it. Codes
are single-use and short-lived (``identity.grants``); the ``redirect_uri`` must be the one
the code was issued for.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from dicom_emulator.identity.errors import NO_STORE, EntraError
from dicom_emulator.identity.grants import CodeError, RefreshGrant, pkce_matches
from dicom_emulator.identity.scopes import parse_scopes
from dicom_emulator.identity.service import Identity
from dicom_emulator.identity.user_tokens import id_token, user_access_token, v2_issuer
from dicom_emulator.identity.users import UserAccount

DELEGATED_GRANTS = ("authorization_code", "refresh_token")


def _missing(parameter: str) -> EntraError:
    return EntraError(400, "invalid_request", 900144,
                      f"The request body must contain the following parameter: '{parameter}'.")


def _invalid_grant(code: int, message: str) -> EntraError:
    return EntraError(400, "invalid_grant", code, message)


def _public_client_checks(request: Request, form: dict[str, str]) -> None:
    if form.get("client_secret") or form.get("client_assertion"):
        raise EntraError(401, "invalid_client", 700025, "Client is public so neither "
                         "'client_assertion' nor 'client_secret' should be presented.")
    if "origin" not in request.headers:
        raise EntraError(400, "invalid_request", 9002327, "Tokens issued for the "
                         "'Single-Page Application' client-type may only be redeemed via "
                         "cross-origin requests.")


def _client(identity: Identity, form: dict[str, str]) -> str:
    client_id = form.get("client_id", "").strip().lower()
    if not client_id:
        raise _missing("client_id")
    app = identity.directory.find_principal(client_id)
    if app is None or app.app_id != client_id:
        raise EntraError(400, "unauthorized_client", 700016,
                         f"Application with identifier '{client_id}' was not found in the "
                         f"directory '{identity.tenant_id}'. This can happen if the "
                         "application has not been installed by the administrator of the "
                         "tenant or consented to by any user in the tenant. You may have "
                         "sent your authentication request to the wrong tenant.")
    return client_id


def _user(identity: Identity, user_id: str) -> UserAccount:
    user = identity.accounts.user_by_id(user_id)
    if user is None:  # removed since signing in
        raise _invalid_grant(50034, "The user account does not exist in the "
                             f"'{identity.tenant_id}' directory.")
    return user


def _tokens(request: Request, identity: Identity, user: UserAccount, client_id: str,
            scopes: tuple[str, ...], nonce: str | None,
            carried: RefreshGrant | None = None) -> Response:
    granted = parse_scopes(" ".join(scopes), identity.tenant_id, client_id)
    origin = f"{request.url.scheme}://{request.url.netloc}"
    lifetime = identity.token_lifetime
    body: dict[str, Any] = {
        "token_type": "Bearer",
        "scope": granted.resource_scopes,
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": user_access_token(identity.signing_key, identity.tenant_id, user,
                                          client_id, granted, lifetime),
    }
    if "offline_access" in granted.oidc:
        body["refresh_token"] = identity.grants.issue_refresh_token(
            client_id, user.object_id, scopes, carried)
    if "openid" in granted.oidc:
        body["id_token"] = id_token(identity.signing_key, v2_issuer(origin, identity.tenant_id),
                                    identity.tenant_id, user, client_id, nonce)
    return JSONResponse(body, headers=NO_STORE)


def _redeem_code(request: Request, identity: Identity, form: dict[str, str]) -> Response:
    client_id = _client(identity, form)
    code, redirect_uri = form.get("code", ""), form.get("redirect_uri", "")
    if not code:
        raise _missing("code")
    if not redirect_uri:
        raise _missing("redirect_uri")
    _public_client_checks(request, form)
    try:
        grant = identity.grants.redeem_code(code)
    except CodeError as error:
        raise {
            "redeemed": _invalid_grant(54005, "OAuth2 Authorization code was already "
                                       "redeemed, please retry with a new valid code or use "
                                       "an existing refresh token."),
            "expired": _invalid_grant(70008, "The provided authorization code or refresh "
                                      "token has expired due to inactivity. Send a new "
                                      "interactive authorization request for this user and "
                                      "resource."),
        }.get(error.reason, _invalid_grant(70000, "The provided value for the 'code' "
                                           "parameter is not valid.")) from error
    pending = grant.request
    if pending.client_id != client_id:
        raise _invalid_grant(70000, "The provided value for the 'code' parameter is not valid.")
    if redirect_uri != pending.redirect_uri:
        raise _invalid_grant(70000, "The provided value for the 'redirect_uri' is not valid. "
                             "The value must exactly match the redirect URI used to obtain "
                             "the authorization code.")
    if pending.code_challenge is None:
        raise EntraError(400, "invalid_request", 9002325, "Proof Key for Code Exchange is "
                         "required for cross-origin authorization code redemption.")
    verifier = form.get("code_verifier", "")
    if not verifier:
        raise _missing("code_verifier")
    if not pkce_matches(verifier, pending.code_challenge, pending.code_challenge_method):
        raise _invalid_grant(501481, "The Code_Verifier does not match the code_challenge "
                             "supplied in the authorization request.")
    return _tokens(request, identity, _user(identity, grant.user_id), client_id,
                   pending.scopes, pending.nonce)


def _refresh(request: Request, identity: Identity, form: dict[str, str]) -> Response:
    client_id = _client(identity, form)
    token = form.get("refresh_token", "")
    if not token:
        raise _missing("refresh_token")
    _public_client_checks(request, form)
    grant = identity.grants.refresh_grant(token)
    if grant is None or grant.client_id != client_id:
        raise _invalid_grant(70000, "Provided grant is invalid or malformed.")
    if identity.grants.clock() >= grant.expires_at:
        issued = datetime.fromtimestamp(grant.issued_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        raise _invalid_grant(700084, "The refresh token was issued to a single page app "
                             "(SPA), and therefore has a fixed, limited lifetime of 1.00:00:00, "
                             "which can't be extended. It is now expired and a new sign in "
                             "request must be sent by the SPA to the sign in page. The token "
                             f"was issued on {issued}.")
    return _tokens(request, identity, _user(identity, grant.user_id), client_id,
                   grant.scopes, None, carried=grant)


def redeem(request: Request, identity: Identity, form: dict[str, str]) -> Response:
    """The answer to a delegated grant (``grant_type`` in :data:`DELEGATED_GRANTS`)."""
    if form.get("grant_type") == "authorization_code":
        return _redeem_code(request, identity, form)
    return _refresh(request, identity, form)
