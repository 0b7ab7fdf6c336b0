"""Start, find and stop the local emulator's process.

The emulator runs as its own process (``python -m dicom_emulator serve``), detached from
the notebook kernel, so an interrupted or restarted kernel does not take the service
down and every notebook (each in its own kernel) shares one service. It keeps running
until ``python -m helpers.emulator stop`` or ``make reset``. This module never imports
``dicom_emulator``: the client side talks to it only over HTTP, as it would to Azure.

Command line: ``python -m helpers.emulator {start,stop,status}`` (settings as usual).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from helpers._platform import detached_popen_kwargs, force_kill, is_process_of, terminate
from helpers.azurite import storage_credential
from helpers.config import PROJECT_ROOT, Settings

__all__ = ["LOG_FILE", "PID_FILE", "ForeignEmulatorError", "ServedEmulator", "emulator_url",
           "ensure_emulator", "is_running", "served_emulator", "stop_emulator"]

HOST = "127.0.0.1"
PID_FILE = "emulator.pid"
LOG_FILE = "emulator.log"
_STARTED: dict[int, subprocess.Popen[bytes]] = {}
MARKER = "dicom_emulator"  # in the command line of every emulator process


def emulator_url(settings: Settings) -> str:
    """The local emulator's root URL (no version), e.g. ``http://127.0.0.1:8080``."""
    return f"http://{HOST}:{settings.emulator_port}"


def is_running(url: str, timeout: float = 2.0) -> bool:
    """Whether a DICOM service answers ``GET {url}/health/check`` with 200."""
    try:
        response = requests.get(f"{url}/health/check", timeout=timeout)
    except requests.ConnectionError:
        return False
    return response.status_code == 200



@dataclass(frozen=True)
class ServedEmulator:
    """What the emulator answering at ``url`` says about itself (``GET /admin/identity``)."""

    url: str
    data_dir: Path | None  # None: it does not say (not this kit's emulator, or an old one)
    pid: int | None = None
    auth: bool | None = None

    def serves(self, data_dir: Path) -> bool:
        """Whether it serves ``data_dir`` (compared as the OS does: case too on Windows)."""
        return self.data_dir is not None and _same_path(self.data_dir, data_dir)

    def describe(self) -> str:
        """One line: where, which data, which auth."""
        auth = {True: "auth on", False: "auth off", None: "auth unknown"}[self.auth]
        return f"local emulator at {self.url} (data dir {self.data_dir}, {auth})"


class ForeignEmulatorError(RuntimeError):
    """The emulator port is taken by a service that is not this checkout's emulator."""


def _same_path(a: Path, b: Path) -> bool:
    return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))


def served_emulator(url: str, timeout: float = 2.0) -> ServedEmulator | None:
    """Who serves ``url``: None when nothing answers there.

    An answer without ``dataDir`` (a service that is not this kit's emulator) gives a
    :class:`ServedEmulator` whose ``data_dir`` is None.
    """
    try:
        response = requests.get(f"{url}/admin/identity", timeout=timeout)
    except requests.ConnectionError:
        return None
    try:
        info = response.json() if response.status_code == 200 else {}
    except ValueError:
        info = {}
    data_dir = info.get("dataDir") if isinstance(info, dict) else None
    if not isinstance(data_dir, str):
        return ServedEmulator(url, None)
    pid = info.get("pid")
    auth = info.get("auth")
    return ServedEmulator(url, Path(data_dir), pid if isinstance(pid, int) else None,
                          auth if isinstance(auth, bool) else None)


def foreign_message(settings: Settings, served: ServedEmulator) -> str:
    """The paragraph that explains a port taken by another checkout's emulator."""
    whose = (f"the emulator of another checkout of the kit (data dir {served.data_dir}, "
             f"pid {served.pid})" if served.data_dir is not None
             else "a service that does not say whose data it serves (another program, or "
             "an emulator started by an older version of the kit)")
    return (f"Port {settings.emulator_port} is taken by {whose}, not by this checkout's "
            f"emulator (data dir {settings.emulator_data_dir}). Using it would show you its "
            "studies and a tenant your tokens do not belong to. Either stop it (in that "
            "checkout: python -m helpers.kit stop), or give this checkout its own port: "
            "put DICOM_EMULATOR_PORT=8081 in this checkout's .env, then re-run this cell "
            "(and restart the other open notebooks' kernels).")


def _reap() -> None:
    """Collect children that have exited, so that none lingers as a zombie (macOS too)."""
    for pid, process in list(_STARTED.items()):
        if process.poll() is not None:
            del _STARTED[pid]


