"""The partition table: the data partitions of the service, and its data-partitions setting.

Every study, series, instance and change-feed entry belongs to one partition, by its key
(``storage.schema``, version 3). The default partition is there from the start, as in the
service's ``Partition.sql``: ``Partition.DefaultKey`` 1, ``Partition.DefaultName``
``Microsoft.Default``. A partition is added by the first store that names it; none is
ever removed.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from dicom_emulator.storage.changefeed import utc_timestamp
from dicom_emulator.storage.database import Database
from dicom_emulator.storage.schema import DEFAULT_PARTITION_KEY, DEFAULT_PARTITION_NAME

__all__ = ["DEFAULT_PARTITION_KEY", "DEFAULT_PARTITION_NAME", "Partition", "PartitionStore"]

_DATA_PARTITIONS_FLAG = "data_partitions"


@dataclass(frozen=True)
class Partition:
    """A partition's row: its key, its name as first stored, and when it was made."""

    key: int
    name: str
    created: str  # ISO 8601 UTC, as the change feed stores its timestamps



_SELECT = "SELECT partition_key, partition_name, created FROM partition"


class PartitionStore:
    """Partitions in the index ``database`` (reads on the calling thread's connection)."""

    def __init__(self, database: Database):
        self.database = database

    def get(self, name: str) -> Partition | None:
        """The partition called ``name`` (compared without case), or None."""
        row = self.database.reader().execute(
            _SELECT + " WHERE partition_name = ?", (name,)).fetchone()
        return Partition(*row) if row else None

    def get_or_add(self, name: str) -> Partition:
        """The partition called ``name``, added first if there is none (``AddPartition``)."""
        found = self.get(name)
        if found is not None:
            return found
        with self.database.transaction() as conn:
            # Another request may have added it since the look above: then that one counts.
            conn.execute("INSERT INTO partition (partition_name, created) VALUES (?, ?) "
                         "ON CONFLICT (partition_name) DO NOTHING", (name, utc_timestamp()))
            row = conn.execute(_SELECT + " WHERE partition_name = ?", (name,)).fetchone()
        return Partition(*row)

    def all(self) -> list[Partition]:
        """Every partition, the default one included, in key order (``GetPartitions``)."""
        rows = self.database.reader().execute(_SELECT + " ORDER BY partition_key")
        return [Partition(*row) for row in rows]

    def has_other_than_default(self) -> bool:
        row = self.database.reader().execute(
            "SELECT 1 FROM partition WHERE partition_key <> ?", (DEFAULT_PARTITION_KEY,))
        return row.fetchone() is not None

    # -- the service's setting -------------------------------------------------------------

    def recorded_data_partitions(self) -> bool | None:
        """Whether the data dir was last served with data partitions (None: never said)."""
        row = self.database.reader().execute(
            "SELECT enabled FROM feature_flag WHERE name = ?", (_DATA_PARTITIONS_FLAG,))
        found = row.fetchone()
        return None if found is None else bool(found[0])

    def record_data_partitions(self, enabled: bool) -> None:
        with self.database.transaction() as conn:
            _upsert_flag(conn, _DATA_PARTITIONS_FLAG, enabled)


def _upsert_flag(conn: sqlite3.Connection, name: str, enabled: bool) -> None:
    conn.execute("INSERT INTO feature_flag (name, enabled) VALUES (?, ?) "
                 "ON CONFLICT (name) DO UPDATE SET enabled = excluded.enabled",
                 (name, int(enabled)))
