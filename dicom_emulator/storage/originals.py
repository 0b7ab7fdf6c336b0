"""The original versions bulk update keeps: read in place of the latest on request.

WADO with ``msdicom-request-original: true`` returns each instance's version before its
first bulk update; an instance never updated has only one version, which is returned.
(The rows are written by :mod:`.updates` and go with their instance: :mod:`.index`.)
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace as with_fields
from typing import Any

from dicom_emulator.storage.index import ORIGINAL_VERSIONS, StoredInstance

__all__ = ["as_originals", "original_metadata"]


def _originals(conn: sqlite3.Connection, keys: list[int]) -> dict[int, tuple[Any, ...]]:
    found: dict[int, tuple[Any, ...]] = {}
    for start in range(0, len(keys), 500):  # SQLite's variable limit
        chunk = keys[start:start + 500]
        for row in conn.execute(
                "SELECT instance_key, blob, size, transfer_syntax, metadata FROM"
                f" {ORIGINAL_VERSIONS} WHERE instance_key IN ({', '.join('?' * len(chunk))})",
                chunk):
            found[row[0]] = tuple(row[1:])
    return found


def as_originals(conn: sqlite3.Connection,
                 instances: list[StoredInstance]) -> list[StoredInstance]:
    """Each instance as its original version (file, size, syntax) where one is kept."""
    originals = _originals(conn, [i.instance_key for i in instances])
    return [i if i.instance_key not in originals else with_fields(
        i, blob=originals[i.instance_key][0], size=originals[i.instance_key][1],
        transfer_syntax=originals[i.instance_key][2]) for i in instances]


def original_metadata(conn: sqlite3.Connection, instances: list[StoredInstance],
                      texts: list[str]) -> list[str]:
    """The stored metadata ``texts`` of ``instances`` (same order), originals where kept."""
    originals = _originals(conn, [i.instance_key for i in instances])
    return [str(originals[i.instance_key][3]) if i.instance_key in originals else text
            for i, text in zip(instances, texts, strict=True)]