def ensure_emulator(settings: Settings, timeout: float = 60.0) -> str:
    """Return the URL of the local emulator, starting it first when nothing answers.

    An emulator already listening on ``DICOM_EMULATOR_PORT`` is reused as it is (also
    one started with ``make serve``) when it serves this checkout's data dir.

    Parameters
    ----------
    settings : Settings
        Port and data folder of the emulator.
    timeout : float
        Seconds to wait for the new process to answer its health check.

    Returns
    -------
    str
        The root URL, without the API version.

    Raises
    ------
    ForeignEmulatorError
        The port is served by another checkout's emulator (or by something else).
    RuntimeError
        The emulator exited or did not become healthy; the message quotes its log.
    """
    _reap()
    url = emulator_url(settings)
    if is_running(url):
        return _checked(settings, url)
    data_dir = settings.emulator_data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / LOG_FILE
    with log_path.open("ab") as log:
        # Detached (helpers._platform): a kernel interrupt or restart, or closing the
        # terminal, must not stop the service the other notebooks are using.
        command = [sys.executable, "-m", "dicom_emulator", "serve", "--host", HOST,
                   "--port", str(settings.emulator_port), "--data-dir", str(data_dir)]
        if settings.emulator_data_partitions:  # chosen when the service is created
            command.append("--data-partitions")
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT,
            # Export's managed identity: the key of the local Azurite account it may write
            # to (in the environment, not the command line, which any user can read).
            env={**os.environ,
                 "DICOM_EMULATOR_STORAGE_CREDENTIAL": storage_credential(
                     settings.azurite_data_dir)},
            **detached_popen_kwargs(),
        )
    # Kept so that it is reaped when it exits, and so that the Popen object is not
    # collected (with a ResourceWarning) while the service runs on.
    _STARTED[process.pid] = process
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_running(url, timeout=1.0):
            _checked(settings, url)  # another checkout's emulator may have won the port
            # The emulator's own pid: on Windows a venv's python.exe is a launcher whose
            # child is the real interpreter, so Popen's pid is not the one to stop.
            served = served_emulator(url)
            pid = served.pid if served is not None and served.pid else process.pid
            (data_dir / PID_FILE).write_text(str(pid))
            return url
        if process.poll() is not None:
            # Lost a race with another kernel starting it at the same moment: fine.
            if is_running(url, timeout=1.0):
                return _checked(settings, url)
            raise RuntimeError(
                f"the local DICOM emulator exited (code {process.returncode}); is port "
                f"{settings.emulator_port} taken? Set DICOM_EMULATOR_PORT to another port. "
                f"Its log ({log_path}) ends with:\n{_tail(log_path)}")
        time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"the local DICOM emulator did not answer {url}/health/check within "
                       f"{timeout:.0f} s; its log ({log_path}) ends with:\n{_tail(log_path)}")


def _checked(settings: Settings, url: str) -> str:
    """``url`` when its emulator serves this checkout's data dir; else explain and refuse."""
    served = served_emulator(url)
    if served is not None and not served.serves(settings.emulator_data_dir):
        raise ForeignEmulatorError(foreign_message(settings, served))
    return url


def stop_emulator(settings: Settings, timeout: float = 10.0) -> bool:
    """Stop this checkout's emulator (the data stays; ``make reset`` also wipes it).

    The process to stop is the one the emulator at the settings' port names as itself,
    when it serves this data dir, or else the pid file's, if that pid still runs the
    emulator: a stale pid file whose pid now belongs to another program never gets that
    program signalled. Another checkout's emulator on the port is left alone.

    Parameters
    ----------
    settings : Settings
        Selects the port and the data folder holding the pid file.
    timeout : float
        Seconds to wait for a clean exit before killing it.

    Returns
    -------
    bool
        True when a running emulator was stopped; False when there was none.
    """
    _reap()
    pid_file = settings.emulator_data_dir / PID_FILE
    served = served_emulator(emulator_url(settings))
    pids = []
    if served is not None and served.pid and served.serves(settings.emulator_data_dir):
        pids.append(served.pid)
    if pid_file.is_file():
        text = pid_file.read_text().strip()
        pid_file.unlink()
        if text.isdigit() and int(text) not in pids:
            pids.append(int(text))
    found = [pid for pid in pids if is_process_of(pid, MARKER)]
    for pid in found:
        terminate(pid)
    running, deadline = found, time.monotonic() + timeout
    while running and time.monotonic() < deadline:
        time.sleep(0.1)
        _reap()  # our own child would stay a zombie otherwise (which counts as gone)
        running = [pid for pid in running if is_process_of(pid, MARKER)]
    for pid in running:
        force_kill(pid)
    for pid in pids:
        started = _STARTED.pop(pid, None)
        if started is not None:
            started.wait(timeout)
    return bool(found)


def _tail(path: Path, lines: int = 15) -> str:
    """The end of the emulator's log, quoted in errors so the cause is in sight."""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
