"""Tokens an attacker could bring, beyond the access-control matrix: a key id the JWKS does
not list, a real token of another emulator (another tenant, another key), a real token
whose claims were widened and signed again with another key, and a token replayed after
its app lost its role. Each is refused with ASP.NET's ``WWW-Authenticate`` wording (the
service's JWT bearer handler), or, for the replay, with the service's 403."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
from starlette.testclient import TestClient

from dicom_emulator import EmulatorSettings, create_app
from tests.support.tokens import DICOM_RESOURCE, get_token, identity_of, new_app

FEED = "/v2/changefeed"


@pytest.fixture
def two_emulators(auth_http: TestClient, tmp_path: Path) -> Iterator[tuple[TestClient, TestClient]]:
    """Ours (``auth_http``) and another one, with its own tenant and signing key."""
    other = EmulatorSettings(data_dir=tmp_path / "other", auth=True)
    with TestClient(create_app(other), base_url="http://127.0.0.1",
                    client=("127.0.0.1", 50001)) as client:
        yield auth_http, client


def _challenge(client: TestClient, token: str) -> str:
    response = client.get(FEED, headers={"Authorization": f"Bearer {token}"})
    assert (response.status_code, response.content) == (401, b"")
    tenant = identity_of(client).tenant_id
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith(
        f'Bearer authorization_uri="http://127.0.0.1/{tenant}", resource_id="{DICOM_RESOURCE}", '
        f'realm="{DICOM_RESOURCE}", error="invalid_token"')
    return challenge


def _claims(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))  # type: ignore[no-any-return]


def test_a_key_id_the_jwks_does_not_list_is_refused(auth_http: TestClient) -> None:
    identity = identity_of(auth_http)
    keys = auth_http.get(f"/{identity.tenant_id}/discovery/v2.0/keys").json()["keys"]
    token = get_token(auth_http, new_app(auth_http, "reader", "DICOM Data Reader"))
    assert auth_http.get(FEED, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    kid = "not-" + keys[0]["kid"]
    assert kid not in {k["kid"] for k in keys}
    forged = jwt.encode(_claims(token), identity.signing_key.private_key, algorithm="RS256",
                        headers={"kid": kid})
    assert _challenge(auth_http, forged).endswith(
        ', error_description="The signature key was not found"')


def test_a_real_token_of_another_tenant_is_refused(
        two_emulators: tuple[TestClient, TestClient]) -> None:
    ours, theirs = two_emulators
    assert identity_of(ours).tenant_id != identity_of(theirs).tenant_id
    token = get_token(theirs, new_app(theirs, "elsewhere", "DICOM Data Owner"))
    assert theirs.get(FEED, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    # Its key is not ours: the JWT handler looks the kid up first.
    assert _challenge(ours, token).endswith(
        ', error_description="The signature key was not found"')


def test_widened_claims_signed_with_another_real_key_are_refused(
        two_emulators: tuple[TestClient, TestClient]) -> None:
    ours, theirs = two_emulators
    identity = identity_of(ours)
    owner = new_app(ours, "owner", "DICOM Data Owner")
    reader_token = get_token(ours, new_app(ours, "reader", "DICOM Data Reader"))
    principal = identity.directory.find_principal(owner["appId"])
    assert principal is not None
    widened = {**_claims(reader_token), "oid": principal.object_id, "sub": principal.object_id,
               "appid": owner["appId"]}
    # A valid signature, by a real key of a real issuer, under our key id.
    token = jwt.encode(widened, identity_of(theirs).signing_key.private_key, algorithm="RS256",
                       headers={"kid": identity.signing_key.kid})
    assert _challenge(ours, token).endswith(', error_description="The signature is invalid"')
    delete = ours.delete("/v2/studies/1.2.3", headers={"Authorization": f"Bearer {token}"})
    assert delete.status_code == 401


def test_a_token_replayed_after_its_app_lost_its_role_is_refused(auth_http: TestClient) -> None:
    app = new_app(auth_http, "leaver", "DICOM Data Owner")
    token = get_token(auth_http, app)
    headers = {"Authorization": f"Bearer {token}"}
    assert auth_http.get(FEED, headers=headers).status_code == 200  # verified, and remembered
    removed = auth_http.delete("/admin/identity/role-assignments",
                               params={"assignee": app["appId"]})
    assert removed.status_code == 200 and removed.json()
    # Still a well-signed, unexpired token: the service's RBAC check refuses it (403).
    response = auth_http.get(FEED, headers=headers)
    assert (response.status_code, response.text) == (403, "Authorization failed.")
