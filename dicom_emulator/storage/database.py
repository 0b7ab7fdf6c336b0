"""The index's SQLite file: its connections, its transactions, and its schema's version.

One writer connection behind a lock keeps transactions short and serial; readers get a
connection per thread (in WAL mode a reader never waits for the writer). Opening the
file first brings its schema up to date (:func:`migrate`), before anything reads it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from dicom_emulator.dicom.matching import phrase_prefix_match
from dicom_emulator.errors import DataStoreError
from dicom_emulator.storage.schema import MIGRATIONS, Migration

__all__ = ["Database", "SchemaVersionError", "migrate", "schema_version"]


class SchemaVersionError(Exception):
    """The index's schema cannot be brought to this kit's version."""


def _connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit) with the index's pragmas."""
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL mode: a commit is in the WAL (the OS has it) before it returns, so an
    # acknowledged store survives the process being killed; only a power cut can undo
    # the last commits, and their files (fsynced first) then become orphans that start-up
    # recovery removes. FULL would add an fsync to every request.
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=10000")
    # QIDO's fuzzy match on extended query tag PN values (storage.search).
    conn.create_function("person_name_phrase", 2, phrase_prefix_match, deterministic=True)
    conn.row_factory = sqlite3.Row
    return conn


def schema_version(conn: sqlite3.Connection) -> int:
    """The last migration applied to the database (0: none, or made before versioning)."""
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    return version


def _expect_version(actual: int, expected: int) -> int:
    if actual != expected:  # another connection migrated between our look and our lock
        raise ValueError(f"schema version is {actual}, not {expected}")
    return actual


def _script(migration: Migration) -> str:
    # The version is checked again under the write lock, and stamped in the migration's
    # own transaction: a migration is applied once, whole, or not at all.
    return (f"BEGIN IMMEDIATE;\n"
            f"SELECT expect_schema_version(user_version, {migration.version - 1})"
            f" FROM pragma_user_version;\n"
            f"{migration.script}\n"
            f"PRAGMA user_version = {migration.version};\n"
            f"COMMIT;\n")


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration] = MIGRATIONS,
            name: str = "the index") -> None:
    """Apply the ``migrations`` the database does not have yet, in order.

    ``migrations`` are versions 1, 2, … in order. ``name`` says which file, in errors.

    Raises
    ------
    SchemaVersionError
        The database is newer than the last migration (a newer kit made it), or a
        migration failed (it is rolled back; the database keeps its version).
    """
    latest = migrations[-1].version if migrations else 0
    conn.create_function("expect_schema_version", 2, _expect_version, deterministic=True)
    while (version := schema_version(conn)) != latest:
        if version > latest:
            raise SchemaVersionError(
                f"{name} has schema version {version}, but this kit knows versions up to "
                f"{latest}: a newer version of the kit made it. Use that version, or "
                f"another data dir.")
        migration = migrations[version]
        try:
            conn.executescript(_script(migration))
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if schema_version(conn) != version:
                continue  # another process applied it meanwhile: look again
            raise SchemaVersionError(
                f"Upgrading {name} to schema version {migration.version} "
                f"({migration.description}) failed: {exc}") from exc


# Room kept free beside the index: a full disk must not stop a delete, which frees space.
RESERVE_BYTES = 512 * 1024  # a delete needs a few WAL pages


def _is_full(error: sqlite3.OperationalError) -> bool:
    return "full" in str(error)  # SQLITE_FULL: "database or disk is full"


class Database:
    """The index file: a writer behind a lock, a reader per thread, an up-to-date schema.

    Raises
    ------
    SchemaVersionError
        From :func:`migrate`, when the file's schema cannot be used.
    """

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self._writer = _connect(path)
        try:
            migrate(self._writer, name=f"The index {path}")
        except BaseException:
            self._writer.close()
            raise
        self.reserve = path.with_name(path.name + ".reserve")
        self._keep_reserve()

    def _keep_reserve(self) -> None:
        """Make the reserve file if it is missing and there is room for it."""
        if self.reserve.exists():
            return
        try:
            with open(self.reserve, "wb") as f:
                f.write(b"\0" * RESERVE_BYTES)  # written, not sparse: the room is taken
        except OSError:
            self.reserve.unlink(missing_ok=True)

    def reader(self) -> sqlite3.Connection:
        """This thread's read connection (each thread has its own)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = _connect(self.path)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """The writer connection inside ``BEGIN IMMEDIATE … COMMIT``, one writer at a time.

        Raises
        ------
        DataStoreError
            The disk is full (SQLITE_FULL); nothing of the transaction was written.
        """
        with self._write_lock:
            try:
                self._writer.execute("BEGIN IMMEDIATE")
                try:
                    yield self._writer
                except BaseException:
                    self._writer.execute("ROLLBACK")
                    raise
                self._writer.execute("COMMIT")
            except sqlite3.OperationalError as error:
                if not _is_full(error):
                    raise
                if self._writer.in_transaction:
                    self._writer.execute("ROLLBACK")
                raise DataStoreError() from error

    def release_reserve(self) -> bool:
        """Give up the reserve's room (for a write that frees space, a delete, on a full
        disk); False if it was already given up. It comes back with :meth:`restore_reserve`."""
        if not self.reserve.exists():
            return False
        self.reserve.unlink()
        return True

    def restore_reserve(self) -> None:
        """Take the reserve's room back if it was given up (call after a store)."""
        self._keep_reserve()

    def close(self) -> None:
        self._writer.close()
