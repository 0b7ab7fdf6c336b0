"""What differs between Windows, macOS and Linux on the client side, in one place.

The launcher (:mod:`helpers.emulator.process`) starts the emulator detached, asks whether
a pid from a pid file is still the emulator, and stops it. Each of those has a different
answer per operating system; this module holds all of them, and nothing else in
``helpers`` branches on the platform (the lock in :mod:`helpers._files` aside). Tests run
the branches this machine does not have by simulation: ``sys.platform`` is read at each
call, and the process table is read through :func:`_run`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["ProcessInfo", "detached_popen_kwargs", "force_kill", "is_process_of",
           "process_info", "terminate"]

# subprocess has these names only on Windows; the values are Windows' own.
CREATE_NEW_PROCESS_GROUP = 0x00000200
DETACHED_PROCESS = 0x00000008


def _is_windows() -> bool:
    return sys.platform == "win32"


@dataclass(frozen=True)
class ProcessInfo:
    """What the process table says about a pid: its command line, and if it is a zombie."""

    command: str
    zombie: bool = False


def detached_popen_kwargs() -> dict[str, Any]:
    """``subprocess.Popen`` arguments that keep a child alive when its parent goes.

    POSIX: its own session, so a kernel interrupt or restart (a signal to the kernel's
    process group) does not reach it. Windows ignores ``start_new_session``; there a
    console program dies with the console it shares (closing the terminal that ran
    ``jupyter lab``), so it gets no console (``DETACHED_PROCESS``) and its own process
    group (``CREATE_NEW_PROCESS_GROUP``: a Ctrl+C in the terminal is not sent to it).
    """
    if _is_windows():
        flags = (getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", CREATE_NEW_PROCESS_GROUP)
                 | getattr(subprocess, "DETACHED_PROCESS", DETACHED_PROCESS))
        return {"creationflags": flags}
    return {"start_new_session": True}


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    """Run a process-table command (``ps``, ``tasklist``, PowerShell); tests replace it."""
    return subprocess.run(args, capture_output=True, text=True, timeout=20, check=False)


def process_info(pid: int) -> ProcessInfo | None:
    """The process ``pid`` as the process table shows it; None when there is none.

    Never signals anything: ``os.kill(pid, 0)`` tests existence on POSIX only; on Windows
    it *terminates* the process. Linux reads ``/proc``; macOS (and other POSIX systems
    without ``/proc``) runs ``ps``; Windows asks ``tasklist`` whether the pid exists and
    PowerShell (CIM) for its command line.
    """
    if pid <= 0:
        return None
    if _is_windows():
        return _windows_process(pid)
    if sys.platform.startswith("linux") and Path("/proc").is_dir():
        return _proc_process(pid)
    return _ps_process(pid)


def _proc_process(pid: int) -> ProcessInfo | None:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except OSError:
        return None
    return ProcessInfo(command.decode(errors="replace").strip(), zombie=state == "Z")


def _ps_process(pid: int) -> ProcessInfo | None:
    # macOS: "stat" is e.g. "S", "Ss" or "Z" (an exited child its parent has not reaped).
    done = _run(["ps", "-p", str(pid), "-o", "stat=", "-o", "command="])
    line = done.stdout.strip()
    if done.returncode != 0 or not line:
        return None
    stat, _, command = line.partition(" ")
    return ProcessInfo(command.strip(), zombie=stat.startswith("Z"))


def _windows_process(pid: int) -> ProcessInfo | None:
    listed = _run(["tasklist", "/FI", f"PID eq {pid}", "/FO", "CSV", "/NH"])
    # A missing pid prints "INFO: No tasks are running…" (no CSV row with the pid).
    if listed.returncode != 0 or f'"{pid}"' not in listed.stdout:
        return None
    asked = _run(["powershell", "-NoProfile", "-NonInteractive", "-Command",
                  f"(Get-CimInstance Win32_Process -Filter 'ProcessId={pid}').CommandLine"])
    image = listed.stdout.strip().split(",", 1)[0].strip('"')
    return ProcessInfo(asked.stdout.strip() or image)


def is_process_of(pid: int, marker: str) -> bool:
    """Whether ``pid`` runs, is no zombie, and its command line contains ``marker``.

    A stale pid file can name a pid the system has since given to an unrelated
    process; checking the command line means that one is never signalled.
    """
    info = process_info(pid)
    return info is not None and not info.zombie and marker in info.command


def terminate(pid: int) -> None:
    """Ask ``pid`` to exit: SIGTERM on POSIX (the emulator shuts down cleanly).

    On Windows ``os.kill`` with SIGTERM is ``TerminateProcess``: immediate, which the
    emulator survives by design (files are durable before they are indexed; start-up
    recovery removes what a crash left). A detached process has no console, so a
    Ctrl+Break event cannot reach it.
    """
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:  # gone meanwhile, or not ours to signal
        pass


def force_kill(pid: int) -> None:
    """Kill ``pid`` now (SIGKILL; on Windows ``TerminateProcess`` again)."""
    try:
        os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))
    except OSError:  # gone meanwhile, or not ours to signal
        pass
