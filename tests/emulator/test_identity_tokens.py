"""The token endpoints (v2 and v1), discovery, and what the service does with bad tokens."""

from __future__ import annotations

import base64
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
from starlette.testclient import TestClient

from dicom_emulator import EmulatorSettings, create_app
from tests.support.tokens import (
    DICOM_RESOURCE,
    DICOM_SCOPE,
    claims_for,
    forged,
    get_token,
    hs256_with_public_key,
    identity_of,
    new_app,
    other_tenant,
    sign,
    tampered,
    unsigned,
)


def _form(app: dict[str, str], **overrides: str | None) -> dict[str, str]:
    form = {"grant_type": "client_credentials", "client_id": app["appId"],
            "client_secret": app["password"], "scope": DICOM_SCOPE}
    form.update(overrides)  # type: ignore[arg-type]
    return {k: v for k, v in form.items() if v is not None}


def _public_key(client: TestClient, tenant: str) -> jwt.PyJWK:
    """The signing key as a relying party finds it: discovery document, then JWKS."""
    config = client.get(f"/{tenant}/v2.0/.well-known/openid-configuration").json()
    jwks_path = config["jwks_uri"].removeprefix("http://127.0.0.1")
    (key,) = client.get(jwks_path).json()["keys"]
    return jwt.PyJWK(key)


def test_v2_token_is_an_rs256_jwt_with_the_v1_claims(auth_http: TestClient) -> None:
    app = new_app(auth_http, "claims")
    response = auth_http.post(f"/{app['tenant']}/oauth2/v2.0/token", data=_form(app))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store, no-cache"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == body["ext_expires_in"] == 3600
    key = _public_key(auth_http, app["tenant"])
    issuer = f"https://sts.windows.net/{app['tenant']}/"
    claims = jwt.decode(body["access_token"], key, algorithms=["RS256"], audience=DICOM_RESOURCE,
                        issuer=issuer)
    assert jwt.get_unverified_header(body["access_token"])["kid"] == key.key_id
    assert claims["tid"] == app["tenant"]
    assert claims["appid"] == app["appId"]
    oid = identity_of(auth_http).directory.find_principal(app["appId"]).object_id  # type: ignore[union-attr]
    assert claims["oid"] == claims["sub"] == oid
    assert claims["nbf"] == claims["iat"] and claims["exp"] - claims["iat"] == 3600
    assert abs(claims["iat"] - time.time()) < 60


def test_v1_token_endpoint_takes_a_resource_and_answers_with_strings(
        auth_http: TestClient) -> None:
    app = new_app(auth_http, "v1")
    response = auth_http.post(f"/{app['tenant']}/oauth2/token",
                              data=_form(app, scope=None, resource=DICOM_RESOURCE))
    assert response.status_code == 200
    body = response.json()
    assert body["resource"] == DICOM_RESOURCE
    assert body["expires_in"] == "3600"
    assert int(body["expires_on"]) - int(body["not_before"]) == 3600
    assert auth_http.get("/v2/changefeed", headers={
        "Authorization": f"Bearer {body['access_token']}"}).status_code == 403  # no role yet


def test_client_secret_in_a_basic_authorization_header(auth_http: TestClient) -> None:
    app = new_app(auth_http, "basic")
    basic = base64.b64encode(f"{app['appId']}:{app['password']}".encode()).decode()
    response = auth_http.post(f"/{app['tenant']}/oauth2/v2.0/token",
                              data=_form(app, client_id=None, client_secret=None),
                              headers={"Authorization": f"Basic {basic}"})
    assert response.status_code == 200, response.text


