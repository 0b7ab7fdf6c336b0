"""App registrations, secrets and role assignments: directory, admin HTTP API, command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from dicom_emulator import EmulatorSettings, create_app
from dicom_emulator.__main__ import main
from dicom_emulator.identity.directory import DIRECTORY_FILE, Directory
from dicom_emulator.identity.enforcement import required_action
from dicom_emulator.identity.roles import DICOM_DATA_OWNER, DICOM_DATA_READER, DataAction
from tests.support.paths import REPO
from tests.support.tokens import get_token, identity_of, new_app

OWNER, READER = "DICOM Data Owner", "DICOM Data Reader"


# --- roles and the data-action table ----------------------------------------------

def test_built_in_roles_grant_the_spec_data_actions() -> None:
    assert all(DICOM_DATA_OWNER.grants(action) for action in DataAction)
    assert [a for a in DataAction if DICOM_DATA_READER.grants(a)] == [DataAction.READ]
    assert DICOM_DATA_OWNER.id == "58a3b984-7adf-4c20-983a-32417c86fbc8"
    assert DICOM_DATA_READER.id == "e89c7a3c-2f64-4fa1-a847-3e4c9ba4283a"


@pytest.mark.parametrize(("method", "path", "action"), [
    ("POST", "/studies", DataAction.WRITE),
    ("POST", "/studies/1.2.3", DataAction.WRITE),
    ("POST", "/studies/$bulkUpdate", DataAction.WRITE),
    ("GET", "/studies/1.2.3/series/1.2.4/instances/1.2.5/frames/1/rendered", DataAction.READ),
    ("HEAD", "/instances", DataAction.READ),
    ("DELETE", "/studies/1.2.3/series/1.2.4", DataAction.DELETE),
    ("GET", "/changefeed/latest", DataAction.READ),
    ("GET", "/extendedquerytags/00101010/errors", DataAction.READ),
    ("POST", "/extendedquerytags", DataAction.MANAGE_EXTENDED_QUERY_TAGS),
    ("PATCH", "/extendedquerytags/00101010", DataAction.MANAGE_EXTENDED_QUERY_TAGS),
    ("DELETE", "/extendedquerytags/00101010", DataAction.MANAGE_EXTENDED_QUERY_TAGS),
    ("GET", "/operations/0123456789abcdef0123456789abcdef", DataAction.READ),
    ("POST", "/export", DataAction.EXPORT),
    ("GET", "/partitions", DataAction.READ),
    ("POST", "/partitions/p1/studies", DataAction.WRITE),
    ("DELETE", "/partitions/p1/studies/1.2.3", DataAction.DELETE),
    ("PUT", "/workitems/1.2.3/state", DataAction.WRITE),
    ("GET", "/nothing-here", None),
])
def test_data_action_per_request(method: str, path: str, action: DataAction | None) -> None:
    """The spec's §8 list: which data action each kind of request needs."""
    assert required_action(method, path) is action


# --- directory --------------------------------------------------------------------------

def test_secrets_are_stored_only_as_salted_hashes(tmp_path: Path) -> None:
    directory = Directory(tmp_path / DIRECTORY_FILE)
    first, secret_1, existed = directory.create_for_rbac("hashing")
    _, secret_2, _ = directory.create_for_rbac("another")
    directory.close()
    assert not existed and len(secret_1) == 40 and secret_1 != secret_2
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    for secret in (secret_1, secret_2):
        assert secret.encode() not in stored
    assert first.app_id.encode() in stored


def test_create_for_rbac_on_an_existing_name_replaces_the_secret(tmp_path: Path) -> None:
    directory = Directory(tmp_path / DIRECTORY_FILE)
    first, old, _ = directory.create_for_rbac("rotate")
    again, new, existed = directory.create_for_rbac("rotate")
    assert existed and again == first
    assert directory.authenticate_client(first.app_id, new) == first
    with pytest.raises(LookupError):
        directory.authenticate_client(first.app_id, old)
    assert directory.authenticate_client("unknown-app", new) is None
    directory.close()


def test_the_tenant_is_fixed_per_data_dir(tmp_path: Path) -> None:
    one = Directory(tmp_path / "a" / DIRECTORY_FILE)
    again = Directory(tmp_path / "a" / DIRECTORY_FILE)
    other = Directory(tmp_path / "b" / DIRECTORY_FILE)
    assert one.tenant_id == again.tenant_id != other.tenant_id
    for directory in (one, again, other):
        directory.close()


