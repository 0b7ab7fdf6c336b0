"""The emulator on Windows, by simulation: a directory cannot be opened (so not fsynced),
and a store must still succeed, durable, with no orphan file."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from dicom_emulator import platform
from dicom_emulator.settings import EmulatorSettings
from dicom_emulator.storage.blobs import BlobStore
from dicom_emulator.storage.index import Index
from tests.support.datasets import make_instance
from tests.support.headers import STOW_SINGLE_PART

_real_open = os.open


def _open_like_windows(path: object, flags: int, *args: object, **kwargs: object) -> int:
    """``os.open`` as Windows answers it: a directory needs backup semantics Python does
    not ask for, so opening one raises PermissionError."""
    if os.path.isdir(path):  # type: ignore[arg-type]
        raise PermissionError(13, "Permission denied", str(path))
    return _real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def windows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(os, "open", _open_like_windows)


def _stored_files(settings: EmulatorSettings) -> set[str]:
    return {p.relative_to(settings.blob_dir).as_posix() for p in settings.blob_dir.rglob("*.dcm")}


@pytest.mark.usefixtures("windows")
def test_on_windows_a_store_succeeds_and_leaves_no_orphan(
        http: TestClient, settings: EmulatorSettings) -> None:
    sop = generate_uid()
    response = http.post("/v2/studies", content=make_instance(sop=sop), headers=STOW_SINGLE_PART)

    assert response.status_code == 200
    index = Index(settings.index_path)
    rows = index.reader().execute("SELECT sop_uid, blob FROM instance").fetchall()
    index.close()
    assert [sop for sop, _ in rows] == [sop]
    assert _stored_files(settings) == {rows[0][1]}  # the file, and no other


def test_on_windows_no_directory_is_opened(tmp_path: Path, windows: None,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[object] = []
    monkeypatch.setattr(os, "open", lambda path, *a, **k: opened.append(path) or 0)
    platform.fsync_dir(tmp_path)
    assert opened == []


def test_on_posix_the_directory_is_fsynced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           ) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or real_fsync(fd))
    platform.fsync_dir(tmp_path)
    assert len(synced) == 1


def test_a_file_system_that_refuses_directory_handles_still_stores(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Some network and FUSE mounts on POSIX answer as Windows does: PermissionError."""
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(os, "open", _open_like_windows)
    blobs = BlobStore(tmp_path / "blobs", tmp_path / "tmp")
    spooled = blobs.tmp_dir / "part"
    spooled.write_bytes(make_instance())

    name = blobs.commit(spooled, has_preamble=True)

    assert blobs.path(name).is_file()


def test_a_store_that_cannot_be_made_durable_leaves_no_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blobs = BlobStore(tmp_path / "blobs", tmp_path / "tmp")
    spooled = blobs.tmp_dir / "part"
    spooled.write_bytes(make_instance())

    def failing_fsync_dir(path: Path) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr("dicom_emulator.storage.blobs.fsync_dir", failing_fsync_dir)
    with pytest.raises(OSError):
        blobs.commit(spooled, has_preamble=True)
    assert list(blobs.root.rglob("*.dcm")) == []
