"""Interactive sign-in: /authorize, the sign-in form, code + PKCE, refresh tokens, logout.

Entra ID's texts are spelled out here as Learn documents them ("Microsoft Entra
authentication and authorization error codes", "OAuth 2.0 authorization code flow").
"""

from __future__ import annotations

import jwt
import pytest
from starlette.testclient import TestClient

from tests.support.signin import (
    REDIRECT_URI,
    SPA_ORIGIN,
    Pkce,
    authorize_params,
    parse_page,
    redeem,
    redirect_params,
    sign_in,
    submit,
)
from tests.support.tokens import DICOM_RESOURCE, identity_of

PASSWORD = "correct horse battery staple"


@pytest.fixture
def spa(auth_http: TestClient) -> dict[str, str]:
    """A registered SPA and a Reader user, made through the admin API."""
    app = auth_http.post("/admin/identity/spa-apps", json={
        "displayName": "viewer", "redirectUris": [REDIRECT_URI]})
    assert app.status_code == 201, app.text
    user = auth_http.post("/admin/identity/users", json={
        "userPrincipalName": "reader@contoso.test", "password": PASSWORD,
        "displayName": "Rita Reader", "role": "DICOM Data Reader"})
    assert user.status_code == 201, user.text
    assert user.json()["roles"] == ["DICOM Data Reader"]
    return {"tenant": app.json()["tenant"], "client_id": app.json()["appId"],
            "user_id": user.json()["id"]}


def _description(response: object) -> str:
    return response.json()["error_description"].split("\r\n")[0]  # type: ignore[attr-defined]


def test_the_code_flow_with_pkce_gives_tokens_that_read_but_do_not_write(
        auth_http: TestClient, spa: dict[str, str]) -> None:
    pkce = Pkce.new()
    answer = sign_in(auth_http, spa["tenant"], spa["client_id"], "reader@contoso.test",
                     PASSWORD, pkce)
    assert answer["state"] == "state-123"
    tokens = redeem(auth_http, spa["tenant"], spa["client_id"], answer["code"], pkce.verifier)
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == f"{DICOM_RESOURCE}/Dicom.ReadWrite"
    assert body["expires_in"] == 3600
    assert body["refresh_token"]
    assert tokens.headers["access-control-allow-origin"] == "*"

    key = identity_of(auth_http).signing_key.public_key
    access = jwt.decode(body["access_token"], key, algorithms=["RS256"],
                        audience=DICOM_RESOURCE, issuer=f"https://sts.windows.net/{spa['tenant']}/")
    assert (access["oid"], access["scp"], access["appid"]) == (
        spa["user_id"], "Dicom.ReadWrite", spa["client_id"])
    assert (access["name"], access["upn"]) == ("Rita Reader", "reader@contoso.test")
    config = auth_http.get(f"/{spa['tenant']}/v2.0/.well-known/openid-configuration").json()
    assert config["issuer"] == f"http://127.0.0.1/{spa['tenant']}/v2.0"
    identity = jwt.decode(body["id_token"], key, algorithms=["RS256"],
                          audience=spa["client_id"], issuer=config["issuer"])
    assert identity["nonce"] == "nonce-456"
    assert identity["preferred_username"] == "reader@contoso.test"
    assert identity["sub"] == access["sub"]

    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    found = auth_http.get("/v2/studies", headers={**bearer, "Accept": "application/dicom+json"})
    assert found.status_code == 204  # QIDO allowed (no studies yet)
    stored = auth_http.post("/v2/studies", headers={
        **bearer, "Accept": "application/dicom+json",
        "Content-Type": 'multipart/related; type="application/dicom"; boundary=b'},
        content=b"--b--")
    assert stored.status_code == 403
    assert stored.text == "Authorization failed."


def test_the_sign_in_page_escapes_what_it_echoes(auth_http: TestClient,
                                                 spa: dict[str, str]) -> None:
    page = auth_http.get(f"/{spa['tenant']}/oauth2/v2.0/authorize", params=authorize_params(
        spa["client_id"], Pkce.new(), login_hint='"><script>alert(1)</script>'))
    assert page.status_code == 200
    assert "<script>" not in page.text
    assert "&quot;&gt;&lt;script&gt;" in page.text
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


@pytest.mark.parametrize("login, password, text", [
    ("nobody@contoso.test", PASSWORD, "AADSTS50034: The user account nobody@contoso.test does "
     "not exist in the '{tenant}' directory. To sign into this application, the account must "
     "be added to the directory."),
    ("reader@contoso.test", "wrong", "AADSTS50126: Error validating credentials due to invalid "
     "username or password."),
])
def test_bad_credentials_show_the_form_again_with_entras_error(
        auth_http: TestClient, spa: dict[str, str], login: str, password: str,
        text: str) -> None:
    page = auth_http.get(f"/{spa['tenant']}/oauth2/v2.0/authorize",
                         params=authorize_params(spa["client_id"], Pkce.new()))
    again = submit(auth_http, page.text, login, password)
    assert again.status_code == 200
    assert parse_page(again.text).error == text.format(tenant=spa["tenant"])
    retried = submit(auth_http, again.text, "reader@contoso.test", PASSWORD)
    assert retried.status_code == 302  # the same sign-in can still succeed


