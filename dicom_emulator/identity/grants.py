"""What the sign-in flow remembers between requests: sign-ins in progress, codes, refresh tokens.

All in memory, as opaque random strings: a restart of the emulator ends sign-ins in
progress and refresh tokens (the viewer signs in again), as Entra's would if it forgot
them. Codes are single-use and live 10 minutes ("Authorization codes are short lived.
Typically, they expire after about 10 minutes", Learn: OAuth 2.0 authorization code
flow); a redeemed code is remembered until it would have expired, so a second redemption
gets Entra's "already redeemed" rather than "not valid". Refresh tokens of single-page
apps have a fixed 24-hour lifetime that later refresh tokens carry over (same page).

``clock`` is injectable so tests can age a code without waiting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

CODE_LIFETIME = 600
SIGN_IN_LIFETIME = 1800
SPA_REFRESH_LIFETIME = 24 * 3600
_MAX_ENTRIES = 10_000  # a bound on memory whatever a client sends


@dataclass(frozen=True)
class AuthorizationRequest:
    """A validated ``/authorize`` request, waiting for the user to sign in."""

    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    response_mode: str


@dataclass(frozen=True)
class CodeGrant:
    request: AuthorizationRequest
    user_id: str
    issued_at: float


@dataclass(frozen=True)
class RefreshGrant:
    client_id: str
    user_id: str
    scopes: tuple[str, ...]
    issued_at: float  # of the first refresh token of this sign-in
    expires_at: float


def pkce_matches(verifier: str, challenge: str, method: str | None) -> bool:
    """RFC 7636 §4.6: S256 is BASE64URL(SHA256(verifier)); without a method, plain."""
    if (method or "plain") == "S256":
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    else:
        expected = verifier
    return hmac.compare_digest(expected.encode(), challenge.encode())


T = TypeVar("T")


@dataclass
class _Expiring(Generic[T]):
    """Values under random keys, each dropped once its deadline passed."""

    clock: Callable[[], float]
    entries: dict[str, tuple[float, T]] = field(default_factory=dict)

    def put(self, value: T, lifetime: float) -> str:
        now = self.clock()
        if len(self.entries) >= _MAX_ENTRIES:
            self.entries = {k: v for k, v in self.entries.items() if v[0] > now}
            while len(self.entries) >= _MAX_ENTRIES:  # still full: drop the oldest
                self.entries.pop(next(iter(self.entries)))
        key = secrets.token_urlsafe(32)
        self.entries[key] = (now + lifetime, value)
        return key

    def get(self, key: str) -> T | None:
        found = self.entries.get(key)
        if found is None or found[0] <= self.clock():
            return None
        return found[1]


class CodeError(Exception):
    """Why a code cannot be redeemed: ``unknown``, ``expired`` or ``redeemed``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Grants:
    """The in-memory store, safe to use from worker threads."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self.clock = clock
        self._lock = threading.Lock()
        self.csrf_key = secrets.token_bytes(32)  # keys the sign-in form's canary
        self._sign_ins: _Expiring[AuthorizationRequest] = _Expiring(self._now)
        self._codes: dict[str, CodeGrant] = {}
        self._redeemed: dict[str, float] = {}
        self._refresh: _Expiring[RefreshGrant] = _Expiring(self._now)

    def _now(self) -> float:
        return self.clock()

    def start_sign_in(self, request: AuthorizationRequest) -> str:
        """The flow token the sign-in form carries."""
        with self._lock:
            return self._sign_ins.put(request, SIGN_IN_LIFETIME)

    def sign_in(self, flow_token: str) -> AuthorizationRequest | None:
        with self._lock:
            return self._sign_ins.get(flow_token)

    def finish_sign_in(self, flow_token: str) -> None:
        with self._lock:
            self._sign_ins.entries.pop(flow_token, None)

    def issue_code(self, request: AuthorizationRequest, user_id: str) -> str:
        with self._lock:
            now = self.clock()
            self._drop_old_codes(now)
            code = secrets.token_urlsafe(48)
            self._codes[code] = CodeGrant(request, user_id, now)
            return code

    def redeem_code(self, code: str) -> CodeGrant:
        """The code's grant, once: raises :class:`CodeError` otherwise."""
        with self._lock:
            now = self.clock()
            if code in self._redeemed:
                raise CodeError("redeemed")
            grant = self._codes.pop(code, None)
            if grant is None:
                raise CodeError("unknown")
            self._redeemed[code] = grant.issued_at + CODE_LIFETIME
            if now >= grant.issued_at + CODE_LIFETIME:
                raise CodeError("expired")
            return grant

    def _drop_old_codes(self, now: float) -> None:
        if len(self._codes) + len(self._redeemed) < _MAX_ENTRIES:
            return
        # Expired codes are kept a while so that "expired" can still be told; past the
        # bound they go, and a late redemption reads as "not valid".
        self._codes = {c: g for c, g in self._codes.items()
                       if g.issued_at + CODE_LIFETIME > now}
        self._redeemed = {c: t for c, t in self._redeemed.items() if t > now}

    def issue_refresh_token(self, client_id: str, user_id: str, scopes: tuple[str, ...],
                            carried: RefreshGrant | None = None) -> str:
        """A refresh token; one from a refresh keeps the first one's fixed expiry."""
        with self._lock:
            now = self.clock()
            issued = carried.issued_at if carried else now
            expires = carried.expires_at if carried else now + SPA_REFRESH_LIFETIME
            grant = RefreshGrant(client_id, user_id, scopes, issued, expires)
            # Kept past expiry (as long again) so an expired token is told from a bad one.
            return self._refresh.put(grant, expires - now + SPA_REFRESH_LIFETIME)

    def refresh_grant(self, token: str) -> RefreshGrant | None:
        with self._lock:
            return self._refresh.get(token)
