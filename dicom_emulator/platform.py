"""What differs between the operating systems the emulator runs on, in one place.

Workshop rooms have Windows laptops, Macs and Linux machines. Every POSIX-only call the
emulator would make goes through this module, which has a portable path for each; tests
run the other platforms' branches by simulation (``sys.platform`` monkeypatched, and
``os.open`` made to refuse directories as Windows does).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def is_windows() -> bool:
    """Whether this is Windows (``sys.platform``, read at each call: tests simulate it)."""
    return sys.platform == "win32"


def fsync_dir(path: Path) -> None:
    """Make a rename into ``path`` durable: fsync the directory where that means something.

    On POSIX a rename is durable only once its directory is fsynced. On Windows a directory
    cannot be opened with ``os.open`` at all (that needs ``FILE_FLAG_BACKUP_SEMANTICS``,
    which Python does not pass: ``PermissionError``), and it is not needed: NTFS journals its
    metadata, so a completed ``MoveFileEx`` (``os.replace``) survives a crash. The same
    ``PermissionError`` from a file system that refuses directory handles (some network
    and FUSE mounts) is treated alike, rather than failing a store whose file is in place.
    """
    if is_windows():
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except PermissionError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def raise_open_file_limit() -> None:
    """Raise the soft limit on open files to the hard one (POSIX; Windows has none to raise).

    Every connection is a socket: macOS's default soft limit of 256 is reached by a few
    hundred idle clients, long before the machine's real limit.
    """
    try:
        import resource
    except ImportError:  # Windows
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft == resource.RLIM_INFINITY or soft >= target:
        return
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError):  # macOS caps it below an infinite hard limit
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(target, 10240), hard))
