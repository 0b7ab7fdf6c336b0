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
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from helpers.config import PROJECT_ROOT, Settings

__all__ = ["LOG_FILE", "PID_FILE", "emulator_url", "ensure_emulator", "is_running",
           "stop_emulator"]

HOST = "127.0.0.1"
PID_FILE = "emulator.pid"
LOG_FILE = "emulator.log"
_STARTED: dict[int, subprocess.Popen[bytes]] = {}


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


def ensure_emulator(settings: Settings, timeout: float = 60.0) -> str:
    """Return the URL of the local emulator, starting it first when nothing answers.

    An emulator already listening on ``DICOM_EMULATOR_PORT`` is reused as it is (also
    one started with ``make serve``).

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
    RuntimeError
        The emulator exited or did not become healthy; the message quotes its log.
    """
    url = emulator_url(settings)
    if is_running(url):
        return url
    data_dir = settings.emulator_data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / LOG_FILE
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "dicom_emulator", "serve", "--host", HOST,
             "--port", str(settings.emulator_port), "--data-dir", str(data_dir)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT,
            # Its own session: a kernel interrupt or restart (a signal to the kernel's
            # process group) must not stop the service other notebooks are using.
            start_new_session=True,
        )
    # Kept so that it is reaped when stopped from this process, and so that the Popen
    # object is not collected (with a ResourceWarning) while the service runs on.
    _STARTED[process.pid] = process
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_running(url, timeout=1.0):
            (data_dir / PID_FILE).write_text(str(process.pid))
            return url
        if process.poll() is not None:
            # Lost a race with another kernel starting it at the same moment: fine.
            if is_running(url, timeout=1.0):
                return url
            raise RuntimeError(
                f"the local DICOM emulator exited (code {process.returncode}); is port "
                f"{settings.emulator_port} taken? Set DICOM_EMULATOR_PORT to another port. "
                f"Its log ({log_path}) ends with:\n{_tail(log_path)}")
        time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"the local DICOM emulator did not answer {url}/health/check within "
                       f"{timeout:.0f} s; its log ({log_path}) ends with:\n{_tail(log_path)}")


def stop_emulator(settings: Settings, timeout: float = 10.0) -> bool:
    """Stop the emulator this module started for ``settings`` (found by its pid file).

    Parameters
    ----------
    settings : Settings
        Selects the data folder holding the pid file.
    timeout : float
        Seconds to wait for a clean exit before killing it.

    Returns
    -------
    bool
        True when a running emulator was stopped; False when there was none.
    """
    pid_file = settings.emulator_data_dir / PID_FILE
    if not pid_file.is_file():
        return False
    pid = int(pid_file.read_text().strip() or 0)
    pid_file.unlink()
    if not pid or not _is_emulator_process(pid):
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _is_emulator_process(pid):
            break
        time.sleep(0.1)
    else:
        os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))
    started = _STARTED.pop(pid, None)
    if started is not None:
        started.wait(timeout)
    return True


def _is_emulator_process(pid: int) -> bool:
    """Whether ``pid`` is alive and (where /proc tells) still our emulator, not a reuse."""
    if Path("/proc").is_dir():
        try:
            text = Path(f"/proc/{pid}/cmdline").read_bytes()
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
        except OSError:
            return False
        # A zombie (exited, not yet reaped by its parent) is no longer running.
        return b"dicom_emulator" in text and state != "Z"
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _tail(path: Path, lines: int = 15) -> str:
    """The end of the emulator's log, quoted in errors so the cause is in sight."""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