# --- role changes apply on the next request ---------------------------------------------

def test_role_assignments_take_effect_on_the_next_request(auth_http: TestClient) -> None:
    app = new_app(auth_http, "changing")
    auth = {"Authorization": f"Bearer {get_token(auth_http, app)}"}

    def assign(role: str) -> None:
        response = auth_http.post("/admin/identity/role-assignments",
                                  json={"assignee": app["appId"], "role": role})
        assert response.status_code == 201

    def unassign(role: str) -> None:
        response = auth_http.delete("/admin/identity/role-assignments",
                                    params={"assignee": app["appId"], "role": role})
        assert response.status_code == 200 and len(response.json()) == 1

    read, delete = "/v2/changefeed", "/v2/studies/1.2.3"
    assert auth_http.get(read, headers=auth).status_code == 403
    assign(READER)
    assert auth_http.get(read, headers=auth).status_code == 200
    assert auth_http.delete(delete, headers=auth).status_code == 403
    assign(OWNER)
    assert auth_http.delete(delete, headers=auth).status_code == 404  # allowed; nothing there
    unassign(OWNER)
    assert auth_http.delete(delete, headers=auth).status_code == 403
    unassign(READER)
    assert auth_http.get(read, headers=auth).status_code == 403


# --- admin HTTP API ---------------------------------------------------------------------

ADMIN_CALLS = [
    ("GET", "/admin/identity", None),
    ("GET", "/admin/identity/service-principals", None),
    ("POST", "/admin/identity/service-principals", {"displayName": "intruder"}),
    ("GET", "/admin/identity/role-assignments", None),
    ("POST", "/admin/identity/role-assignments", {"assignee": "x", "role": OWNER}),
    ("DELETE", "/admin/identity/role-assignments?role=DICOM%20Data%20Owner", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_CALLS)
@pytest.mark.parametrize(("client", "host"), [
    (("203.0.113.7", 40000), "127.0.0.1"),     # another machine
    (("10.0.0.2", 40000), "localhost"),
    (("127.0.0.1", 40000), "attacker.example"),  # a web page rebinding its name to 127.0.0.1
    (("testclient", 50000), "127.0.0.1"),        # not an address at all
])
def test_admin_api_answers_only_on_loopback(
        auth_settings: EmulatorSettings, method: str, path: str, body: dict[str, str] | None,
        client: tuple[str, int], host: str) -> None:
    with TestClient(create_app(auth_settings), base_url=f"http://{host}",
                    client=client) as outsider:
        response = outsider.request(method, path, json=body)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "Forbidden"
        assert identity_of(outsider).directory.list_principals() == []


def test_admin_api_over_loopback(auth_http: TestClient) -> None:
    info = auth_http.get("/admin/identity").json()
    tenant = identity_of(auth_http).tenant_id
    assert info["tenant"] == tenant
    assert info["authority"] == f"http://127.0.0.1/{tenant}"
    assert info["scope"] == "https://dicom.healthcareapis.azure.com/.default"

    app = new_app(auth_http, "admin-demo")
    assert set(app) == {"appId", "displayName", "password", "tenant"}
    listed = auth_http.get("/admin/identity/service-principals").json()
    assert [p["appId"] for p in listed] == [app["appId"]]
    assert "password" not in listed[0]

    by_guid = auth_http.post("/admin/identity/role-assignments", json={
        "assignee": app["appId"], "role": "e89c7a3c-2f64-4fa1-a847-3e4c9ba4283a"})
    assert by_guid.status_code == 201
    assert by_guid.json()["roleDefinitionName"] == READER
    assert by_guid.json()["roleDefinitionId"].endswith("/e89c7a3c-2f64-4fa1-a847-3e4c9ba4283a")
    again = auth_http.post("/admin/identity/role-assignments",
                           json={"assignee": app["appId"], "role": READER})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "RoleAssignmentExists"
    assignments = auth_http.get("/admin/identity/role-assignments",
                                params={"assignee": app["appId"]}).json()
    assert [a["roleDefinitionName"] for a in assignments] == [READER]


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"assignee": "no-such-app", "role": OWNER}, 400, "PrincipalNotFound"),
    ({"assignee": "{app}", "role": "Contributor"}, 400, "RoleDefinitionNotFound"),
    ({"assignee": "{app}"}, 400, "BadRequest"),
    (["not", "an", "object"], 400, "BadRequest"),
])
def test_admin_api_errors(auth_http: TestClient, body: object, status: int, code: str) -> None:
    app = new_app(auth_http, "errors")
    if isinstance(body, dict):
        body = {k: v.format(app=app["appId"]) for k, v in body.items()}
    response = auth_http.post("/admin/identity/role-assignments", json=body)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_admin_writes_must_be_json(auth_http: TestClient) -> None:
    # A cross-site HTML form can post urlencoded data without a CORS preflight.
    response = auth_http.post("/admin/identity/service-principals",
                              data={"displayName": "csrf"})
    assert response.status_code == 415
    assert auth_http.get("/admin/identity/service-principals").json() == []
    unfiltered = auth_http.delete("/admin/identity/role-assignments")
    assert unfiltered.status_code == 400


