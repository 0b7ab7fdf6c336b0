"""Start and stop the servers under test: the emulator and Orthanc, as local processes.

Both listen on 127.0.0.1 only, without auth, with their storage in a folder the caller
owns (a temp dir). Each is a context manager that stops its process even on failure.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from dicom_emulator.launcher import LaunchError, launch

ORTHANC_PLUGIN = Path("/usr/share/orthanc/plugins/libOrthancDicomWeb.so")
ORTHANC_INSTALL = "apt-get update && apt-get install -y orthanc orthanc-dicomweb"
START_TIMEOUT = 60.0


@dataclass
class Server:
    """A running server: its DICOMweb base URL and its process."""

    name: str
    base: str
    process: subprocess.Popen[bytes]
    ready_seconds: float

    def peak_rss_mb(self) -> float:
        """The process's peak resident set size (VmHWM) so far, in MB."""
        return self._status_mb("VmHWM:")

    def rss_mb(self) -> float:
        """The process's resident set size (VmRSS) now, in MB."""
        return self._status_mb("VmRSS:")

    def _status_mb(self, key: str) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kib = next(line.split()[1] for line in status.splitlines() if line.startswith(key))
        return int(kib) / 1024

    def cpu_seconds(self) -> float:
        """User and system CPU time the process has used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ServerError(RuntimeError):
    """A server did not start or failed while running."""


def stop_on_sigterm() -> None:
    """Make SIGTERM exit through ``finally`` blocks, so servers and temp dirs are cleaned up."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def orthanc_missing() -> str | None:
    """None when Orthanc and its DICOMweb plugin are installed, else what to run."""
    if shutil.which("Orthanc") and ORTHANC_PLUGIN.exists():
        return None
    return ORTHANC_INSTALL


def say_if_orthanc_missing() -> bool:
    """True (after saying what to install, on stderr) when Orthanc is not installed."""
    missing = orthanc_missing()
    if missing:
        print(f"Orthanc and its DICOMweb plugin are needed; install them with:\n  {missing}",
              file=sys.stderr)
    return missing is not None


def orthanc_version() -> str:
    """The installed Debian versions of Orthanc and its DICOMweb plugin."""
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Version}\\n",
                          "orthanc", "orthanc-dicomweb"],
                         capture_output=True, text=True, check=True).stdout
    return ", ".join(out.split("\n")).strip(", ")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def _log_tail(log: Path) -> str:
    return log.read_text(errors="replace")[-2000:] if log.exists() else ""


@contextmanager
def emulator(data_dir: Path, tree: Path | None = None) -> Iterator[Server]:
    """``python -m dicom_emulator serve --port 0`` on ``data_dir``, auth off; the code of
    the checkout ``tree`` when given (``-m`` imports from the working directory first), to
    measure an earlier commit with today's benchmark.

    ``ready_seconds`` is the time from the process start to its "ready at URL" line.
    """
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    log = data_dir.parent / f"{data_dir.name}.log"
    started = time.perf_counter()
    with open(log, "wb") as stderr:
        try:
            process, url = launch(data_dir, "--auth", "off", stderr=stderr,
                                  timeout=START_TIMEOUT, cwd=tree)
        except LaunchError as exc:
            raise ServerError(f"{exc}\n{_log_tail(log)}") from None
    ready = time.perf_counter() - started
    try:
        yield Server("emulator", url + "/v2", process, ready)
    finally:
        _stop(process)


def _orthanc_config(work_dir: Path, port: int) -> dict[str, object]:
    return {
        "Name": "bench",
        "StorageDirectory": str(work_dir / "storage"),
        "IndexDirectory": str(work_dir / "index"),
        "TemporaryDirectory": str(work_dir / "tmp"),
        "StorageCompression": False,
        "HttpPort": port,
        "RemoteAccessAllowed": False,
        "AuthenticationEnabled": False,
        "DicomServerEnabled": False,
        "Plugins": [str(ORTHANC_PLUGIN)],
        "DicomWeb": {"Enable": True, "Root": "/dicom-web/", "EnableWado": False},
    }


@contextmanager
def orthanc(work_dir: Path) -> Iterator[Server]:
    """Orthanc with the DICOMweb plugin, its own config and storage under ``work_dir``.

    Everything not set here keeps Orthanc's defaults (fsync of stored files, SQLite index,
    "StorageAccessOnFind": "Always", a 128 MB storage cache).
    """
    missing = orthanc_missing()
    if missing:
        raise ServerError(f"Orthanc is not installed; install it with: {missing}")
    work_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = work_dir / "orthanc.json"
    config.write_text(json.dumps(_orthanc_config(work_dir, port), indent=2))
    log = work_dir / "orthanc.log"
    started = time.perf_counter()
    with open(log, "wb") as output:
        process = subprocess.Popen(["Orthanc", str(config)], stdout=output,
                                   stderr=subprocess.STDOUT)
    try:
        root = f"http://127.0.0.1:{port}"
        deadline = started + START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise ServerError(f"Orthanc exited with {process.returncode}\n{_log_tail(log)}")
            try:
                if requests.get(f"{root}/system", timeout=5).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.perf_counter() > deadline:
                raise ServerError(f"Orthanc not ready in {START_TIMEOUT} s\n{_log_tail(log)}")
            time.sleep(0.02)
        ready = time.perf_counter() - started
        yield Server("Orthanc", f"{root}/dicom-web", process, ready)
    finally:
        _stop(process)


# A server that answers every request at once with a fixed 200 (argv: the body's size):
# what is left of a latency there is the client's own cost and the loopback (asyncio, one
# process, keep-alive).
_NULL_SERVER = r"""
import asyncio, sys
size = int(sys.argv[1])
ANSWER = (b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
          b"Content-Length: %d\r\n\r\n" % size) + b"0" * size
class Answer(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport, self.buffer = transport, b""
    def data_received(self, data):
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:  # the bench's GETs have no body
            _, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            self.transport.write(ANSWER)
async def main():
    server = await asyncio.get_running_loop().create_server(Answer, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()
asyncio.run(main())
"""


@contextmanager
def null_server(body_size: int = 2) -> Iterator[Server]:
    """A server that does no work (``floor``), answering ``body_size`` bytes to any GET:
    the ceiling the bench's client puts on every server."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", _NULL_SERVER, str(body_size)],
                               stdout=subprocess.PIPE)
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        yield Server("floor", f"http://127.0.0.1:{port}", process, time.perf_counter() - started)
    finally:
        _stop(process)
