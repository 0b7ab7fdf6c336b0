"""azure-identity's own ClientSecretCredential against the emulator, over its HTTPS port,
and the emulator's warning when auth is off."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import ClientSecretCredential
from dicomweb_client import DICOMwebClient
from dicomweb_client.session_utils import create_session_from_auth

from helpers.auth import DICOM_SCOPE, BearerTokenAuth
from helpers.config import Secret, Settings
from helpers.service import make_credential
from tests.support.datasets import make_dataset
from tests.support.live_emulator import LiveEmulator
from tests.support.paths import REPO

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def https_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """An emulator serving HTTP and HTTPS; yields both origins and the CA file."""
    data_dir = tmp_path_factory.mktemp("https")
    process = subprocess.Popen(
        [sys.executable, "-m", "dicom_emulator", "serve", "--port", "0", "--https-port", "0",
         "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert process.stdout is not None
    ready, https = process.stdout.readline(), process.stdout.readline()
    try:
        assert "ready at" in ready and https.startswith("HTTPS at "), (ready, https)
        yield {"url": ready.split()[-1], "https": https.split()[2],
               "ca": str(data_dir / "tls" / "ca.pem"), "data_dir": str(data_dir)}
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def owner(https_emulator: dict[str, str]) -> dict[str, str]:
    url = https_emulator["url"]
    app = requests.post(f"{url}/admin/identity/service-principals", timeout=30,
                        json={"displayName": "https-owner"}).json()
    requests.post(f"{url}/admin/identity/role-assignments", timeout=30,
                  json={"assignee": app["appId"], "role": "DICOM Data Owner"}).raise_for_status()
    return app  # type: ignore[no-any-return]


def test_client_secret_credential_through_the_helpers(https_emulator: dict[str, str],
                                                      owner: dict[str, str]) -> None:
    """DICOM_AUTH=client-secret with the standard AZURE_* names, no service URL."""
    port = int(https_emulator["url"].rsplit(":", 1)[1])
    settings = Settings(auth="client-secret", emulator_port=port, tenant_id=owner["tenant"],
                        client_id=owner["appId"], client_secret=Secret(owner["password"]),
                        emulator_data_dir=Path(https_emulator["data_dir"]))
    credential = make_credential(settings)
    assert isinstance(credential, ClientSecretCredential)
    auth = BearerTokenAuth(credential)
    client = DICOMwebClient(url=f"{https_emulator['url']}/v2",
                            session=create_session_from_auth(auth))
    ds = make_dataset(PatientID="HTTPS-CRED")
    with credential:  # closes its HTTPS connection (an idle one slows the server's exit)
        client.store_instances([ds])
        assert client.search_for_studies(search_filters={"PatientID": "HTTPS-CRED"})


def test_the_https_port_serves_the_api_too(https_emulator: dict[str, str],
                                           owner: dict[str, str]) -> None:
    credential = ClientSecretCredential(
        owner["tenant"], owner["appId"], owner["password"], authority=https_emulator["https"],
        disable_instance_discovery=True, connection_verify=https_emulator["ca"])
    with credential:
        token = credential.get_token(DICOM_SCOPE).token
    response = requests.get(f"{https_emulator['https']}/v2/changefeed", timeout=30,
                            verify=https_emulator["ca"],
                            headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_verification_is_never_weakened(https_emulator: dict[str, str],
                                        owner: dict[str, str]) -> None:
    untrusted = ClientSecretCredential(owner["tenant"], owner["appId"], owner["password"],
                                       authority=https_emulator["https"],
                                       disable_instance_discovery=True, retry_total=0)
    with pytest.raises(ClientAuthenticationError, match="CERTIFICATE_VERIFY_FAILED"):
        untrusted.get_token(DICOM_SCOPE)
    with pytest.raises(ValueError, match="https"):  # azure-identity refuses plain HTTP
        ClientSecretCredential(owner["tenant"], owner["appId"], owner["password"],
                               authority=https_emulator["url"])


def test_a_bad_secret_reads_as_on_azure(https_emulator: dict[str, str],
                                        owner: dict[str, str]) -> None:
    credential = ClientSecretCredential(
        owner["tenant"], owner["appId"], "not-the-secret", authority=https_emulator["https"],
        disable_instance_discovery=True, connection_verify=https_emulator["ca"])
    with credential, pytest.raises(ClientAuthenticationError, match="AADSTS7000215"):
        credential.get_token(DICOM_SCOPE)


def test_without_https_the_helpers_say_how_to_enable_it(live_emulator_auth: LiveEmulator,
                                                        tmp_path: Path) -> None:
    port = int(live_emulator_auth.url.rsplit(":", 1)[1])
    settings = Settings(auth="client-secret", emulator_port=port, tenant_id="t", client_id="c",
                        client_secret=Secret("s"),
                        emulator_data_dir=live_emulator_auth.data_dir)
    with pytest.raises(RuntimeError, match="--https-port"):
        make_credential(settings)


@pytest.mark.slow  # a graceful shutdown that closes an idle TLS connection takes seconds
def test_shutdown_with_an_idle_https_client(tmp_path: Path) -> None:
    """An idle TLS keep-alive connection must not hold SIGTERM up (asyncio waits 30 s)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "dicom_emulator", "serve", "--port", "0", "--https-port", "0",
         "--data-dir", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO)
    assert process.stdout is not None
    process.stdout.readline()
    https = process.stdout.readline().split()[2]
    with requests.Session() as idle:
        assert idle.get(f"{https}/health/check", verify=str(tmp_path / "tls" / "ca.pem"),
                        timeout=30).status_code == 200
        process.terminate()
        assert process.wait(timeout=20) == 0


def test_auth_off_says_so_in_the_log(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "dicom_emulator", "serve", "--port", "0", "--auth", "off",
         "--data-dir", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    assert process.stdout is not None
    url = process.stdout.readline().split()[-1]
    try:
        assert requests.get(f"{url}/v2/changefeed", timeout=30).status_code == 200
    finally:
        process.terminate()
        _, log = process.communicate(timeout=20)
    assert "auth is OFF" in log
