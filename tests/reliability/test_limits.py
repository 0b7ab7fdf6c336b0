"""The HTTP server's limits, live: silent and half-sent requests are closed after the idle
timeout and never crowd out other clients; a client dripping bytes, which re-arms the idle
timeout, gets Kestrel's 408 past the head deadline and the service's 400 below the body's
minimum rate; oversized request lines and headers are refused by uvicorn's h11 parser; a
STOW whose Content-Length is past the limit is refused before its body is sent; a literal
``..`` in a path reads nothing outside the data dir."""

from __future__ import annotations

import http.client
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.support.live_emulator import LiveEmulator, running_emulator

pytestmark = pytest.mark.live
IDLE_TIMEOUT = 1.0
# Past the idle timeout, which must close the silent clients first; the body's minimum
# rate is Kestrel's, 240 bytes/s.
HEADERS_TIMEOUT = 2.0
BODY_GRACE = 2.0
DRIP = 0.5  # seconds between bytes: under the idle timeout, so it never fires


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveEmulator]:
    root = tmp_path_factory.mktemp("limits")
    (root / "canary.txt").write_text("canary-outside-the-data-dir")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DICOM_EMULATOR_IDLE_TIMEOUT", str(IDLE_TIMEOUT))
        patch.setenv("DICOM_EMULATOR_MAX_REQUEST_BYTES", "1000000")
        patch.setenv("DICOM_EMULATOR_REQUEST_HEADERS_TIMEOUT", str(HEADERS_TIMEOUT))
        patch.setenv("DICOM_EMULATOR_MIN_REQUEST_BODY_GRACE", str(BODY_GRACE))
        with running_emulator(root / "emulator", "--auth", "off") as live:
            yield live


def _address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 80


def _closed_by_server(sock: socket.socket) -> bool:
    sock.settimeout(5)
    try:
        return sock.recv(1) == b""
    except TimeoutError:  # still open (an OSError too: caught first, or this cannot fail)
        return False
    except OSError:
        return True


def test_silent_and_half_sent_requests_do_not_crowd_out_other_clients(
        emulator: LiveEmulator) -> None:
    address = _address(emulator.url)
    idle = [socket.create_connection(address) for _ in range(300)]
    half = [socket.create_connection(address) for _ in range(50)]
    for sock in half:
        sock.sendall(b"GET /health/check HTTP/1.1\r\nHost: x\r\n")  # no blank line: never done
    slow_body = socket.create_connection(address)
    slow_body.sendall(b"POST /v2/studies HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n"
                      b"Content-Type: application/dicom\r\nContent-Length: 1000\r\n\r\nDICM")
    try:
        # While they hang on, others are served.
        assert requests.get(f"{emulator.url}/health/check", timeout=10).text == "Healthy"
        # And after the idle timeout the server has let every one of them go.
        time.sleep(IDLE_TIMEOUT + 0.5)
        assert all(_closed_by_server(s) for s in idle + half)
        assert _closed_by_server(slow_body)
        assert requests.get(f"{emulator.url}/health/check", timeout=10).text == "Healthy"
    finally:
        for sock in idle + half + [slow_body]:
            sock.close()


def test_a_request_the_app_works_on_is_not_cut_by_the_idle_timeout(
        emulator: LiveEmulator) -> None:
    # A kept-alive connection used again after a pause longer than nothing: still fine.
    session = requests.Session()
    assert session.get(f"{emulator.url}/v2/changefeed", timeout=10).status_code == 200
    assert session.get(f"{emulator.url}/v2/changefeed", timeout=10).status_code == 200


def _drip(sock: socket.socket, limit: float) -> tuple[bytes, float]:
    """Send one byte every ``DRIP`` seconds until the server answers; all it sends until it
    closes the connection, and the seconds until its answer began."""
    sock.settimeout(DRIP)
    started = time.monotonic()
    while time.monotonic() - started < limit:
        try:
            answer = sock.recv(1000)
        except TimeoutError:
            sock.sendall(b"a")
            continue
        took = time.monotonic() - started
        sock.settimeout(5)
        while chunk := sock.recv(1000):  # a timeout here: the server kept the connection
            answer += chunk
        return answer, took
    raise AssertionError(f"no answer in {limit} s")


