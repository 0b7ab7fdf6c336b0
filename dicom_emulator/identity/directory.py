"""The local directory: one tenant, app registrations with secrets, role assignments.

It lives in its own SQLite file (``identity.sqlite`` in the data dir), so the command
line can change it while the emulator runs: the server reads role assignments on every
request, which is why a new assignment (or a removal) takes effect on the next request.
Secrets are shown once, when created, and stored only as salted scrypt hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import string
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from dicom_emulator.identity.roles import RoleDefinition, find_role, role_by_id

DIRECTORY_FILE = "identity.sqlite"
# The emulator has one DICOM service; assignments default to a scope naming it, shaped
# like the resource id of a real one (the all-zero subscription marks it as local).
SUBSCRIPTION = "/subscriptions/00000000-0000-0000-0000-000000000000"
DEFAULT_SCOPE = (f"{SUBSCRIPTION}/resourceGroups/dicom-emulator/providers/"
                 "Microsoft.HealthcareApis/workspaces/local/dicomservices/emulator")

SCHEMA = """
CREATE TABLE IF NOT EXISTS tenant (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS service_principal (
    object_id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    secret_salt BLOB NOT NULL,
    secret_hash BLOB NOT NULL,
    secret_hint TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS service_principal_name ON service_principal(display_name);
CREATE TABLE IF NOT EXISTS role_assignment (
    name TEXT PRIMARY KEY,
    principal_id TEXT NOT NULL REFERENCES service_principal(object_id),
    role_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    created TEXT NOT NULL,
    UNIQUE (principal_id, role_id, scope)
);
-- Users who sign in interactively (identity.users), their roles, and the redirect URIs
-- of single-page apps. The file has no schema version: tables are only ever added.
CREATE TABLE IF NOT EXISTS user_account (
    object_id TEXT PRIMARY KEY,
    user_principal_name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name TEXT NOT NULL,
    password_salt BLOB NOT NULL,
    password_hash BLOB NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS user_role_assignment (
    name TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES user_account(object_id),
    role_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    created TEXT NOT NULL,
    UNIQUE (user_id, role_id, scope)
);
CREATE TABLE IF NOT EXISTS spa_redirect_uri (
    app_id TEXT NOT NULL REFERENCES service_principal(app_id),
    uri TEXT NOT NULL,
    PRIMARY KEY (app_id, uri)
);
"""

# scrypt at n=2**14 costs ~16 MB and tens of milliseconds: paid once per token request.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
_SECRET_ALPHABET = string.ascii_letters + string.digits + "~._-"


class DirectoryError(LookupError):
    """A directory operation that cannot be done; ``code`` is the Azure error code."""

    code = "BadRequest"
    status_code = 400


class UnknownPrincipalError(DirectoryError):
    code = "PrincipalNotFound"

    def __init__(self, assignee: str):
        # The Azure CLI's message for an assignee it cannot resolve.
        super().__init__(
            f"Cannot find user or service principal in graph database for '{assignee}'. "
            "If the assignee is an appId, make sure the corresponding service principal is "
            f"created with 'python -m dicom_emulator ad sp create-for-rbac'.")


class RoleAssignmentExistsError(DirectoryError):
    code = "RoleAssignmentExists"
    status_code = 409

    def __init__(self) -> None:
        super().__init__("The role assignment already exists.")


class InvalidSecretError(DirectoryError):
    """The client id is known but the secret does not match."""


@dataclass(frozen=True)
class ServicePrincipal:
    """An app registration and its service principal (one object here, two in Entra)."""

    object_id: str
    app_id: str
    display_name: str
    created: str


@dataclass(frozen=True)
class RoleAssignment:
    """A built-in role granted to a service principal at a scope."""

    name: str
    principal: ServicePrincipal
    role: RoleDefinition
    scope: str
    created: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def hash_secret(secret: str, salt: bytes) -> bytes:
    """The salted scrypt hash secrets and passwords are stored as."""
    return hashlib.scrypt(secret.encode("utf-8"), salt=salt, **_SCRYPT)


def new_secret() -> str:
    """A 40-character client secret shaped like Entra ID's (``xxx8Q~…``)."""
    def pick(n: int) -> str:
        return "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(n))
    return pick(3) + "8Q~" + pick(34)


_PRINCIPAL_COLUMNS = "object_id, app_id, display_name, created"


class Directory:
    """The tenant, its service principals and their role assignments.

    Parameters
    ----------
    path : Path
        The SQLite file; created with its tenant on first use.
    """

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA busy_timeout=10000")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._conn.executescript(SCHEMA)
        with self.transaction() as conn:
            conn.execute("INSERT OR IGNORE INTO tenant (singleton, id) VALUES (1, ?)",
                         (str(uuid.uuid4()),))
            self.tenant_id: str = conn.execute("SELECT id FROM tenant").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; IMMEDIATE so two processes never both read-then-write."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def read(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    # --- service principals -------------------------------------------------------------

    def create_for_rbac(self, display_name: str) -> tuple[ServicePrincipal, str, bool]:
        """Register an app (or reuse the one with this name) and give it a new secret.

        Like ``az ad sp create-for-rbac``, an existing app with the same display name is
        patched: it keeps its ids and gets a new secret, which replaces the old one.

        Returns
        -------
        tuple
            The service principal, its secret (shown only now), and whether it existed.
        """
        if not display_name.strip():
            raise DirectoryError("The display name must not be empty.")
        secret = new_secret()
        salt = secrets.token_bytes(16)
        digest = hash_secret(secret, salt)
        with self.transaction() as conn:
            row = conn.execute(
                f"SELECT {_PRINCIPAL_COLUMNS} FROM service_principal WHERE display_name = ?",
                (display_name,)).fetchone()
            if row is not None:
                conn.execute("UPDATE service_principal SET secret_salt = ?, secret_hash = ?, "
                             "secret_hint = ? WHERE object_id = ?",
                             (salt, digest, secret[:3], row[0]))
                return ServicePrincipal(*row), secret, True
            principal = ServicePrincipal(object_id=str(uuid.uuid4()), app_id=str(uuid.uuid4()),
                                         display_name=display_name, created=_now())
            conn.execute(
                "INSERT INTO service_principal (object_id, app_id, display_name, secret_salt, "
                "secret_hash, secret_hint, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (principal.object_id, principal.app_id, display_name, salt, digest, secret[:3],
                 principal.created))
        return principal, secret, False

    def find_principal(self, id_or_app_id: str) -> ServicePrincipal | None:
        """The service principal with this app id (client id) or object id."""
        key = id_or_app_id.strip().lower()
        rows = self.read(f"SELECT {_PRINCIPAL_COLUMNS} FROM service_principal "
                          "WHERE app_id = ? OR object_id = ?", (key, key))
        return ServicePrincipal(*rows[0]) if rows else None  # type: ignore[arg-type]

    def list_principals(self) -> list[ServicePrincipal]:
        rows = self.read(f"SELECT {_PRINCIPAL_COLUMNS} FROM service_principal ORDER BY created")
        return [ServicePrincipal(*row) for row in rows]  # type: ignore[arg-type]

    def authenticate_client(self, app_id: str, secret: str) -> ServicePrincipal | None:
        """The service principal if ``secret`` is its current secret.

        Returns ``None`` when no app has this client id; raises
        :class:`InvalidSecretError` when it exists and the secret is wrong. Costs one
        scrypt hash, so call it from a worker thread in a server.
        """
        rows = self.read(f"SELECT {_PRINCIPAL_COLUMNS}, secret_salt, secret_hash "
                          "FROM service_principal WHERE app_id = ?", (app_id.strip().lower(),))
        if not rows:
            return None
        *columns, salt, digest = rows[0]
        assert isinstance(salt, bytes) and isinstance(digest, bytes)
        if not hmac.compare_digest(hash_secret(secret, salt), digest):
            raise InvalidSecretError(app_id)
        return ServicePrincipal(*columns)  # type: ignore[arg-type]

    # --- role assignments ---------------------------------------------------------------

    def assign_role(self, assignee: str, role: str, scope: str | None = None) -> RoleAssignment:
        """Grant a built-in role (name or GUID) to the principal ``assignee`` names.

        Raises
        ------
        UnknownPrincipalError, UnknownRoleError, RoleAssignmentExistsError
        """
        definition = find_role(role)
        principal = self.find_principal(assignee)
        if principal is None:
            raise UnknownPrincipalError(assignee)
        assignment = RoleAssignment(name=str(uuid.uuid4()), principal=principal,
                                    role=definition, scope=scope or DEFAULT_SCOPE,
                                    created=_now())
        try:
            with self.transaction() as conn:
                conn.execute("INSERT INTO role_assignment (name, principal_id, role_id, scope, "
                             "created) VALUES (?, ?, ?, ?, ?)",
                             (assignment.name, principal.object_id, definition.id,
                              assignment.scope, assignment.created))
        except sqlite3.IntegrityError as error:
            raise RoleAssignmentExistsError() from error
        return assignment

    def list_role_assignments(self, assignee: str | None = None,
                              role: str | None = None) -> list[RoleAssignment]:
        """Role assignments, optionally only those of one principal and/or one role."""
        where, params = self._filter(assignee, role)
        rows = self.read(
            f"SELECT a.name, a.role_id, a.scope, a.created, p.object_id, p.app_id, "
            f"p.display_name, p.created FROM role_assignment a JOIN service_principal p "
            f"ON p.object_id = a.principal_id {where} ORDER BY a.created", params)
        return [RoleAssignment(name=str(r[0]), role=role_by_id(str(r[1])), scope=str(r[2]),
                               created=str(r[3]), principal=ServicePrincipal(*map(str, r[4:])))
                for r in rows]

    def delete_role_assignments(self, assignee: str | None = None,
                                role: str | None = None) -> list[RoleAssignment]:
        """Remove the matching role assignments; returns what was removed."""
        doomed = self.list_role_assignments(assignee, role)
        with self.transaction() as conn:
            conn.executemany("DELETE FROM role_assignment WHERE name = ?",
                             [(a.name,) for a in doomed])
        return doomed

    def _filter(self, assignee: str | None, role: str | None) -> tuple[str, tuple[str, ...]]:
        clauses: list[str] = []
        params: list[str] = []
        if assignee is not None:
            principal = self.find_principal(assignee)
            if principal is None:
                raise UnknownPrincipalError(assignee)
            clauses.append("a.principal_id = ?")
            params.append(principal.object_id)
        if role is not None:
            clauses.append("a.role_id = ?")
            params.append(find_role(role).id)
        return ("WHERE " + " AND ".join(clauses) if clauses else ""), tuple(params)

    def roles_of(self, object_id: str) -> list[RoleDefinition]:
        """The roles held by the app or user with this object id (the token's ``oid``)."""
        rows = self.read("SELECT role_id FROM role_assignment WHERE principal_id = ? UNION "
                         "SELECT role_id FROM user_role_assignment WHERE user_id = ?",
                         (object_id, object_id))
        return [role_by_id(str(row[0])) for row in rows]
