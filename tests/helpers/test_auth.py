"""helpers.auth and helpers.service: token renewal, the emulator credential, the Azure
credentials, and the workshop app that helpers.emulator.identity provisions (against a
real emulator process, auth on)."""

from __future__ import annotations

import json
import stat
import threading
import time
from pathlib import Path

import pytest
import requests
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import AzureCliCredential, ClientSecretCredential, DefaultAzureCredential

from helpers.auth import DICOM_SCOPE, BearerTokenAuth, EmulatorCredential, azure_credential
from helpers.config import Secret, Settings
from helpers.emulator.identity import WORKSHOP_APP_FILE, ensure_workshop_app
from helpers.service import make_auth, make_credential
from tests.support.live_emulator import LiveEmulator

AZURE_URL = "https://ws-dicom.dicom.azurehealthcareapis.com"


# --- BearerTokenAuth: when it fetches -----------------------------------------------------

class CountingCredential:
    """A credential stub (the one stub the house rules allow) issuing numbered tokens."""

    def __init__(self, lifetime: int, clock: list[float]):
        self.lifetime, self.clock, self.calls = lifetime, clock, 0

    def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:
        assert scopes == (DICOM_SCOPE,)
        self.calls += 1
        return AccessToken(f"token-{self.calls}", int(self.clock[0]) + self.lifetime)


def _auth(lifetime: int, margin: float = 300) -> tuple[BearerTokenAuth, CountingCredential,
                                                        list[float]]:
    clock = [1_000_000.0]
    credential = CountingCredential(lifetime, clock)
    return BearerTokenAuth(credential, refresh_margin=margin, clock=lambda: clock[0]), \
        credential, clock


def _header(auth: BearerTokenAuth) -> str:
    prepared = auth(requests.Request("GET", "http://127.0.0.1/v2/studies").prepare())
    return prepared.headers["Authorization"]


def test_an_hour_token_is_reused_until_five_minutes_before_expiry() -> None:
    auth, credential, clock = _auth(3600)
    assert _header(auth) == "Bearer token-1"
    clock[0] += 3600 - 301
    assert _header(auth) == "Bearer token-1"
    clock[0] += 1
    assert _header(auth) == "Bearer token-2"
    assert credential.calls == auth.refreshes == 2


def test_a_short_token_is_renewed_after_half_its_lifetime() -> None:
    auth, credential, clock = _auth(4)
    _header(auth)
    clock[0] += 1.9
    assert _header(auth) == "Bearer token-1"
    clock[0] += 0.1
    assert _header(auth) == "Bearer token-2"
    assert auth.expires_on == int(clock[0]) + 4