def test_a_post_without_the_pages_cookie_is_refused(auth_http: TestClient,
                                                    spa: dict[str, str]) -> None:
    page = auth_http.get(f"/{spa['tenant']}/oauth2/v2.0/authorize",
                         params=authorize_params(spa["client_id"], Pkce.new()))
    auth_http.cookies.clear()  # a cross-site post arrives without the SameSite cookie
    forged = submit(auth_http, page.text, "reader@contoso.test", PASSWORD)
    assert forged.status_code == 403
    assert "location" not in forged.headers


def test_a_post_from_another_origin_is_refused(auth_http: TestClient,
                                               spa: dict[str, str]) -> None:
    page = auth_http.get(f"/{spa['tenant']}/oauth2/v2.0/authorize",
                         params=authorize_params(spa["client_id"], Pkce.new()))
    form = parse_page(page.text)
    forged = auth_http.post(form.action, headers={"Origin": "https://evil.example"}, data={
        **form.fields, "login": "reader@contoso.test", "passwd": PASSWORD})
    assert forged.status_code == 403


@pytest.mark.parametrize("overrides, code, text", [
    ({"client_id": "00000000-0000-0000-0000-00000000beef"}, 700016,
     "AADSTS700016: Application with identifier '00000000-0000-0000-0000-00000000beef' was not "
     "found in the directory '{tenant}'. This can happen if the application has not been "
     "installed by the administrator of the tenant or consented to by any user in the tenant. "
     "You may have sent your authentication request to the wrong tenant."),
    ({"redirect_uri": "http://localhost:3000/other"}, 50011,
     "AADSTS50011: The redirect URI 'http://localhost:3000/other' specified in the request does "
     "not match the redirect URIs configured for the application '{client}'. Make sure the "
     "redirect URI sent in the request matches one added to your application in the Azure "
     "portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to "
     "fix this."),
])
def test_errors_the_app_cannot_be_trusted_with_are_a_page(
        auth_http: TestClient, spa: dict[str, str], overrides: dict[str, str], code: int,
        text: str) -> None:
    page = auth_http.get(f"/{spa['tenant']}/oauth2/v2.0/authorize", follow_redirects=False,
                         params={**authorize_params(spa["client_id"], Pkce.new()), **overrides})
    assert page.status_code == 400
    assert "location" not in page.headers
    assert str(code) in page.text
    assert parse_page(page.text).error == text.format(tenant=spa["tenant"],
                                                      client=spa["client_id"])


@pytest.mark.parametrize("overrides, error, text", [
    ({"response_type": "token"}, "unsupported_response_type",
     "AADSTS700051: response_type 'token' is not enabled for the application."),
    ({"response_type": None}, "invalid_request",
     "AADSTS900144: The request body must contain the following parameter: 'response_type'."),
    ({"code_challenge": "too-short"}, "invalid_request",
     "AADSTS501491: Invalid size of Code_Challenge parameter."),
])
def test_other_authorize_errors_go_back_to_the_app(
        auth_http: TestClient, spa: dict[str, str], overrides: dict[str, str | None],
        error: str, text: str) -> None:
    page = auth_http.get(f"/{spa['tenant']}/oauth2/v2.0/authorize", follow_redirects=False,
                         params=authorize_params(spa["client_id"], Pkce.new(), **overrides))
    assert page.status_code == 302
    params = redirect_params(page.headers["location"])
    assert page.headers["location"].startswith(REDIRECT_URI + "?")
    assert params["error"] == error
    assert params["error_description"].split("\r\n")[0] == text
    assert params["state"] == "state-123"


def _code(auth_http: TestClient, spa: dict[str, str], pkce: Pkce | None) -> str:
    return sign_in(auth_http, spa["tenant"], spa["client_id"], "reader@contoso.test",
                   PASSWORD, pkce)["code"]


def test_a_wrong_verifier_is_refused(auth_http: TestClient, spa: dict[str, str]) -> None:
    code = _code(auth_http, spa, Pkce.new())
    answer = redeem(auth_http, spa["tenant"], spa["client_id"], code, Pkce.new().verifier)
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_grant")
    assert _description(answer) == ("AADSTS501481: The Code_Verifier does not match the "
                                    "code_challenge supplied in the authorization request.")


def test_a_code_is_redeemed_once(auth_http: TestClient, spa: dict[str, str]) -> None:
    pkce = Pkce.new()
    code = _code(auth_http, spa, pkce)
    assert redeem(auth_http, spa["tenant"], spa["client_id"], code, pkce.verifier
                  ).status_code == 200
    again = redeem(auth_http, spa["tenant"], spa["client_id"], code, pkce.verifier)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")
    assert _description(again) == (
        "AADSTS54005: OAuth2 Authorization code was already redeemed, please retry with a new "
        "valid code or use an existing refresh token.")