ERRORS = {
    # case: (form overrides, status, error, AADSTS code)
    "bad secret": ({"client_secret": "not-the-secret"}, 401, "invalid_client", 7000215),
    "unknown client": ({"client_id": "6a4bc6c4-0d71-4a53-a4a4-e2b0b1a2d3f4"}, 400,
                       "unauthorized_client", 700016),
    "scope without /.default": ({"scope": DICOM_RESOURCE + "/user_impersonation"}, 400,
                                "invalid_scope", 1002012),
    "another resource's scope": ({"scope": "https://management.azure.com/.default"}, 400,
                                 "invalid_resource", 500011),
    "missing scope": ({"scope": None}, 400, "invalid_request", 900144),
    "missing grant_type": ({"grant_type": None}, 400, "invalid_request", 900144),
    "authorization code without a code": ({"grant_type": "authorization_code"}, 400,
                                          "invalid_request", 900144),
    "device code grant": ({"grant_type": "urn:ietf:params:oauth:grant-type:device_code"},
                          400, "unsupported_grant_type", 70003),
    "missing client_id": ({"client_id": None}, 400, "invalid_request", 900144),
    "missing client_secret": ({"client_secret": None}, 401, "invalid_client", 7000218),
}


@pytest.mark.parametrize("case", ERRORS)
def test_v2_errors_are_entra_shaped(auth_http: TestClient, case: str) -> None:
    overrides, status, error, code = ERRORS[case]
    app = new_app(auth_http, "errors")
    response = auth_http.post(f"/{app['tenant']}/oauth2/v2.0/token",
                              data=_form(app, **overrides),
                              headers={"client-request-id": "3f1c2d9e-0000-4000-8000-000000000001"})
    assert response.status_code == status
    body = response.json()
    assert body["error"] == error
    assert body["error_description"].startswith(f"AADSTS{code}: ")
    assert body["error_codes"] == [code]
    assert body["correlation_id"] == "3f1c2d9e-0000-4000-8000-000000000001"
    assert "access_token" not in body


def test_v1_wrong_resource(auth_http: TestClient) -> None:
    app = new_app(auth_http, "v1-wrong")
    response = auth_http.post(f"/{app['tenant']}/oauth2/token",
                              data=_form(app, scope=None, resource="https://vault.azure.net"))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_resource"
    assert response.json()["error_codes"] == [500011]


def test_unknown_tenant_and_non_form_bodies(auth_http: TestClient) -> None:
    app = new_app(auth_http, "tenants")
    wrong = auth_http.post("/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token",
                           data=_form(app))
    assert wrong.status_code == 400 and wrong.json()["error_codes"] == [90002]
    as_json = auth_http.post(f"/{app['tenant']}/oauth2/v2.0/token", json=_form(app))
    assert as_json.status_code == 400 and as_json.json()["error_codes"] == [900144]
    huge = auth_http.post(f"/{app['tenant']}/oauth2/v2.0/token",
                          content=b"a=" + b"x" * 100_000,
                          headers={"content-type": "application/x-www-form-urlencoded"})
    assert huge.status_code == 400
    discovery = auth_http.get("/72f988bf-86f1-41af-91ab-2d7cd011db47/discovery/v2.0/keys")
    assert discovery.status_code == 400


def test_token_lifetime_is_a_setting(tmp_path: Path) -> None:
    settings = EmulatorSettings(data_dir=tmp_path / "short", auth=True, token_lifetime=5)
    with TestClient(create_app(settings), base_url="http://127.0.0.1",
                    client=("127.0.0.1", 1)) as client:
        app = new_app(client, "short")
        body = client.post(f"/{app['tenant']}/oauth2/v2.0/token", data=_form(app)).json()
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert body["expires_in"] == 5 and claims["exp"] - claims["iat"] == 5


def test_tenant_key_and_tokens_survive_a_restart_on_the_same_data_dir(tmp_path: Path) -> None:
    auth_settings = EmulatorSettings(data_dir=tmp_path / "restart", auth=True)
    with TestClient(create_app(auth_settings), base_url="http://127.0.0.1",
                    client=("127.0.0.1", 1)) as first:
        app = new_app(first, "restart", "DICOM Data Reader")
        token = get_token(first, app)
    key_file = auth_settings.data_dir / "identity-key.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    with TestClient(create_app(auth_settings), base_url="http://localhost",
                    client=("127.0.0.1", 1)) as second:
        assert identity_of(second).tenant_id == app["tenant"]
        # Another host name and a new process: the issuer does not depend on either.
        response = second.get("/v2/changefeed", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200


@pytest.fixture(scope="module")
def owner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str, str]]:
    """One auth-on emulator for the read-only token checks: (client, owner oid, token)."""
    settings = EmulatorSettings(data_dir=tmp_path_factory.mktemp("owner"), auth=True)
    with TestClient(create_app(settings), base_url="http://127.0.0.1",
                    client=("127.0.0.1", 1)) as client:
        app = new_app(client, "owner", "DICOM Data Owner")
        principal = identity_of(client).directory.find_principal(app["appId"])
        assert principal is not None
        yield client, principal.object_id, get_token(client, app)