def test_threads_finding_the_token_due_fetch_it_once() -> None:
    auth, credential, _ = _auth(3600)
    threads = [threading.Thread(target=auth.token) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert credential.calls == 1


# --- Azure credentials (built, not used: no network) ----------------------------------------

@pytest.mark.parametrize(("mode", "cls"), [("azure-cli", AzureCliCredential),
                                           ("default", DefaultAzureCredential),
                                           ("client-secret", ClientSecretCredential)])
def test_azure_credentials_by_mode(mode: str, cls: type) -> None:
    settings = Settings(service_url=AZURE_URL, auth=mode,
                        tenant_id="72f988bf-86f1-41af-91ab-2d7cd011db47",
                        client_id="11111111-2222-3333-4444-555555555555",
                        client_secret=Secret("s3cr3t-value"))
    assert isinstance(azure_credential(settings), cls)
    assert isinstance(make_credential(settings), cls)
    auth = make_auth(settings)
    assert isinstance(auth, BearerTokenAuth) and isinstance(auth.credential, cls)
    assert "s3cr3t" not in repr(auth)


def test_auth_none_installs_nothing() -> None:
    assert make_auth(Settings(service_url=AZURE_URL, auth="none")) is None


# --- EmulatorCredential against a live emulator ---------------------------------------------

def _create_app(live: LiveEmulator, name: str, role: str | None = None) -> dict[str, str]:
    app = requests.post(f"{live.url}/admin/identity/service-principals",
                        json={"displayName": name}, timeout=30).json()
    if role:
        requests.post(f"{live.url}/admin/identity/role-assignments", timeout=30,
                      json={"assignee": app["appId"], "role": role}).raise_for_status()
    return app  # type: ignore[no-any-return]


def test_emulator_credential_gets_tokens_the_service_accepts(
        live_emulator_auth: LiveEmulator) -> None:
    app = _create_app(live_emulator_auth, "helpers-reader", "DICOM Data Reader")
    with EmulatorCredential(live_emulator_auth.url, app["tenant"], app["appId"],
                            app["password"]) as credential:
        token = credential.get_token(DICOM_SCOPE)
        assert app["password"] not in repr(credential)
    response = requests.get(f"{live_emulator_auth.url}/v2/changefeed", timeout=30,
                            headers={"Authorization": f"Bearer {token.token}"})
    assert response.status_code == 200
    assert token.expires_on > time.time() + 3000


@pytest.mark.parametrize(("change", "code"), [
    ({"client_secret": "wrong"}, "AADSTS7000215"),
    ({"client_id": "6a4bc6c4-0d71-4a53-a4a4-e2b0b1a2d3f4"}, "AADSTS700016"),
    ({"scope": "https://management.azure.com/.default"}, "AADSTS500011"),
])
def test_emulator_credential_raises_what_azure_identity_raises(
        live_emulator_auth: LiveEmulator, change: dict[str, str], code: str) -> None:
    app = _create_app(live_emulator_auth, "helpers-errors")
    credential = EmulatorCredential(live_emulator_auth.url, app["tenant"],
                                    change.get("client_id", app["appId"]),
                                    change.get("client_secret", app["password"]))
    with pytest.raises(ClientAuthenticationError, match=code):
        credential.get_token(change.get("scope", DICOM_SCOPE))
    with pytest.raises(ValueError):
        credential.get_token()


# --- the workshop app ------------------------------------------------------------------------

def _settings(tmp_path: Path) -> Settings:
    return Settings(emulator_data_dir=tmp_path / "client-side")


def _roles(live: LiveEmulator, app_id: str) -> list[str]:
    assignments = requests.get(f"{live.url}/admin/identity/role-assignments", timeout=30,
                               params={"assignee": app_id}).json()
    return [a["roleDefinitionName"] for a in assignments]


def test_workshop_app_is_provisioned_once_with_the_owner_role(
        live_emulator_auth: LiveEmulator, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    first = ensure_workshop_app(settings, live_emulator_auth.url)
    stored = settings.emulator_data_dir / WORKSHOP_APP_FILE
    assert json.loads(stored.read_text()) == first
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert set(first) == {"appId", "displayName", "password", "tenant"}
    assert _roles(live_emulator_auth, first["appId"]) == ["DICOM Data Owner"]
    assert ensure_workshop_app(settings, live_emulator_auth.url) == first  # no new secret


def test_workshop_app_recovers_from_a_replaced_secret_and_a_removed_role(
        live_emulator_auth: LiveEmulator, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    first = ensure_workshop_app(settings, live_emulator_auth.url)
    # Someone runs create-for-rbac with the same name: the stored secret stops working.
    _create_app(live_emulator_auth, first["displayName"])
    requests.delete(f"{live_emulator_auth.url}/admin/identity/role-assignments", timeout=30,
                    params={"assignee": first["appId"]}).raise_for_status()
    again = ensure_workshop_app(settings, live_emulator_auth.url)
    assert again["password"] != first["password"]
    assert _roles(live_emulator_auth, again["appId"]) == ["DICOM Data Owner"]
    token = EmulatorCredential(live_emulator_auth.url, again["tenant"], again["appId"],
                               again["password"]).get_token(DICOM_SCOPE)
    assert requests.delete(f"{live_emulator_auth.url}/v2/studies/1.2.3", timeout=30, headers={
        "Authorization": f"Bearer {token.token}"}).status_code == 404  # Owner: allowed


def test_workshop_app_after_the_emulator_was_reset(
        live_emulator_auth: LiveEmulator, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    stale = {"appId": "6a4bc6c4-0d71-4a53-a4a4-e2b0b1a2d3f4", "displayName": "dicom-workshop",
             "password": "from-an-old-data-dir", "tenant": "72f988bf-86f1-41af-91ab-2d7cd011db47"}
    settings.emulator_data_dir.mkdir(parents=True)
    (settings.emulator_data_dir / WORKSHOP_APP_FILE).write_text(json.dumps(stale))
    fresh = ensure_workshop_app(settings, live_emulator_auth.url)
    assert fresh["tenant"] != stale["tenant"] and fresh["appId"] != stale["appId"]


def test_concurrent_kernels_agree_on_one_workshop_app(
        live_emulator_auth: LiveEmulator, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    results: list[dict[str, str]] = []
    threads = [threading.Thread(target=lambda: results.append(
        ensure_workshop_app(settings, live_emulator_auth.url))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4 and all(r == results[0] for r in results)
