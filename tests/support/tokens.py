"""Tokens for tests: real ones from the token endpoint, and every kind of bad one.

The bad ones are built the way an attacker or a confused client would: with PyJWT and a
key the emulator does not trust, or by hand where PyJWT refuses (``alg: none``, HS256
keyed with the public key).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.testclient import TestClient

from dicom_emulator.identity.service import Identity
from dicom_emulator.identity.tokens import issuer_for

# The Azure DICOM service's resource (the tokens' audience) and its scope, as Azure spells them.
DICOM_RESOURCE = "https://dicom.healthcareapis.azure.com"
DICOM_SCOPE = f"{DICOM_RESOURCE}/.default"


def identity_of(client: TestClient) -> Identity:
    return client.app.state.components.identity  # type: ignore[attr-defined,no-any-return]


def new_app(client: TestClient, name: str, role: str | None = None) -> dict[str, str]:
    """Register an app through the admin API (and assign ``role``); returns its credentials."""
    created = client.post("/admin/identity/service-principals", json={"displayName": name})
    assert created.status_code == 201, created.text
    app = created.json()
    if role is not None:
        assigned = client.post("/admin/identity/role-assignments",
                               json={"assignee": app["appId"], "role": role})
        assert assigned.status_code == 201, assigned.text
    return app  # type: ignore[no-any-return]


def get_token(client: TestClient, app: dict[str, str]) -> str:
    """A real token for ``app`` from the v2 token endpoint."""
    response = client.post(f"/{app['tenant']}/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "client_id": app["appId"],
        "client_secret": app["password"], "scope": DICOM_SCOPE})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]  # type: ignore[no-any-return]


def claims_for(identity: Identity, object_id: str, **overrides: Any) -> dict[str, Any]:
    """The claims a real token for ``object_id`` would have, with ``overrides`` applied."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "aud": DICOM_RESOURCE, "iss": identity.issuer, "iat": now, "nbf": now, "exp": now + 600,
        "appid": "00000000-0000-0000-0000-000000000001", "oid": object_id, "sub": object_id,
        "tid": identity.tenant_id, "ver": "1.0",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def sign(identity: Identity, claims: dict[str, Any], key: rsa.RSAPrivateKey | None = None,
         kid: str | None = None) -> str:
    """RS256 with the emulator's own key (or ``key``), the header naming ``kid``."""
    return jwt.encode(claims, key or identity.signing_key.private_key, algorithm="RS256",
                      headers={"kid": kid or identity.signing_key.kid})


def forged(identity: Identity, claims: dict[str, Any]) -> str:
    """Signed by a key the emulator never issued, under the emulator's key id."""
    return sign(identity, claims, key=rsa.generate_private_key(65537, 2048))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _segments(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return (_b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode()))


def unsigned(identity: Identity, claims: dict[str, Any]) -> str:
    """``alg: none`` with an empty signature."""
    return _segments({"alg": "none", "typ": "JWT"}, claims) + "."


def hs256_with_public_key(identity: Identity, claims: dict[str, Any]) -> str:
    """The key-confusion attack: HMAC keyed with the (public) RSA key's PEM."""
    public_pem = identity.signing_key.public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    signing_input = _segments({"alg": "HS256", "typ": "JWT", "kid": identity.signing_key.kid},
                              claims)
    signature = hmac.new(public_pem, signing_input.encode("ascii"), hashlib.sha256).digest()
    return signing_input + "." + _b64(signature)


def tampered(token: str) -> str:
    """A real token whose payload was edited after signing (the signature no longer fits)."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["oid"] = "11111111-1111-1111-1111-111111111111"
    return f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"


def other_tenant(identity: Identity, object_id: str) -> dict[str, Any]:
    """Claims from another tenant (issuer and ``tid`` both name it)."""
    tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    return claims_for(identity, object_id, tid=tenant, iss=issuer_for(tenant))