def test_an_expired_code_is_refused(auth_http: TestClient, spa: dict[str, str]) -> None:
    pkce = Pkce.new()
    code = _code(auth_http, spa, pkce)
    grants = identity_of(auth_http).grants
    issued = grants.clock()
    grants.clock = lambda: issued + 601  # a code lives 10 minutes
    answer = redeem(auth_http, spa["tenant"], spa["client_id"], code, pkce.verifier)
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_grant")
    assert answer.json()["error_codes"] == [70008]


def test_the_redirect_uri_must_be_the_codes(auth_http: TestClient, spa: dict[str, str]) -> None:
    pkce = Pkce.new()
    code = _code(auth_http, spa, pkce)
    answer = redeem(auth_http, spa["tenant"], spa["client_id"], code, pkce.verifier,
                    redirect_uri="http://localhost:3000/callback/")
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_grant")
    assert answer.json()["error_codes"] == [70000]


def test_an_spa_code_needs_pkce_and_a_cross_origin_request(
        auth_http: TestClient, spa: dict[str, str]) -> None:
    pkce = Pkce.new()
    no_origin = redeem(auth_http, spa["tenant"], spa["client_id"], _code(auth_http, spa, pkce),
                       pkce.verifier, origin=None)
    assert _description(no_origin) == (
        "AADSTS9002327: Tokens issued for the 'Single-Page Application' client-type may only "
        "be redeemed via cross-origin requests.")
    no_pkce = redeem(auth_http, spa["tenant"], spa["client_id"], _code(auth_http, spa, None),
                     None)
    assert _description(no_pkce) == ("AADSTS9002325: Proof Key for Code Exchange is required "
                                     "for cross-origin authorization code redemption.")


def test_refresh_tokens_give_new_tokens(auth_http: TestClient, spa: dict[str, str]) -> None:
    pkce = Pkce.new()
    first = redeem(auth_http, spa["tenant"], spa["client_id"], _code(auth_http, spa, pkce),
                   pkce.verifier).json()
    refreshed = auth_http.post(f"/{spa['tenant']}/oauth2/v2.0/token", headers={
        "Origin": SPA_ORIGIN}, data={"grant_type": "refresh_token", "client_id":
                                     spa["client_id"], "refresh_token": first["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    body = refreshed.json()
    assert body["refresh_token"] != first["refresh_token"]
    found = auth_http.get("/v2/studies", headers={
        "Authorization": f"Bearer {body['access_token']}", "Accept": "application/dicom+json"})
    assert found.status_code == 204
    grants = identity_of(auth_http).grants
    now = grants.clock()
    grants.clock = lambda: now + 24 * 3600  # an SPA's refresh tokens live 24 hours, fixed
    late = auth_http.post(f"/{spa['tenant']}/oauth2/v2.0/token", headers={
        "Origin": SPA_ORIGIN}, data={"grant_type": "refresh_token", "client_id":
                                     spa["client_id"], "refresh_token": body["refresh_token"]})
    assert late.json()["error_codes"] == [700084]


def test_logout_returns_to_a_registered_uri_only(auth_http: TestClient,
                                                 spa: dict[str, str]) -> None:
    logout = f"/{spa['tenant']}/oauth2/v2.0/logout"
    back = auth_http.get(logout, params={"post_logout_redirect_uri": REDIRECT_URI},
                         follow_redirects=False)
    assert (back.status_code, back.headers["location"]) == (302, REDIRECT_URI)
    elsewhere = auth_http.get(logout, params={"post_logout_redirect_uri": "https://evil.test/"},
                              follow_redirects=False)
    assert elsewhere.status_code == 200
    assert "You signed out of your account" in elsewhere.text


def test_userinfo_describes_the_signed_in_user(auth_http: TestClient,
                                               spa: dict[str, str]) -> None:
    pkce = Pkce.new()
    body = redeem(auth_http, spa["tenant"], spa["client_id"], _code(auth_http, spa, pkce),
                  pkce.verifier).json()
    config = auth_http.get(f"/{spa['tenant']}/v2.0/.well-known/openid-configuration").json()
    path = config["userinfo_endpoint"].removeprefix("http://127.0.0.1")
    info = auth_http.get(path, headers={"Authorization": f"Bearer {body['access_token']}"})
    assert info.status_code == 200
    key = identity_of(auth_http).signing_key.public_key
    sub = jwt.decode(body["id_token"], key, algorithms=["RS256"], audience=spa["client_id"],
                     issuer=config["issuer"])["sub"]
    assert info.json() == {"sub": sub, "name": "Rita Reader", "given_name": "Rita",
                           "family_name": "Reader", "preferred_username": "reader@contoso.test"}
    assert auth_http.get(path).status_code == 401
