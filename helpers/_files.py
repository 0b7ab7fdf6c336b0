"""Files that several kernels share: written whole or not at all, and an exclusive lock.

A notebook kernel can be interrupted at any moment and several kernels run side by
side, so a file they share (a change-feed checkpoint, the workshop app's secret, a
generated sample) must never be seen half-written.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_write", "locked"]


def atomic_write(path: Path, data: str | bytes, *, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` atomically: readers see the old file or the new one.

    The data goes to a temporary file in the same folder, which is then renamed over
    ``path``; a crash or an interrupt leaves no partial file behind.

    Parameters
    ----------
    path : Path
        The file to (re)write; its folder must exist.
    data : str or bytes
        Text is written as UTF-8.
    mode : int
        Permission bits of the new file. The default, readable only by you, suits
        secrets; pass ``0o644`` for files others may read.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode() if isinstance(data, str) else data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` (created if needed) across processes."""
    with path.open("a+b") as handle:
        if os.name == "nt":
            import msvcrt  # Windows only

            msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]
            try:
                yield
            finally:
                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
        else:
            import fcntl  # POSIX only

            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