def test_a_client_dripping_a_head_gets_kestrel_s_408(emulator: LiveEmulator) -> None:
    sock = socket.create_connection(_address(emulator.url))
    try:
        sock.sendall(b"GET /health/check HTTP/1.1\r\nHost: x\r\nX-Drip: ")
        answer, took = _drip(sock, limit=HEADERS_TIMEOUT + 10)
        assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
                                 b"Date: "), answer
        assert answer.endswith(b"\r\nContent-Length: 0\r\n\r\n")
        assert took >= HEADERS_TIMEOUT  # not before its deadline, and past the idle timeout
    finally:
        sock.close()


@pytest.mark.parametrize(("path", "content_type"), [
    ("/v2/studies", "application/dicom"),
    ("/v2/extendedquerytags", "application/json")])
def test_a_client_dripping_a_body_gets_the_service_s_400_and_is_closed(
        emulator: LiveEmulator, path: str, content_type: str) -> None:
    sock = socket.create_connection(_address(emulator.url))
    try:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nAccept: */*\r\nContent-Type: "
                     f"{content_type}\r\nContent-Length: 100000\r\n\r\n".encode())
        answer, took = _drip(sock, limit=BODY_GRACE + 10)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400 Bad Request\r\n"), answer
        assert b"content-type: text/plain; charset=utf-8" in head
        assert body == (b"Reading the request body timed out due to data arriving too slowly. "
                        b"See MinRequestBodyDataRate.")
        assert took >= BODY_GRACE
    finally:
        sock.close()
    assert requests.get(f"{emulator.url}/health/check", timeout=10).text == "Healthy"


@pytest.mark.parametrize(("what", "status"), [("request line", 414), ("header", 431)])
def test_oversized_request_lines_and_headers_get_kestrel_s_status(
        emulator: LiveEmulator, what: str, status: int) -> None:
    big = "a" * 40_000  # past Kestrel's 8 KB request line and 32 KB of headers
    if what == "request line":
        response = requests.get(f"{emulator.url}/v2/studies?PatientName={big}", timeout=10)
    else:
        response = requests.get(f"{emulator.url}/v2/studies", headers={"X-Big": big}, timeout=10)
    assert (response.status_code, response.content) == (status, b"")
    assert requests.get(f"{emulator.url}/health/check", timeout=10).text == "Healthy"


def test_heads_past_what_h11_buffers_are_refused_by_uvicorn(emulator: LiveEmulator) -> None:
    sock = socket.create_connection(_address(emulator.url))
    sock.sendall(b"GET /v2/studies HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000)
    answer = sock.recv(200)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 400 ")  # h11's RemoteProtocolError, uvicorn's 400


def test_a_stow_declared_past_the_limit_is_refused_before_its_body_is_sent(
        emulator: LiveEmulator) -> None:
    connection = http.client.HTTPConnection(*_address(emulator.url), timeout=10)
    connection.putrequest("POST", "/v2/studies")
    for name, value in [("Accept", "application/dicom+json"),
                        ("Content-Type", "application/dicom"), ("Content-Length", "5000000")]:
        connection.putheader(name, value)
    connection.endheaders()  # and no body at all: the answer must not wait for it
    response = connection.getresponse()
    assert (response.status, response.read().decode()) == (
        413, "The request exceeded the allowed limit of 1000000 bytes.")
    connection.close()


@pytest.mark.parametrize("path", ["/v2/studies/../../canary.txt",
                                  "/v2/studies/..%2f..%2fcanary.txt",
                                  "/v2/studies/1.2/series/..\\..\\canary.txt/metadata",
                                  "/v2/extendedquerytags/..%2F..%2Fcanary.txt",
                                  "/../../canary.txt", "/v2/studies/1.2%00/metadata"])
def test_literal_traversal_in_paths_reads_nothing_outside_the_data_dir(
        emulator: LiveEmulator, path: str) -> None:
    connection = http.client.HTTPConnection(*_address(emulator.url), timeout=10)
    connection.request("GET", path, headers={"Accept": "*/*"})  # sent as written, no normalizing
    response = connection.getresponse()
    body = response.read()
    connection.close()
    assert response.status in (400, 404, 406)
    assert b"canary" not in body
    assert Path(emulator.data_dir).is_dir()
