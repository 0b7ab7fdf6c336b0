"""Start-up recovery: spooled leftovers go at once; files without an index row go in the
background if they are older than the start; everything else stays."""

from __future__ import annotations

import os
import time
from pathlib import Path

from dicom_emulator.storage.blobs import BlobStore
from dicom_emulator.storage.index import Index
from dicom_emulator.storage.recovery import recover
from tests.storage.records import new_instance

STUDY, SERIES = "1.2.826.0.3.1", "1.2.826.0.3.1.1"


def _file(blobs: BlobStore, name: str, age_seconds: float) -> Path:
    path = blobs.path(name)
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(b"\0" * 128 + b"DICM")
    moment = time.time() - age_seconds
    os.utime(path, (moment, moment))
    return path


def test_recovery_removes_old_orphans_and_leftovers_only(tmp_path: Path, index: Index) -> None:
    blobs = BlobStore(tmp_path / "blobs", tmp_path / "tmp")
    indexed = _file(blobs, "aa/indexed.dcm", age_seconds=60)
    index.add_instances([new_instance(STUDY, SERIES, f"{SERIES}.1", blob="aa/indexed.dcm")])
    orphan = _file(blobs, "aa/orphan.dcm", age_seconds=60)  # renamed, never indexed
    in_flight = _file(blobs, "bb/in-flight.dcm", age_seconds=-60)  # a store after the start
    leftover = blobs.tmp_dir / "request.part"
    leftover.write_bytes(b"half a request")

    sweep = recover(index, blobs)
    assert not leftover.exists()  # before recover returns: readiness waits for this only
    sweep.join(10)

    assert not sweep.is_alive()
    assert not orphan.exists()
    assert indexed.exists() and in_flight.exists()
    assert index.all_blob_names() == {"aa/indexed.dcm"}