def test_a_valid_token_passes(owner: tuple[TestClient, str, str]) -> None:
    client, _, token = owner
    response = client.get("/v2/changefeed", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


BAD_TOKENS = {
    # case: (token builder (identity, oid, real token) -> token, error_description or None)
    "malformed": (lambda i, oid, t: "not-a-jwt", None),
    "three garbage segments": (lambda i, oid, t: "a.b.c", None),
    "payload edited after signing": (lambda i, oid, t: tampered(t), "The signature is invalid"),
    "signed by another key": (lambda i, oid, t: forged(i, claims_for(i, oid)),
                              "The signature is invalid"),
    "alg none": (lambda i, oid, t: unsigned(i, claims_for(i, oid)), "The signature is invalid"),
    "HS256 keyed with the public key": (
        lambda i, oid, t: hs256_with_public_key(i, claims_for(i, oid)),
        "The signature is invalid"),
    "unknown key id": (lambda i, oid, t: sign(i, claims_for(i, oid), kid="someone-else"),
                       "The signature key was not found"),
    "expired": (lambda i, oid, t: sign(i, claims_for(i, oid, iat=1_600_000_000,
                                                     nbf=1_600_000_000, exp=1_600_003_600)),
                "The token expired at '09/13/2020 13:26:40'"),
    "not yet valid": (lambda i, oid, t: sign(i, claims_for(i, oid, nbf=4_000_000_000,
                                                           exp=4_000_003_600)),
                      "The token is not valid before '10/02/2096 07:06:40'"),
    "wrong audience": (lambda i, oid, t: sign(i, claims_for(i, oid, aud="https://graph.microsoft.com")),
                       "The audience 'https://graph.microsoft.com' is invalid"),
    "wrong issuer": (lambda i, oid, t: sign(i, claims_for(i, oid, iss="https://evil.example/")),
                     "The issuer 'https://evil.example/' is invalid"),
    "unknown tenant": (lambda i, oid, t: sign(i, other_tenant(i, oid)),
                       "The issuer 'https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/'"
                       " is invalid"),
    "same issuer, other tid": (
        lambda i, oid, t: sign(i, claims_for(i, oid, tid="72f988bf-86f1-41af-91ab-2d7cd011db47")),
        None),
    "no expiry": (lambda i, oid, t: sign(i, claims_for(i, oid, exp=None)),
                  "The token has no expiration"),
}


@pytest.mark.parametrize("case", BAD_TOKENS)
def test_bad_tokens_get_401_with_an_empty_body(owner: tuple[TestClient, str, str],
                                               case: str) -> None:
    build, description = BAD_TOKENS[case]
    client, oid, real = owner
    token = build(identity_of(client), oid, real)
    response = client.get("/v2/changefeed", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.content == b""
    challenge = response.headers["www-authenticate"]
    tenant = identity_of(client).tenant_id
    assert challenge.startswith(
        f'Bearer authorization_uri="http://127.0.0.1/{tenant}", resource_id="{DICOM_RESOURCE}", '
        f'realm="{DICOM_RESOURCE}", error="invalid_token"')
    if description is not None:
        assert challenge.endswith(f', error_description="{description}"')
    elif case != "same issuer, other tid":
        assert "error_description" not in challenge


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwdw=="])
def test_no_bearer_token_is_a_plain_challenge(owner: tuple[TestClient, str, str],
                                              authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = owner[0].get("/v1/studies", headers=headers)
    assert response.status_code == 401
    assert response.content == b""
    assert "error=" not in response.headers["www-authenticate"]


def test_auth_off_accepts_anything(http: TestClient) -> None:
    assert http.get("/v2/changefeed").status_code == 200
    assert http.get("/v2/changefeed", headers={"Authorization": "Bearer junk"}).status_code == 200
