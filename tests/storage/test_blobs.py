"""Instance files: committed durable under a new name, always as Part 10 with a zeroed
preamble; listed for recovery; spooled leftovers cleared."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from pydicom import dcmread

from dicom_emulator.storage.blobs import BlobStore
from tests.support.datasets import make_dataset, to_bytes

NAME = re.compile(r"[0-9a-f]{2}/[0-9a-f]{32}\.dcm")


@pytest.fixture
def blobs(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs", tmp_path / "tmp")


def _spool(blobs: BlobStore, content: bytes, name: str = "part") -> Path:
    spooled = blobs.tmp_dir / name
    spooled.write_bytes(content)
    return spooled


def test_commit_zeroes_the_preamble_it_was_sent(blobs: BlobStore) -> None:
    sent = to_bytes(make_dataset())
    assert sent[128:132] == b"DICM"
    sent = b"MZ" + b"\x90" * 126 + sent[128:]  # a preamble that carries an executable header
    spooled = _spool(blobs, sent)

    name = blobs.commit(spooled, has_preamble=True)

    assert NAME.fullmatch(name)
    stored = blobs.path(name).read_bytes()
    assert stored == b"\0" * 128 + sent[128:]
    assert not spooled.exists() and list(blobs.tmp_dir.iterdir()) == []


def test_commit_gives_a_file_without_preamble_one(blobs: BlobStore) -> None:
    ds = make_dataset()
    sent = to_bytes(ds)[132:]  # file meta and dataset, no preamble or DICM prefix
    name = blobs.commit(_spool(blobs, sent), has_preamble=False)

    stored = blobs.path(name).read_bytes()
    assert stored == b"\0" * 128 + b"DICM" + sent
    read = dcmread(blobs.path(name))  # a Part 10 file, without force
    assert read.preamble == b"\0" * 128
    assert read.SOPInstanceUID == ds.SOPInstanceUID
    assert list(blobs.tmp_dir.iterdir()) == []  # the framed copy was renamed, not left


def test_each_commit_gets_its_own_name(blobs: BlobStore) -> None:
    content = to_bytes(make_dataset())
    names = {blobs.commit(_spool(blobs, content, f"part{n}"), has_preamble=True)
             for n in range(3)}
    assert len(names) == 3
    blobs.remove(names.pop())
    blobs.remove("zz/never-there.dcm")  # removing a file already gone is no error
    assert set(blobs.iter_names(older_than=time.time() + 60)) == names


def test_iter_names_lists_only_files_older_than_a_moment(blobs: BlobStore) -> None:
    content = to_bytes(make_dataset())
    old = blobs.commit(_spool(blobs, content, "old"), has_preamble=True)
    new = blobs.commit(_spool(blobs, content, "new"), has_preamble=True)
    moment = time.time()
    os.utime(blobs.path(old), (moment - 60, moment - 60))
    os.utime(blobs.path(new), (moment + 60, moment + 60))
    (blobs.root / "notes.txt").write_text("not a folder of instance files")
    (blobs.path(old).parent / "readme.txt").write_text("not an instance file")

    assert list(blobs.iter_names(older_than=moment)) == [old]


def test_clear_tmp_removes_spooled_leftovers(blobs: BlobStore) -> None:
    for name in ("a.part", "b.framed"):
        _spool(blobs, b"half a request", name)
    (blobs.tmp_dir / "folder").mkdir()
    assert blobs.clear_tmp() == 2
    assert [p.name for p in blobs.tmp_dir.iterdir()] == ["folder"]


def test_placed_files_are_durable_after_one_fsync_of_each_folder(
        blobs: BlobStore, monkeypatch: pytest.MonkeyPatch) -> None:
    content = to_bytes(make_dataset())
    folder = blobs.new_folder()
    names = [blobs.place(_spool(blobs, content, f"part{n}"), True, folder) for n in range(3)]
    names.append(blobs.place(_spool(blobs, content, "other"), True, "zz"))
    synced: list[Path] = []
    monkeypatch.setattr("dicom_emulator.storage.blobs.fsync_dir", synced.append)

    blobs.sync_folders(names)

    assert synced == [blobs.root / folder, blobs.root / "zz"]
    assert all(blobs.path(n).read_bytes()[128:] == content[128:] for n in names)


def test_files_whose_folder_cannot_be_fsynced_are_removed(
        blobs: BlobStore, monkeypatch: pytest.MonkeyPatch) -> None:
    content = to_bytes(make_dataset())
    names = [blobs.place(_spool(blobs, content, f"part{n}"), True, "ab") for n in range(2)]

    def failing_fsync_dir(path: Path) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr("dicom_emulator.storage.blobs.fsync_dir", failing_fsync_dir)
    with pytest.raises(OSError):
        blobs.sync_folders(names)
    assert list(blobs.root.rglob("*.dcm")) == []


def test_a_new_folder_s_name_is_fsynced_in_the_root(
        blobs: BlobStore, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[Path] = []
    monkeypatch.setattr("dicom_emulator.storage.blobs.fsync_dir", synced.append)
    content = to_bytes(make_dataset())
    blobs.place(_spool(blobs, content, "first"), True, "cd")
    blobs.place(_spool(blobs, content, "second"), True, "cd")
    assert synced == [blobs.root]  # once, when the folder was made
