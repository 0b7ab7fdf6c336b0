"""Interactive sign-in, shaped like Entra ID's (Learn: "Microsoft identity platform and OAuth
2.0 authorization code flow"; OpenID Connect "Send a sign-out request").

- ``GET /{tenant}/oauth2/v2.0/authorize``: checks the request and shows the sign-in page.
  Errors Entra cannot trust the redirect URI for (tenant, ``client_id``, ``redirect_uri``)
  are an error page; the others go back to the redirect URI as ``error``,
  ``error_description`` and ``state``.
- ``POST /{tenant}/login``: the form (``login``, ``passwd``, ``flowToken``, as Entra's
  form names them); on success a 302 to the redirect URI with ``code`` and ``state``.
- ``GET /{tenant}/oauth2/v2.0/logout``: back to ``post_logout_redirect_uri`` when it is a
  registered redirect URI, else the signed-out page.

The form is CSRF-safe by a double submit: a random session cookie (HttpOnly,
SameSite=Strict, so a cross-site post arrives without it) and a hidden ``canary`` that
is an HMAC of it; a post from another origin is refused outright.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlencode, urlsplit, urlunsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from dicom_emulator.identity.errors import EntraError, error_fields
from dicom_emulator.identity.form_body import read_form
from dicom_emulator.identity.grants import AuthorizationRequest
from dicom_emulator.identity.scopes import parse_scopes
from dicom_emulator.identity.service import Identity
from dicom_emulator.identity.signin_page import error_page, sign_in_page, signed_out_page
from dicom_emulator.identity.tenant import check_tenant
from dicom_emulator.identity.users import InvalidPasswordError

SESSION_COOKIE = "dicom_emulator_signin"
RESPONSE_MODES = ("query", "fragment")


def _missing(parameter: str) -> EntraError:
    return EntraError(400, "invalid_request", 900144,
                      f"The request body must contain the following parameter: '{parameter}'.")


def _with_params(uri: str, params: dict[str, str], mode: str) -> str:
    parts = urlsplit(uri)
    if mode == "fragment":
        return urlunsplit(parts._replace(fragment=urlencode(params)))
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit(parts._replace(query=query))


def _redirect_error(redirect_uri: str, mode: str, state: str | None,
                    error: EntraError) -> Response:
    fields = error_fields(error)
    params = {"error": str(fields["error"]),
              "error_description": str(fields["error_description"]),
              "error_uri": str(fields["error_uri"])}
    if state is not None:
        params["state"] = state
    return RedirectResponse(_with_params(redirect_uri, params, mode), status_code=302)


def _check_challenge(challenge: str | None, method: str | None) -> None:
    if challenge is None:
        if method is not None:
            raise _missing("code_challenge")
        return  # Entra asks for PKCE when an SPA redeems the code (AADSTS9002325)
    if method not in (None, "plain", "S256"):
        raise EntraError(400, "invalid_request", 90100,
                         "code_challenge_method parameter is empty or not valid.")
    size_ok = len(challenge) == 43 if method == "S256" else 43 <= len(challenge) <= 128
    if not size_ok:
        raise EntraError(400, "invalid_request", 501491,
                         "Invalid size of Code_Challenge parameter.")


def _check_response_type(response_type: str | None) -> None:
    if not response_type:
        raise _missing("response_type")
    types = set(response_type.split())
    if types == {"code"}:
        return
    for implicit, code in (("id_token", 700054), ("token", 700051)):
        if implicit in types:
            raise EntraError(400, "unsupported_response_type", code,
                             f"response_type '{implicit}' is not enabled for the application.")
    raise EntraError(400, "unsupported_response_type", 70005,
                     f"The provided value '{response_type}' for the input parameter "
                     "'response_type' is not supported. Expected value: 'code'.")


def _session(request: Request) -> tuple[str, bool]:
    """The browser's sign-in session id, and whether it is new (then it must be set)."""
    current = request.cookies.get(SESSION_COOKIE, "")
    if len(current) >= 32:
        return current, False
    return secrets.token_urlsafe(32), True


def _canary(identity: Identity, session: str) -> str:
    return hmac.new(identity.grants.csrf_key, session.encode(), hashlib.sha256).hexdigest()


def _show_sign_in(request: Request, identity: Identity, flow_token: str,
                  pending: AuthorizationRequest, login: str = "",
                  error: str | None = None) -> Response:
    session, new = _session(request)
    action = f"/{identity.tenant_id}/login"
    app = identity.directory.find_principal(pending.client_id)
    response = sign_in_page(action, flow_token, _canary(identity, session),
                            app.display_name if app else pending.client_id, login, error)
    if new:
        response.set_cookie(SESSION_COOKIE, session, path=f"/{identity.tenant_id}/",
                            httponly=True, samesite="strict",
                            secure=request.url.scheme == "https")
    return response