# --- command line -----------------------------------------------------------------------

def _cli(data_dir: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data_dir), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_mirrors_the_azure_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(tmp_path, "ad", "sp", "create-for-rbac", "--display-name", "cli-app",
                          capsys=capsys)
    assert code == 0
    created = json.loads(out)
    assert list(created) == ["appId", "displayName", "password", "tenant"]
    assert "credentials that you must protect" in err
    code, out, _ = _cli(tmp_path, "role", "assignment", "list", capsys=capsys)
    assert (code, json.loads(out)) == (0, [])  # create-for-rbac assigns no role

    code, out, _ = _cli(tmp_path, "role", "assignment", "create", "--assignee", created["appId"],
                        "--role", OWNER, capsys=capsys)
    assert code == 0
    assignment = json.loads(out)
    assert assignment["roleDefinitionName"] == OWNER
    assert assignment["principalType"] == "ServicePrincipal"
    code, out, _ = _cli(tmp_path, "role", "assignment", "list", "--assignee", created["appId"],
                        capsys=capsys)
    assert [a["name"] for a in json.loads(out)] == [assignment["name"]]

    code, _, err = _cli(tmp_path, "role", "assignment", "create", "--assignee", created["appId"],
                        "--role", OWNER, capsys=capsys)
    assert code == 1 and err.startswith("ERROR: (RoleAssignmentExists)")
    code, _, err = _cli(tmp_path, "role", "assignment", "create", "--assignee", "nobody",
                        "--role", OWNER, capsys=capsys)
    assert code == 1 and "Cannot find user or service principal" in err

    code, _, _ = _cli(tmp_path, "role", "assignment", "delete", "--assignee", created["appId"],
                      "--role", OWNER, capsys=capsys)
    assert code == 0
    code, out, _ = _cli(tmp_path, "role", "assignment", "list", capsys=capsys)
    assert json.loads(out) == []
    code, _, err = _cli(tmp_path, "role", "assignment", "delete", "--assignee", created["appId"],
                        capsys=capsys)
    assert code == 0 and "No matched assignments" in err


def test_cli_create_for_rbac_with_a_role_and_a_patched_app(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(tmp_path, "ad", "sp", "create-for-rbac", "-n", "patched",
                        capsys=capsys)
    first = json.loads(out)
    code, _, err = _cli(tmp_path, "ad", "sp", "create-for-rbac", "-n", "patched", "--role",
                        "Owner of everything", capsys=capsys)
    assert code == 1 and "Role 'Owner of everything' doesn't exist." in err
    code, out, err = _cli(tmp_path, "ad", "sp", "create-for-rbac", "-n", "patched", "--role",
                          READER, capsys=capsys)
    second = json.loads(out)
    assert "Found an existing application instance" in err
    assert second["appId"] == first["appId"] and second["password"] != first["password"]
    code, out, _ = _cli(tmp_path, "role", "assignment", "list", capsys=capsys)
    assert [a["roleDefinitionName"] for a in json.loads(out)] == [READER]


def test_python_dash_m_prints_the_az_json(tmp_path: Path) -> None:
    """The command exactly as the workshop prints it."""
    done = subprocess.run(
        [sys.executable, "-m", "dicom_emulator", "--data-dir", str(tmp_path), "ad", "sp",
         "create-for-rbac", "--display-name", "workshop-reader"],
        capture_output=True, text=True, cwd=REPO, timeout=60, check=True)
    created = json.loads(done.stdout)
    assert created["displayName"] == "workshop-reader"
    assert Directory(tmp_path / DIRECTORY_FILE).tenant_id == created["tenant"]
