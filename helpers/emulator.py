"""Start, find and stop the local emulator of the DICOM service.

The emulator runs as its own process (``python -m dicom_emulator serve``), detached from
the notebook kernel, so an interrupted or restarted kernel does not take the service
down and every notebook (each in its own kernel) shares one service. It keeps running
until ``python -m helpers.emulator stop`` or ``make reset``. This module never imports
``dicom_emulator``: the client side talks to it only over HTTP, as it would to Azure.

Command line: ``python -m helpers.emulator {start,stop,status}`` (settings as usual).

:func:`ensure_workshop_app` provisions the app the notebooks authenticate as (the
``DICOM Data Owner`` role, its secret kept in the data folder, which git ignores), so
notebooks just work with auth on while notebook 00 still shows each step by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from helpers.config import DICOM_SCOPE, PROJECT_ROOT, Settings, load_settings

__all__ = ["emulator_cli", "emulator_url", "ensure_emulator", "ensure_workshop_app", "is_running",
           "stop_emulator"]

HOST = "127.0.0.1"
PID_FILE = "emulator.pid"
LOG_FILE = "emulator.log"
WORKSHOP_APP_FILE = "workshop-app.json"
WORKSHOP_APP_NAME = "dicom-workshop"
WORKSHOP_APP_ROLE = "DICOM Data Owner"
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


def ensure_workshop_app(settings: Settings, url: str) -> dict[str, str]:
    """The workshop app's credentials, provisioned with the Owner role when needed.

    The first call registers the app ``dicom-workshop`` on the emulator at ``url``,
    assigns it ``DICOM Data Owner`` and keeps what ``create-for-rbac`` printed in
    ``<data dir>/workshop-app.json`` (readable only by you). Later calls reuse that while
    it still gets a token; after ``make reset``, or if the secret was replaced, the app is
    provisioned again. Kernels calling it at the same time agree on one app.

    Parameters
    ----------
    settings : Settings
        Selects the data folder that keeps the credentials.
    url : str
        The emulator's root URL, e.g. ``http://127.0.0.1:8080``.

    Returns
    -------
    dict
        ``appId``, ``displayName``, ``password`` and ``tenant``, as the Azure CLI prints.

    Raises
    ------
    RuntimeError
        The emulator refused to manage apps (its admin API answers only on loopback).
    """
    path = settings.emulator_data_dir / WORKSHOP_APP_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    admin = f"{url}/admin/identity"
    with _locked(path.with_name(WORKSHOP_APP_FILE + ".lock")):
        app = _read_app(path)
        if app is None or not _gets_token(url, app):
            app = _admin("POST", f"{admin}/service-principals",
                         {"displayName": WORKSHOP_APP_NAME})
            _write_private(path, json.dumps(app, indent=2))
        # Every time: a lesson may have removed it, and the notebooks need it.
        _admin("POST", f"{admin}/role-assignments",
               {"assignee": app["appId"], "role": WORKSHOP_APP_ROLE}, ok=(201, 409))
    return app


def emulator_cli(settings: Settings, *args: str) -> Any:
    """Run the emulator's Azure-CLI-like command on the settings' data folder.

    ``emulator_cli(settings, "ad", "sp", "create-for-rbac", "--display-name", "x")`` is
    the local twin of ``az ad sp create-for-rbac --display-name x``; ``"role",
    "assignment", "create", ...`` of ``az role assignment create ...``. A running
    emulator sees the change on its next request.

    Returns
    -------
    object
        The command's JSON output, parsed (None when it printed nothing).

    Raises
    ------
    RuntimeError
        The command failed; the message is its error output.
    """
    done = subprocess.run(
        [sys.executable, "-m", "dicom_emulator", "--data-dir", str(settings.emulator_data_dir),
         *args], capture_output=True, text=True, cwd=PROJECT_ROOT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"python -m dicom_emulator {' '.join(args)} failed: "
                           f"{done.stderr.strip()}")
    return json.loads(done.stdout) if done.stdout.strip() else None


def _read_app(path: Path) -> dict[str, str] | None:
    try:
        app = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return None
    complete = isinstance(app, dict) and all(
        isinstance(app.get(key), str) for key in ("appId", "password", "tenant"))
    return app if complete else None


def _gets_token(url: str, app: dict[str, str]) -> bool:
    """Whether the stored app still works here (same tenant, app known, same secret)."""
    response = requests.post(f"{url}/{app['tenant']}/oauth2/v2.0/token", timeout=30, data={
        "grant_type": "client_credentials", "client_id": app["appId"],
        "client_secret": app["password"], "scope": DICOM_SCOPE})
    if response.status_code in (400, 401):  # unknown tenant or app, or a replaced secret
        return False
    response.raise_for_status()
    return True


def _admin(method: str, url: str, body: dict[str, str], ok: tuple[int, ...] = (201,),
           ) -> dict[str, Any]:
    response = requests.request(method, url, json=body, timeout=30)
    if response.status_code == 403:
        raise RuntimeError(f"{url} refused to register the workshop app: the emulator's "
                           "admin API answers only on this machine's loopback address. Create "
                           "an app with 'python -m dicom_emulator ad sp create-for-rbac' where "
                           "the emulator runs, and give its credentials to EmulatorCredential.")
    if response.status_code not in ok:
        response.raise_for_status()
    return response.json()  # type: ignore[no-any-return]


def _write_private(path: Path, text: str) -> None:
    """Write atomically, readable only by the owner (mkstemp creates files as 0600)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` across processes (several kernels, one app)."""
    with path.open("a+b") as handle:
        if os.name == "nt":
            import msvcrt

            msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]
            try:
                yield
            finally:
                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
        else:
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _tail(path: Path, lines: int = 15) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.emulator",
                                     description="Manage the local DICOM service emulator.")
    parser.add_argument("command", choices=["start", "stop", "status"])
    args = parser.parse_args(argv)
    settings = load_settings()
    url = emulator_url(settings)
    if args.command == "start":
        print(f"emulator ready at {ensure_emulator(settings)}")
    elif args.command == "stop":
        print("emulator stopped" if stop_emulator(settings) else "no emulator was running "
              f"from {settings.emulator_data_dir}")
    else:
        running = is_running(url)
        print(f"{url}: {'running' if running else 'not running'}")
        return 0 if running else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
