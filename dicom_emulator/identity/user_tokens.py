"""Tokens for a signed-in user: the delegated access token and the ID token.

The access token has the v1 shape the DICOM routes accept (``identity.tokens``), with the
claims Entra ID adds for a user (Learn: access token claims reference): ``scp`` (the
delegated permissions), ``oid`` (the user, whose DICOM roles decide), ``name``,
``upn``/``unique_name``, ``amr``, ``appid`` (the client) with ``appidacr`` 0 (a public
client, no secret). The ID token is a v2 token for the client (Learn: ID token claims
reference): ``aud`` is the client id, ``iss`` the v2 issuer of the authority, ``nonce``
as sent to ``/authorize``, ``preferred_username``, ``name``, ``oid``, ``sub``.

``sub`` is pairwise in Entra (one value per user and app): here a hash of both, so the
same user gets the same ``sub`` at every sign-in to one app and another in another app.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from typing import Any

import jwt

from dicom_emulator.identity.keys import SigningKey
from dicom_emulator.identity.scopes import GrantedScopes
from dicom_emulator.identity.tokens import ALGORITHM, AUDIENCE, issuer_for
from dicom_emulator.identity.users import UserAccount

ID_TOKEN_LIFETIME = 3600


def v2_issuer(authority_origin: str, tenant_id: str) -> str:
    """The v2 issuer of the authority at ``authority_origin`` (Entra's
    ``https://login.microsoftonline.com/{tenant}/v2.0``, with the emulator's origin)."""
    return f"{authority_origin}/{tenant_id}/v2.0"


def pairwise_subject(user: UserAccount, client_id: str) -> str:
    digest = hashlib.sha256(f"{user.object_id}:{client_id}".encode()).digest()
    return base64.urlsafe_b64encode(digest[:32]).rstrip(b"=").decode("ascii")


def _sign(key: SigningKey, claims: dict[str, Any]) -> str:
    return jwt.encode(claims, key.private_key, algorithm=ALGORITHM,
                      headers={"kid": key.kid, "typ": "JWT"})


def user_access_token(key: SigningKey, tenant_id: str, user: UserAccount, client_id: str,
                      scopes: GrantedScopes, lifetime: int, now: float | None = None) -> str:
    """A delegated v1 access token for the DICOM service."""
    issued_at = int(now if now is not None else time.time())
    given, _, family = user.display_name.partition(" ")
    claims: dict[str, Any] = {
        "aud": AUDIENCE,
        "iss": issuer_for(tenant_id),
        "iat": issued_at,
        "nbf": issued_at,
        "exp": issued_at + lifetime,
        "acr": "1",
        "amr": ["pwd"],
        "appid": client_id,
        "appidacr": "0",  # a public client: no secret, no certificate
        "name": user.display_name,
        "given_name": given,
        "family_name": family or None,
        "oid": user.object_id,
        "scp": scopes.scp,
        "sub": pairwise_subject(user, client_id),
        "tid": tenant_id,
        "unique_name": user.user_principal_name,
        "upn": user.user_principal_name,
        "uti": secrets.token_urlsafe(16),
        "ver": "1.0",
    }
    return _sign(key, {k: v for k, v in claims.items() if v is not None})


def id_token(key: SigningKey, issuer: str, tenant_id: str, user: UserAccount, client_id: str,
             nonce: str | None, now: float | None = None) -> str:
    """A v2 ID token for ``client_id``."""
    issued_at = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "aud": client_id,
        "iss": issuer,
        "iat": issued_at,
        "nbf": issued_at,
        "exp": issued_at + ID_TOKEN_LIFETIME,
        "name": user.display_name,
        "nonce": nonce,
        "oid": user.object_id,
        "preferred_username": user.user_principal_name,
        "sub": pairwise_subject(user, client_id),
        "tid": tenant_id,
        "uti": secrets.token_urlsafe(16),
        "ver": "2.0",
    }
    return _sign(key, {k: v for k, v in claims.items() if v is not None})
