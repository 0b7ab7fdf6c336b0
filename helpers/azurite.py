"""Azurite, Microsoft's local Azure Storage emulator: the storage account export writes to.

Installed from npm into ``azurite/node_modules`` (``npm ci --prefix azurite``; ``make test``
does it), started on demand on 127.0.0.1 like the DICOM emulator (detached, data in
``AZURITE_DATA_DIR``, a pid file and a log there) and stopped by ``make reset``.

It holds two accounts whose keys the kit makes once per data dir: ``kitexport``, the one
the emulator's managed identity may write to (the emulator is given its key at start, as
the DICOM service's identity holds *Storage Blob Data Contributor* on one account), and
``elsewhere``, an account that identity has no role on.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from helpers._platform import detached_popen_kwargs, force_kill, is_process_of, terminate
from helpers.config import PROJECT_ROOT, Settings

__all__ = ["ACCOUNT", "OTHER_ACCOUNT", "AzuriteMissingError", "StorageAccount",
           "azurite_command", "ensure_azurite", "start_azurite", "stop_azurite", "stop_process",
           "storage_accounts", "storage_credential"]

HOST = "127.0.0.1"
ACCOUNT = "kitexport"
OTHER_ACCOUNT = "elsewhere"
ACCOUNTS_FILE = "accounts.json"
PID_FILE = "azurite.pid"
LOG_FILE = "azurite.log"
MARKER = "azurite"
_LISTENS = re.compile(r"successfully listens on (http://\S+)")
INSTALL_HINT = ("Azurite is not installed: install Node.js 20 or later (https://nodejs.org), "
                "then run `npm ci --prefix azurite` in the kit's folder (`make test` does it "
                "too).")


class AzuriteMissingError(RuntimeError):
    """``azurite/node_modules`` has no Azurite (npm was not run, or there is no npm)."""


@dataclass(frozen=True)
class StorageAccount:
    """One Azurite account: its name, key and blob endpoint (path-style on loopback)."""

    name: str
    key: str
    blob_endpoint: str

    @property
    def connection_string(self) -> str:
        return (f"DefaultEndpointsProtocol=http;AccountName={self.name};"
                f"AccountKey={self.key};BlobEndpoint={self.blob_endpoint};")

    def __repr__(self) -> str:  # never show the key
        return f"StorageAccount(name={self.name!r}, blob_endpoint={self.blob_endpoint!r})"


def azurite_command() -> Path:
    """The ``azurite-blob`` launcher npm installed."""
    name = "azurite-blob.cmd" if sys.platform == "win32" else "azurite-blob"
    return PROJECT_ROOT / "azurite" / "node_modules" / ".bin" / name


def _keys(data_dir: Path) -> dict[str, str]:
    """The accounts' keys, made once per data dir (mode 600: they are secrets)."""
    path = data_dir / ACCOUNTS_FILE
    if not path.is_file():
        data_dir.mkdir(parents=True, exist_ok=True)
        made = {name: base64.b64encode(secrets.token_bytes(64)).decode()
                for name in (ACCOUNT, OTHER_ACCOUNT)}
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(made), encoding="utf-8")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    keys: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return keys


def storage_accounts(data_dir: Path, url: str) -> dict[str, StorageAccount]:
    """The accounts of the Azurite at ``url`` (e.g. ``http://127.0.0.1:10000``)."""
    return {name: StorageAccount(name, key, f"{url}/{name}")
            for name, key in _keys(data_dir).items()}


def storage_credential(data_dir: Path) -> str:
    """``account:key`` of the account the emulator's managed identity may write to."""
    return f"{ACCOUNT}:{_keys(data_dir)[ACCOUNT]}"


def _environment(data_dir: Path) -> dict[str, str]:
    accounts = ";".join(f"{name}:{key}" for name, key in _keys(data_dir).items())
    return {**os.environ, "AZURITE_ACCOUNTS": accounts}


def is_azurite(url: str, timeout: float = 2.0) -> bool:
    """Whether Azurite's blob service answers at ``url`` (its ``Server`` header says so)."""
    try:
        response = requests.get(f"{url}/{ACCOUNT}?comp=list", timeout=timeout)
    except requests.ConnectionError:
        return False
    return response.headers.get("Server", "").startswith("Azurite-Blob")


def start_azurite(data_dir: Path, port: int, timeout: float = 60.0,
                  detached: bool = False) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``azurite-blob`` on 127.0.0.1 (port 0: a free one); returns (process, URL).

    Raises
    ------
    AzuriteMissingError
        Azurite is not installed (the message says how to install it).
    RuntimeError
        It exited or did not say where it listens in time; the message quotes its log.
    """
    command = azurite_command()
    if not command.exists():
        raise AzuriteMissingError(INSTALL_HINT)
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / LOG_FILE
    start = log_path.stat().st_size if log_path.exists() else 0
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [str(command), "--blobHost", HOST, "--blobPort", str(port),
             "--location", str(data_dir / "data"), "--skipApiVersionCheck", "--silent"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            env=_environment(data_dir), **(detached_popen_kwargs() if detached else {}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with log_path.open("rb") as f:
            f.seek(start)
            found = _LISTENS.search(f.read().decode(errors="replace"))
        if found:
            return process, found.group(1)
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.terminate()
    tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-10:])
    raise RuntimeError(f"Azurite did not start (port {port} taken?); its log "
                       f"({log_path}) ends with:\n{tail}")


def stop_process(process: subprocess.Popen[bytes], timeout: float = 3.0) -> None:
    """Stop an Azurite we started: Ctrl+C (its clean shutdown), then kill if it lingers
    (it waits for open keep-alive connections)."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT if sys.platform != "win32" else signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)


def ensure_azurite(settings: Settings) -> str:
    """The URL of this checkout's Azurite, started first when nothing answers there."""
    url = f"http://{HOST}:{settings.azurite_port}"
    if is_azurite(url):
        return url
    process, url = start_azurite(settings.azurite_data_dir, settings.azurite_port,
                                 detached=True)
    (settings.azurite_data_dir / PID_FILE).write_text(str(process.pid))
    print(f"Azurite (local Azure Blob Storage) listens at {url}; data in "
          f"{settings.azurite_data_dir}; `make reset` stops it")
    return url


def stop_azurite(settings: Settings, timeout: float = 10.0) -> bool:
    """Stop the Azurite this checkout started (its pid file's, if that pid runs Azurite)."""
    pid_file = settings.azurite_data_dir / PID_FILE
    if not pid_file.is_file():
        return False
    text = pid_file.read_text().strip()
    pid_file.unlink()
    if not text.isdigit() or not is_process_of(int(text), MARKER):
        return False
    pid = int(text)
    terminate(pid)
    deadline = time.monotonic() + timeout
    while is_process_of(pid, MARKER) and time.monotonic() < deadline:
        time.sleep(0.1)
    if is_process_of(pid, MARKER):
        force_kill(pid)
    return True