async def authorize(request: Request) -> Response:
    """``GET /{tenant}/oauth2/v2.0/authorize``."""
    try:
        identity = check_tenant(request)
    except EntraError as error:
        return error_page(error.code, error.message)
    query = request.query_params
    client_id = (query.get("client_id") or "").strip().lower()
    if not client_id:
        return error_page(900144, "The request body must contain the following parameter: "
                          "'client_id'.")
    app = identity.directory.find_principal(client_id)
    if app is None or app.app_id != client_id:
        return error_page(700016, f"Application with identifier '{client_id}' was not found "
                          f"in the directory '{identity.tenant_id}'. This can happen if the "
                          "application has not been installed by the administrator of the "
                          "tenant or consented to by any user in the tenant. You may have "
                          "sent your authentication request to the wrong tenant.")
    redirect_uri = query.get("redirect_uri")
    if not redirect_uri:
        return error_page(900971, "No reply address provided.")
    if redirect_uri not in identity.accounts.spa_redirect_uris(app.app_id):
        return error_page(50011, f"The redirect URI '{redirect_uri}' specified in the request "
                          f"does not match the redirect URIs configured for the application "
                          f"'{app.app_id}'. Make sure the redirect URI sent in the request "
                          "matches one added to your application in the Azure portal. "
                          "Navigate to https://aka.ms/redirectUriMismatchError to learn more "
                          "about how to fix this.")
    state = query.get("state")
    mode = query.get("response_mode") or "query"
    if mode not in RESPONSE_MODES:  # form_post is not offered: answer in the query
        return _redirect_error(redirect_uri, "query", state, EntraError(
            400, "invalid_request", 70007, f"The response_mode '{mode}' is not supported by "
            "the local identity service (use 'query' or 'fragment')."))
    try:
        _check_response_type(query.get("response_type"))
        if not query.get("scope"):
            raise _missing("scope")
        scopes = parse_scopes(query["scope"], identity.tenant_id, app.app_id)
        _check_challenge(query.get("code_challenge"), query.get("code_challenge_method"))
        if query.get("prompt") == "none":  # no single sign-on session is kept
            raise EntraError(400, "login_required", 50058,
                             "A silent sign-in request was sent but no user is signed in.")
    except EntraError as error:
        return _redirect_error(redirect_uri, mode, state, error)
    pending = AuthorizationRequest(
        client_id=app.app_id, redirect_uri=redirect_uri, scopes=scopes.all, state=state,
        nonce=query.get("nonce"), code_challenge=query.get("code_challenge"),
        code_challenge_method=query.get("code_challenge_method"), response_mode=mode)
    flow_token = identity.grants.start_sign_in(pending)
    return _show_sign_in(request, identity, flow_token, pending,
                         login=query.get("login_hint", ""))


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    return origin is None or origin == f"{request.url.scheme}://{request.url.netloc}"


async def sign_in(request: Request) -> Response:
    """``POST /{tenant}/login``: check the credentials, then back to the app with a code."""
    try:
        identity = check_tenant(request)
        form = await read_form(request)
    except EntraError as error:
        return error_page(error.code, error.message)
    flow_token = form.get("flowToken", "")
    pending = identity.grants.sign_in(flow_token) if flow_token else None
    session = request.cookies.get(SESSION_COOKIE, "")
    if (not _same_origin(request) or not session
            or not hmac.compare_digest(_canary(identity, session), form.get("canary", ""))):
        return error_page(90100, "The sign-in request was not sent by the sign-in page "
                          "(its session cookie or canary is missing or wrong).", status=403)
    if pending is None:
        return error_page(50089, "Authentication failed due to flow token expired.")
    login, password = form.get("login", "").strip(), form.get("passwd", "")
    if not login or not password:
        return _show_sign_in(request, identity, flow_token, pending, login,
                             "Enter your user name and password.")
    try:
        user = await run_in_threadpool(identity.accounts.authenticate_user, login, password)
    except InvalidPasswordError:
        return _show_sign_in(request, identity, flow_token, pending, login,
                             "AADSTS50126: Error validating credentials due to invalid "
                             "username or password.")
    if user is None:
        return _show_sign_in(request, identity, flow_token, pending, login,
                             f"AADSTS50034: The user account {login} does not exist in the "
                             f"'{identity.tenant_id}' directory. To sign into this "
                             "application, the account must be added to the directory.")
    identity.grants.finish_sign_in(flow_token)
    code = identity.grants.issue_code(pending, user.object_id)
    params = {"code": code}
    if pending.state is not None:
        params["state"] = pending.state
    return RedirectResponse(_with_params(pending.redirect_uri, params, pending.response_mode),
                            status_code=302)


async def sign_out(request: Request) -> Response:
    """``GET /{tenant}/oauth2/v2.0/logout``: end the sign-in session, then back to the app."""
    try:
        identity = check_tenant(request)
    except EntraError as error:
        return error_page(error.code, error.message)
    target = request.query_params.get("post_logout_redirect_uri")
    response: Response
    if target and target in identity.accounts.all_spa_redirect_uris():
        state = request.query_params.get("state")
        response = RedirectResponse(_with_params(target, {"state": state}, "query")
                                    if state else target, status_code=302)
    else:
        response = signed_out_page()
    response.delete_cookie(SESSION_COOKIE, path=f"/{identity.tenant_id}/")
    return response
