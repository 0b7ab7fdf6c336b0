"""What a running emulator writes to its log, and where it agrees to listen.

The log has one line per request with a correlation id and the status, and never a
token, a client secret or a query value. Listening beyond loopback takes
``--allow-remote`` (and ``--auth off`` there also ``--force``), with a warning; the admin
API still answers only loopback clients that used a loopback name.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from dicom_emulator.launcher import launch
from tests.support.live_emulator import stop_emulator
from tests.support.paths import REPO
from tests.support.tokens import DICOM_SCOPE

pytestmark = pytest.mark.live
ACCESS_LINE = re.compile(r"^INFO dicom_emulator\.access: ([0-9a-f]{32}) (\w+) (\S+) (\d{3}) ")


def test_the_log_has_an_id_and_status_per_request_and_no_secret(tmp_path: Path) -> None:
    log_path = tmp_path / "emulator.log"
    with open(log_path, "wb") as log:
        process, url = launch(tmp_path / "emulator", stderr=log, cwd=REPO)
        try:
            app = requests.post(f"{url}/admin/identity/service-principals", timeout=30,
                                json={"displayName": "logged"}).json()
            requests.post(f"{url}/admin/identity/role-assignments", timeout=30,
                          json={"assignee": app["appId"], "role": "DICOM Data Owner"})
            token = requests.post(f"{url}/{app['tenant']}/oauth2/v2.0/token", timeout=30, data={
                "grant_type": "client_credentials", "client_id": app["appId"],
                "client_secret": app["password"], "scope": DICOM_SCOPE}).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            assert requests.get(f"{url}/v2/changefeed?limit=7", headers=auth,
                                timeout=30).status_code == 200
            assert requests.get(f"{url}/v2/changefeed", timeout=30).status_code == 401
            assert requests.get(f"{url}/v2/studies?PatientName=secret-query-value",
                                headers={**auth, "Accept": "*/*"}, timeout=30).status_code == 204
        finally:
            stop_emulator(process)
    text = log_path.read_text()
    for secret in (token, token.split(".")[1], app["password"], "secret-query-value"):
        assert secret not in text
    lines = [m.groups() for m in map(ACCESS_LINE.match, text.splitlines()) if m]
    assert ("GET", "/v2/changefeed", "200") in [g[1:] for g in lines]
    assert ("GET", "/v2/changefeed", "401") in [g[1:] for g in lines]
    assert len({g[0] for g in lines}) == len(lines)  # one id per request


def _serve(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dicom_emulator", "--data-dir",
                           str(tmp_path / "e"), "serve", "--port", "0", *args],
                          capture_output=True, text=True, timeout=60, cwd=REPO)


def test_listening_beyond_loopback_needs_a_flag(tmp_path: Path) -> None:
    refused = _serve(tmp_path, "--host", "0.0.0.0")
    assert refused.returncode == 2
    assert "refusing to listen on 0.0.0.0: only loopback by default; pass --allow-remote" in \
        refused.stderr


def test_auth_off_beyond_loopback_needs_force_as_well(tmp_path: Path) -> None:
    refused = _serve(tmp_path, "--host", "0.0.0.0", "--allow-remote", "--auth", "off")
    assert refused.returncode == 2
    assert "refusing to listen on 0.0.0.0 with --auth off" in refused.stderr


def _machine_address() -> str | None:
    """An address of this machine that is not loopback (None if it has none)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 1))
        address = str(probe.getsockname()[0])
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") else address


def test_a_remote_emulator_warns_and_keeps_the_admin_api_on_loopback(tmp_path: Path) -> None:
    address = _machine_address()
    if address is None:
        pytest.skip("this machine has no address but loopback")
    log_path = tmp_path / "emulator.log"
    with open(log_path, "wb") as log:
        process, url = launch(tmp_path / "e", "--host", "0.0.0.0", "--allow-remote",
                              stderr=log, cwd=REPO)
        try:
            port = url.rsplit(":", 1)[1]
            remote = f"http://{address}:{port}"
            admin = requests.get(f"{remote}/admin/identity", timeout=30)
            named = requests.get(f"http://127.0.0.1:{port}/admin/identity", timeout=30,
                                 headers={"Host": f"{address}:{port}"})
            local = requests.get(f"http://127.0.0.1:{port}/admin/identity", timeout=30)
            dicom = requests.get(f"{remote}/v2/changefeed", timeout=30)
        finally:
            stop_emulator(process)
    assert (admin.status_code, named.status_code, local.status_code) == (403, 403, 200)
    assert dicom.status_code == 401
    assert "listening on 0.0.0.0: other machines can reach this emulator" in log_path.read_text()
