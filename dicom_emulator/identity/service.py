"""The local identity service as one object: directory, signing key, token settings."""

from __future__ import annotations

import threading
import time
from functools import cached_property
from pathlib import Path

from dicom_emulator.identity.directory import DIRECTORY_FILE, Directory, ServicePrincipal
from dicom_emulator.identity.grants import Grants
from dicom_emulator.identity.keys import SigningKey, load_or_create_signing_key
from dicom_emulator.identity.tokens import (
    Caller,
    IssuedToken,
    issue_token,
    issuer_for,
    verify_token,
)
from dicom_emulator.identity.users import Accounts

# Distinct valid tokens remembered at once; a workshop has a few callers.
_VERIFIED_CACHE_SIZE = 1024


class Identity:
    """Everything the emulator knows about tenants, apps, roles and tokens.

    Parameters
    ----------
    data_dir : Path
        Holds ``identity.sqlite`` and ``identity-key.pem``.
    token_lifetime : int
        Seconds an issued token is valid.
    load_key : bool
        Load (or make) the signing key now rather than when first needed: an emulator
        that checks tokens should not make its first caller wait for a new RSA key.
    """

    def __init__(self, data_dir: Path, token_lifetime: int, load_key: bool = False):
        self.data_dir = data_dir
        self.token_lifetime = token_lifetime
        self.directory = Directory(data_dir / DIRECTORY_FILE)
        self.accounts = Accounts(self.directory)  # users and single-page apps
        self.grants = Grants()  # sign-ins in progress, codes, refresh tokens (in memory)
        self._key_lock = threading.Lock()
        self._verified: dict[str, Caller] = {}
        # Set when ``serve --https-port`` serves HTTPS too (see identity.tls).
        self.https_origin: str | None = None
        self.ca_certificate: Path | None = None
        if load_key:
            self.signing_key  # noqa: B018 (a cached property: evaluated for its effect)

    @property
    def tenant_id(self) -> str:
        return self.directory.tenant_id

    @property
    def issuer(self) -> str:
        return issuer_for(self.tenant_id)

    @cached_property
    def signing_key(self) -> SigningKey:
        # Generating a key takes a moment: an auth-off emulator that never issues a token
        # never pays for it.
        with self._key_lock:
            return load_or_create_signing_key(self.data_dir)

    def issue(self, principal: ServicePrincipal) -> IssuedToken:
        return issue_token(self.signing_key, self.tenant_id, principal, self.token_lifetime)

    def verify(self, token: str) -> Caller:
        """The caller a token speaks for; raises ``TokenRejectedError`` (a 401).

        A caller keeps one token for up to an hour: tokens that passed are remembered
        and, until they expire, only their lifetime is checked again. Only verified
        tokens are remembered, so the cache cannot be fed forgeries.
        """
        caller = self._verified.get(token)
        if caller is not None and caller.valid_at(time.time()):
            return caller
        caller = verify_token(self.signing_key, self.tenant_id, token)
        if len(self._verified) >= _VERIFIED_CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = caller
        return caller

    def close(self) -> None:
        self.directory.close()
