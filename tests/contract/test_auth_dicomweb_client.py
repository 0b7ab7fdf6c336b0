"""Contract tests: the real dicomweb-client, authenticated as a workshop participant would be,
against live emulator processes with auth on (the default)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import requests
from dicomweb_client import DICOMwebClient
from dicomweb_client.session_utils import create_session_from_auth
from pydicom.uid import generate_uid

from helpers import make_client
from helpers.auth import DICOM_SCOPE, BearerTokenAuth, EmulatorCredential
from helpers.config import Settings
from tests.support.datasets import make_dataset
from tests.support.live_emulator import LiveEmulator, running_emulator
from tests.support.paths import REPO

pytestmark = pytest.mark.live
TOKEN_LIFETIME = 3


@pytest.fixture(scope="module")
def short_tokens(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveEmulator]:
    """An emulator whose tokens live 3 seconds, so a test can outlive several."""
    data_dir = tmp_path_factory.mktemp("short-tokens")
    with running_emulator(data_dir, "--token-lifetime", str(TOKEN_LIFETIME)) as emulator:
        yield emulator


def _app(live: LiveEmulator, name: str, role: str | None = None) -> dict[str, str]:
    app = requests.post(f"{live.url}/admin/identity/service-principals", timeout=30,
                        json={"displayName": name}).json()
    if role is not None:
        requests.post(f"{live.url}/admin/identity/role-assignments", timeout=30,
                      json={"assignee": app["appId"], "role": role}).raise_for_status()
    return app  # type: ignore[no-any-return]


def _client(live: LiveEmulator, app: dict[str, str]) -> tuple[DICOMwebClient, BearerTokenAuth]:
    credential = EmulatorCredential(live.url, app["tenant"], app["appId"], app["password"])
    auth = BearerTokenAuth(credential)
    return DICOMwebClient(url=f"{live.url}/v2", session=create_session_from_auth(auth)), auth


@pytest.mark.slow  # it works through two token lifetimes, in real time
def test_a_session_outlives_several_tokens(short_tokens: LiveEmulator) -> None:
    client, auth = _client(short_tokens, _app(short_tokens, "long-session", "DICOM Data Owner"))
    study = generate_uid()
    first_token = auth.token()
    stored: list[str] = []
    # Keep working for two token lifetimes, as a notebook session would for hours.
    deadline = time.monotonic() + 2 * TOKEN_LIFETIME
    while time.monotonic() < deadline:
        ds = make_dataset(study)
        client.store_instances([ds])
        stored.append(ds.SOPInstanceUID)
        found = client.search_for_instances(study_instance_uid=study)
        assert sorted(item["00080018"]["Value"][0] for item in found) == sorted(stored)
        again = client.retrieve_instance(study, ds.SeriesInstanceUID, ds.SOPInstanceUID)
        assert again.SOPInstanceUID == ds.SOPInstanceUID
        time.sleep(0.3)
    # Renewed before each expiry (after half the lifetime), never used past it.
    assert auth.refreshes >= 3
    assert auth.token() != first_token
    expired = requests.get(f"{short_tokens.url}/v2/studies/{study}/metadata", timeout=30,
                           headers={"Authorization": f"Bearer {first_token}"})
    assert expired.status_code == 401
    assert "The token expired at" in expired.headers["www-authenticate"]


def test_no_token_no_role_reader_owner(live_emulator_auth: LiveEmulator) -> None:
    anonymous = DICOMwebClient(url=f"{live_emulator_auth.url}/v2")
    with pytest.raises(requests.HTTPError) as error:
        anonymous.search_for_studies()
    assert error.value.response.status_code == 401

    nobody, _ = _client(live_emulator_auth, _app(live_emulator_auth, "contract-nobody"))
    with pytest.raises(requests.HTTPError) as error:
        nobody.search_for_studies()
    assert error.value.response.status_code == 403

    owner, _ = _client(live_emulator_auth,
                       _app(live_emulator_auth, "contract-owner", "DICOM Data Owner"))
    reader, _ = _client(live_emulator_auth,
                        _app(live_emulator_auth, "contract-reader", "DICOM Data Reader"))
    ds = make_dataset(PatientID="AUTH-CONTRACT")
    with pytest.raises(requests.HTTPError) as error:
        reader.store_instances([ds])
    assert error.value.response.status_code == 403
    assert error.value.response.text == "Authorization failed."
    owner.store_instances([ds])
    assert reader.search_for_studies(search_filters={"PatientID": "AUTH-CONTRACT"})
    with pytest.raises(requests.HTTPError) as error:
        reader.delete_study(ds.StudyInstanceUID)
    assert error.value.response.status_code == 403
    owner.delete_study(ds.StudyInstanceUID)


def test_the_command_line_changes_roles_of_a_running_emulator(
        live_emulator_auth: LiveEmulator) -> None:
    app = _app(live_emulator_auth, "cli-roles")
    token = EmulatorCredential(live_emulator_auth.url, app["tenant"], app["appId"],
                               app["password"]).get_token(DICOM_SCOPE).token
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/dicom+json"}

    def status() -> int:
        return requests.get(f"{live_emulator_auth.url}/v2/studies", headers=headers,
                            timeout=30).status_code

    def cli(*args: str) -> None:
        subprocess.run([sys.executable, "-m", "dicom_emulator", "--data-dir",
                        str(live_emulator_auth.data_dir), "role", "assignment", *args],
                       check=True, capture_output=True, cwd=REPO, timeout=60)

    assert status() == 403
    cli("create", "--assignee", app["appId"], "--role", "DICOM Data Reader")
    assert status() in (200, 204)  # the same token, the next request
    cli("delete", "--assignee", app["appId"])
    assert status() == 403


def test_make_client_just_works_with_auth_on(live_emulator_auth: LiveEmulator) -> None:
    """What a notebook's setup cell does: the workshop app is provisioned behind it."""
    port = int(live_emulator_auth.url.rsplit(":", 1)[1])
    # The emulator's own data dir: the helpers refuse one that serves another checkout's.
    settings = Settings(emulator_port=port, emulator_data_dir=live_emulator_auth.data_dir)
    client = make_client(settings)
    ds = make_dataset(PatientID="SETUP-CELL")
    client.store_instances([ds])
    assert client.search_for_studies(search_filters={"PatientID": "SETUP-CELL"})
    client.delete_study(ds.StudyInstanceUID)
