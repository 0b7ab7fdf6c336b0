"""Access tokens: RS256 JWTs shaped like the ones Entra ID issues for the DICOM service.

The DICOM resource takes v1 access tokens, whichever endpoint issued them, so the claims
are the v1 set: ``aud`` is the resource, ``iss`` is ``https://sts.windows.net/{tenant}/``,
``appid``/``oid`` name the app and its service principal, ``ver`` is ``"1.0"``. The issuer
does not depend on the emulator's host or port: a token keeps working through a restart
on another port, through ``localhost`` or ``127.0.0.1``, and through the HTTPS port.

Verification follows ASP.NET's JWT bearer handler, which the service uses: the
``WWW-Authenticate`` error descriptions are its wording. Unlike ASP.NET (5 minutes of
clock skew by default) there is no leeway, so a lesson can show expiry in seconds.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt

from dicom_emulator.identity.directory import ServicePrincipal
from dicom_emulator.identity.keys import SigningKey

AUDIENCE = "https://dicom.healthcareapis.azure.com"
SCOPE = AUDIENCE + "/.default"
ALGORITHM = "RS256"


def issuer_for(tenant_id: str) -> str:
    """The ``iss`` claim of tokens from ``tenant_id`` (Entra ID's v1 form)."""
    return f"https://sts.windows.net/{tenant_id}/"


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    issued_at: int
    expires_on: int

    @property
    def expires_in(self) -> int:
        return self.expires_on - self.issued_at


@dataclass(frozen=True)
class Caller:
    """Who a verified token speaks for."""

    object_id: str
    app_id: str
    tenant_id: str
    claims: dict[str, Any]
    not_before: int
    expires_on: int

    def valid_at(self, now: float) -> bool:
        """Whether the token's lifetime covers ``now`` (as PyJWT checks it, no leeway)."""
        return self.not_before <= now < self.expires_on


class TokenRejectedError(Exception):
    """The token is not acceptable; ``description`` is ASP.NET's, or None (none given)."""

    def __init__(self, description: str | None = None):
        super().__init__(description or "invalid token")
        self.description = description


def issue_token(key: SigningKey, tenant_id: str, principal: ServicePrincipal,
                lifetime: int, now: float | None = None) -> IssuedToken:
    """Sign an access token for ``principal``, valid from now for ``lifetime`` seconds."""
    issued_at = int(now if now is not None else time.time())
    issuer = issuer_for(tenant_id)
    expires_on = issued_at + lifetime
    claims: dict[str, str | int] = {
        "aud": AUDIENCE,
        "iss": issuer,
        "iat": issued_at,
        "nbf": issued_at,
        "exp": expires_on,
        "appid": principal.app_id,
        "appidacr": "1",  # authenticated with a client secret
        "idp": issuer,
        "oid": principal.object_id,
        "sub": principal.object_id,
        "tid": tenant_id,
        "uti": secrets.token_urlsafe(16),
        "ver": "1.0",
    }
    token = jwt.encode(claims, key.private_key, algorithm=ALGORITHM,
                       headers={"kid": key.kid, "typ": "JWT"})
    return IssuedToken(access_token=token, issued_at=issued_at, expires_on=expires_on)


def _when(value: object) -> str:
    """A NumericDate as .NET's invariant culture prints it (ASP.NET's messages use it)."""
    try:
        moment = datetime.fromtimestamp(int(value), UTC)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError, OSError):
        return str(value)
    return moment.strftime("%m/%d/%Y %H:%M:%S")


def verify_token(key: SigningKey, tenant_id: str, token: str) -> Caller:
    """Check signature, lifetime, audience, issuer and tenant; return the caller.

    Raises
    ------
    TokenRejectedError
        With the description ASP.NET would put in ``WWW-Authenticate``.
    """
    try:
        # Only RS256 with our key: "alg": "none", and HS256 tokens "signed" with the public
        # key, fail here whatever their header claims.
        decoded = jwt.decode_complete(
            token, key.public_key, algorithms=[ALGORITHM], audience=AUDIENCE,
            issuer=issuer_for(tenant_id), leeway=0,
            options={"require": ["exp", "aud", "iss", "tid", "oid"]})
    except jwt.InvalidTokenError as error:
        raise TokenRejectedError(_describe(error, token, key)) from error
    header, claims = decoded["header"], decoded["payload"]
    if header.get("kid") != key.kid:
        raise TokenRejectedError("The signature key was not found")
    if claims["tid"] != tenant_id:
        raise TokenRejectedError(f"The issuer '{claims['iss']}' is invalid")
    if not isinstance(claims["oid"], str):
        raise TokenRejectedError()
    return Caller(object_id=claims["oid"], app_id=str(claims.get("appid", "")),
                  tenant_id=tenant_id, claims=claims,
                  not_before=max(int(claims.get("nbf", 0)), int(claims.get("iat", 0))),
                  expires_on=int(claims["exp"]))


def _describe(error: jwt.InvalidTokenError, token: str, key: SigningKey) -> str | None:
    """ASP.NET's description of why a token failed (None where it gives none)."""
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return None  # not a JWT at all
    if isinstance(error, jwt.InvalidAlgorithmError | jwt.InvalidSignatureError):
        if header.get("alg") == ALGORITHM and header.get("kid") != key.kid:
            return "The signature key was not found"
        return "The signature is invalid"
    if isinstance(error, jwt.ExpiredSignatureError):
        return f"The token expired at '{_when(claims.get('exp'))}'"
    if isinstance(error, jwt.ImmatureSignatureError):
        return f"The token is not valid before '{_when(claims.get('nbf', claims.get('iat')))}'"
    if isinstance(error, jwt.InvalidAudienceError):
        return f"The audience '{claims.get('aud') or 'empty'}' is invalid"
    if isinstance(error, jwt.InvalidIssuerError):
        return f"The issuer '{claims.get('iss')}' is invalid"
    if isinstance(error, jwt.MissingRequiredClaimError):
        return _missing(error.claim)
    return None


def _missing(claim: str) -> str | None:
    return {"exp": "The token has no expiration",
            "aud": "The audience 'empty' is invalid",
            "iss": "The issuer '(null)' is invalid"}.get(claim)
