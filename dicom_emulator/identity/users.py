"""Users who sign in interactively, and single-page apps with their redirect URIs.

Both live in the directory's SQLite file (``identity.directory``), beside the apps and
their role assignments. A user is what Entra ID calls a member user: a user principal
name (the name typed on the sign-in page), a display name, a password stored only as a
salted scrypt hash, and DICOM roles assigned like an app's. A single-page app is an app
registration with ``spa`` redirect URIs: a public client that redeems codes with PKCE
from the browser and has no usable secret.
"""

from __future__ import annotations

import hmac
import secrets
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from dicom_emulator.identity.directory import (
    DEFAULT_SCOPE,
    Directory,
    DirectoryError,
    ServicePrincipal,
    hash_secret,
)
from dicom_emulator.identity.roles import find_role

# Entra allows plain http only for loopback redirect URIs ("localhost exceptions").
_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


@dataclass(frozen=True)
class UserAccount:
    """A member user of the tenant."""

    object_id: str
    user_principal_name: str
    display_name: str


class InvalidPasswordError(DirectoryError):
    """The user exists but the password does not match."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def check_redirect_uri(uri: str) -> str:
    """``uri`` if Entra would accept it as a redirect URI, else a DirectoryError.

    Absolute, no fragment, https, or http on a loopback host (Entra's localhost exception).
    """
    parts = urlsplit(uri)
    if not parts.scheme or not parts.netloc:
        raise DirectoryError(f"The redirect URI '{uri}' must be an absolute URI.")
    if parts.fragment:
        raise DirectoryError(f"The redirect URI '{uri}' must not contain a fragment.")
    if parts.scheme == "http" and (parts.hostname or "") not in _LOOPBACK_HOSTS:
        raise DirectoryError(f"The redirect URI '{uri}' must start with 'https' or "
                             "'http://localhost'.")
    if parts.scheme not in ("http", "https"):
        raise DirectoryError(f"The redirect URI '{uri}' must start with 'https' or "
                             "'http://localhost'.")
    return uri


class Accounts:
    """Users and SPA registrations in ``directory``'s file."""

    def __init__(self, directory: Directory):
        self.directory = directory

    # --- users --------------------------------------------------------------------------

    def add_user(self, user_principal_name: str, password: str, display_name: str | None = None,
                 role: str | None = None) -> UserAccount:
        """Create the user, or give an existing one this password (and display name).

        ``role`` (a built-in DICOM role) is assigned too, unless the user already has it.
        """
        upn = user_principal_name.strip()
        if not upn or any(c.isspace() for c in upn):
            raise DirectoryError("The user principal name must be one word, e.g. "
                                 "'viewer@contoso.onmicrosoft.com'.")
        if not password:
            raise DirectoryError("The password must not be empty.")
        definition = find_role(role) if role is not None else None
        salt = secrets.token_bytes(16)
        digest = hash_secret(password, salt)
        shown = (display_name or "").strip() or upn.split("@")[0]
        with self.directory.transaction() as conn:
            row = conn.execute("SELECT object_id FROM user_account WHERE "
                               "user_principal_name = ?", (upn,)).fetchone()
            object_id = row[0] if row is not None else str(uuid.uuid4())
            if row is None:
                conn.execute("INSERT INTO user_account (object_id, user_principal_name, "
                             "display_name, password_salt, password_hash, created) "
                             "VALUES (?, ?, ?, ?, ?, ?)",
                             (object_id, upn, shown, salt, digest, _now()))
            else:
                conn.execute("UPDATE user_account SET password_salt = ?, password_hash = ?, "
                             "display_name = ? WHERE object_id = ?",
                             (salt, digest, shown, object_id))
            if definition is not None:
                conn.execute("INSERT OR IGNORE INTO user_role_assignment (name, user_id, "
                             "role_id, scope, created) VALUES (?, ?, ?, ?, ?)",
                             (str(uuid.uuid4()), object_id, definition.id, DEFAULT_SCOPE,
                              _now()))
        return UserAccount(object_id, upn, shown)

    def find_user(self, user_principal_name: str) -> UserAccount | None:
        rows = self.directory.read(
            "SELECT object_id, user_principal_name, display_name FROM user_account "
            "WHERE user_principal_name = ?", (user_principal_name.strip(),))
        return UserAccount(*map(str, rows[0])) if rows else None

    def user_by_id(self, object_id: str) -> UserAccount | None:
        rows = self.directory.read(
            "SELECT object_id, user_principal_name, display_name FROM user_account "
            "WHERE object_id = ?", (object_id,))
        return UserAccount(*map(str, rows[0])) if rows else None

    def authenticate_user(self, user_principal_name: str, password: str) -> UserAccount | None:
        """The user if ``password`` is theirs; None for an unknown name.

        Raises :class:`InvalidPasswordError` for a known name with a wrong password. Costs
        one scrypt hash: call it from a worker thread in a server.
        """
        rows = self.directory.read(
            "SELECT object_id, user_principal_name, display_name, password_salt, "
            "password_hash FROM user_account WHERE user_principal_name = ?",
            (user_principal_name.strip(),))
        if not rows:
            return None
        object_id, upn, shown, salt, digest = rows[0]
        assert isinstance(salt, bytes) and isinstance(digest, bytes)
        if not hmac.compare_digest(hash_secret(password, salt), digest):
            raise InvalidPasswordError(user_principal_name)
        return UserAccount(str(object_id), str(upn), str(shown))

    def user_roles(self, object_id: str) -> list[str]:
        return [role.name for role in self.directory.roles_of(object_id)]

    # --- single-page apps ---------------------------------------------------------------

    def add_spa(self, display_name: str, redirect_uris: list[str]) -> ServicePrincipal:
        """Register an SPA (or add redirect URIs to the app with this name).

        A new app gets a random secret that is never shown: an SPA is a public client.
        """
        if not redirect_uris:
            raise DirectoryError("Give at least one redirect URI.")
        uris = [check_redirect_uri(uri) for uri in redirect_uris]
        existing = [p for p in self.directory.list_principals()
                    if p.display_name == display_name]
        principal = (existing[0] if existing
                     else self.directory.create_for_rbac(display_name)[0])
        try:
            with self.directory.transaction() as conn:
                conn.executemany("INSERT OR IGNORE INTO spa_redirect_uri (app_id, uri) "
                                 "VALUES (?, ?)", [(principal.app_id, uri) for uri in uris])
        except sqlite3.IntegrityError as error:  # the app vanished meanwhile
            raise DirectoryError(str(error)) from error
        return principal

    def spa_redirect_uris(self, app_id: str) -> list[str]:
        rows = self.directory.read("SELECT uri FROM spa_redirect_uri WHERE app_id = ? "
                                   "ORDER BY uri", (app_id.strip().lower(),))
        return [str(row[0]) for row in rows]

    def all_spa_redirect_uris(self) -> set[str]:
        return {str(row[0]) for row in self.directory.read("SELECT uri FROM spa_redirect_uri")}
