"""Instance files on disk, written atomically: temp file, fsync, rename, fsync folder
(where the platform needs it: :func:`dicom_emulator.platform.fsync_dir`).

Files are named by a random id, not by UID, so a store after a delete of the same
UIDs never touches a file a cleanup may still remove. A request's files may share a
(random) folder: :meth:`BlobStore.place` each, then one :meth:`BlobStore.sync_folders`
fsyncs that folder once for all their renames.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

from dicom_emulator.platform import fsync_dir

PREAMBLE_LENGTH = 128


class BlobStore:
    """Files under ``root``, addressed by a relative name such as ``ab/abcdef….dcm``."""

    def __init__(self, root: Path, tmp_dir: Path):
        self.root = root
        self.tmp_dir = tmp_dir
        root.mkdir(parents=True, exist_ok=True)
        tmp_dir.mkdir(parents=True, exist_ok=True)

    def path(self, name: str) -> Path:
        return self.root / name

    def new_folder(self) -> str:
        """A random folder name for :meth:`place` (256 of them share the files evenly)."""
        return uuid.uuid4().hex[:2]

    def commit(self, spooled: Path, has_preamble: bool) -> str:
        """Make a spooled temp file durable under a new name and return that name."""
        name = self.place(spooled, has_preamble, self.new_folder())
        self.sync_folders([name])
        return name

    def place(self, spooled: Path, has_preamble: bool, folder: str) -> str:
        """Fsync a spooled temp file and rename it into ``folder`` under a new name; the
        rename is durable only once :meth:`sync_folders` has fsynced that folder.

        The Azure service zeroes the 128-byte preamble of every stored file (a preamble can
        carry an executable header). A file sent without one gets a zeroed preamble and the
        ``DICM`` prefix, so that every stored file is a Part 10 file.
        """
        name = f"{folder}/{uuid.uuid4().hex}.dcm"
        target = self.root / name
        # A stat, not a mkdir that fails: a failing mkdir locks the parent folder, and took
        # up to a millisecond a file under concurrent stores here.
        if not target.parent.is_dir():
            target.parent.mkdir(exist_ok=True)
            fsync_dir(self.root)  # a new folder's own name must last too (256 times ever)
        if not has_preamble:
            spooled = self._with_preamble(spooled)
        with open(spooled, "r+b") as f:
            f.write(b"\0" * PREAMBLE_LENGTH)
            f.flush()
            os.fsync(f.fileno())
        os.replace(spooled, target)
        return name

    def sync_folders(self, names: list[str]) -> None:
        """Make the renames of :meth:`place` durable: each folder of ``names`` fsynced once.

        Raises
        ------
        OSError
            A folder could not be fsynced: then every file of ``names`` is removed (not
            durable, so not acknowledged: no file that no index row names is left).
        """
        try:
            for folder in dict.fromkeys(self.path(name).parent for name in names):
                fsync_dir(folder)
        except BaseException:
            for name in names:
                self.remove(name)
            raise

    def _with_preamble(self, spooled: Path) -> Path:
        framed = spooled.with_suffix(".framed")
        with open(spooled, "rb") as src, open(framed, "wb") as dst:
            dst.write(b"\0" * PREAMBLE_LENGTH + b"DICM")
            shutil.copyfileobj(src, dst, 1 << 20)
        spooled.unlink()
        return framed

    def remove(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)

    def iter_names(self, older_than: float) -> Iterator[str]:
        """Names of files last modified before ``older_than`` (epoch seconds)."""
        for sub in os.scandir(self.root):
            if not sub.is_dir():
                continue
            for entry in os.scandir(sub.path):
                if entry.name.endswith(".dcm") and entry.stat().st_mtime < older_than:
                    yield f"{sub.name}/{entry.name}"

    def clear_tmp(self) -> int:
        """Remove leftovers of requests a crash interrupted; returns how many."""
        removed = 0
        for entry in os.scandir(self.tmp_dir):
            if entry.is_file():
                os.unlink(entry.path)
                removed += 1
        return removed
