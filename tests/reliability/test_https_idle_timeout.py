"""The idle timeout on the HTTPS port too (``serve --https-port``): a client that finished
its TLS handshake and then went silent, or stopped mid-request, is closed."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests

from tests.support.paths import REPO

pytestmark = pytest.mark.live
IDLE_TIMEOUT = 1.0


@pytest.fixture(scope="module")
def https(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """An emulator with an HTTPS port and a short idle timeout: its HTTPS origin and CA."""
    data_dir = tmp_path_factory.mktemp("https-idle")
    process = subprocess.Popen(
        [sys.executable, "-m", "dicom_emulator", "serve", "--port", "0", "--https-port", "0",
         "--auth", "off", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1",
             "DICOM_EMULATOR_IDLE_TIMEOUT": str(IDLE_TIMEOUT)})
    assert process.stdout is not None
    ready, announced = process.stdout.readline(), process.stdout.readline()
    try:
        assert "ready at" in ready and announced.startswith("HTTPS at "), (ready, announced)
        yield announced.split()[2], str(data_dir / "tls" / "ca.pem")
    finally:
        process.terminate()
        process.wait(timeout=20)


def _tls_connection(origin: str, ca: str) -> ssl.SSLSocket:
    parts = urlsplit(origin)
    host, port = parts.hostname or "127.0.0.1", parts.port or 443
    context = ssl.create_default_context(cafile=ca)
    return context.wrap_socket(socket.create_connection((host, port)), server_hostname=host)


def _closed_by_server(sock: ssl.SSLSocket) -> bool:
    sock.settimeout(5)  # the idle timeout is 1 s: a connection still open after 5 s is not
    try:
        return sock.recv(1) == b""
    except TimeoutError:
        return False
    except OSError:  # a reset, or an EOF without close_notify: closed all the same
        return True


def test_silent_and_half_sent_https_requests_are_closed(https: tuple[str, str]) -> None:
    origin, ca = https
    silent = _tls_connection(origin, ca)  # handshake done, then nothing
    half = _tls_connection(origin, ca)
    half.sendall(b"GET /health/check HTTP/1.1\r\nHost: x\r\n")  # the head never ends
    try:
        time.sleep(IDLE_TIMEOUT + 0.5)
        assert _closed_by_server(silent)
        assert _closed_by_server(half)
        # The server still answers, and a request it works on is not cut.
        assert requests.get(f"{origin}/health/check", verify=ca, timeout=10).text == "Healthy"
    finally:
        silent.close()
        half.close()
