"""Apps and roles on the local emulator's identity service, and their credentials.

The emulator stands in for Microsoft Entra ID as well as for the DICOM service. This
module talks to its identity side:

- :func:`ensure_workshop_app` provisions, through the emulator's admin API, the app the
  notebooks authenticate as (the ``DICOM Data Owner`` role, its secret kept in the data
  folder, which git ignores), so notebooks just work with auth on while notebook 00
  still shows each step by hand;
- :func:`emulator_cli` runs the emulator's Azure-CLI-like commands (``ad sp``,
  ``role assignment``);
- :func:`emulator_credential` and :func:`emulator_client_secret_credential` build the
  credentials that sign in as the workshop app, or as an app from ``AZURE_*`` settings.

Every function takes the emulator's root URL: finding (or starting) the service is
:mod:`helpers.service`'s job.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import requests
from azure.core.credentials import TokenCredential

from helpers._files import atomic_write, locked
from helpers.auth import EmulatorCredential
from helpers.config import DICOM_SCOPE, PROJECT_ROOT, Settings

__all__ = ["WORKSHOP_APP_FILE", "emulator_cli", "emulator_client_secret_credential",
           "emulator_credential", "ensure_workshop_app"]

WORKSHOP_APP_FILE = "workshop-app.json"
WORKSHOP_APP_NAME = "dicom-workshop"
WORKSHOP_APP_ROLE = "DICOM Data Owner"


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
    with locked(path.with_name(WORKSHOP_APP_FILE + ".lock")):
        app = _read_app(path)
        if app is None or not _gets_token(url, app):
            app = _admin("POST", f"{admin}/service-principals",
                         {"displayName": WORKSHOP_APP_NAME})
            atomic_write(path, json.dumps(app, indent=2))  # private: it holds the secret
        # Every time: a lesson may have removed it, and the notebooks need it.
        _admin("POST", f"{admin}/role-assignments",
               {"assignee": app["appId"], "role": WORKSHOP_APP_ROLE}, ok=(201, 409))
    return app


def emulator_credential(settings: Settings, url: str) -> EmulatorCredential:
    """The credential of the emulator's workshop app (provisioned on first use).

    Parameters
    ----------
    settings : Settings
        Selects the data folder, where the app's secret is kept.
    url : str
        The emulator's root URL.
    """
    app = ensure_workshop_app(settings, url)
    return EmulatorCredential(url, app["tenant"], app["appId"], app["password"])


def emulator_client_secret_credential(settings: Settings, url: str) -> TokenCredential:
    """``azure.identity.ClientSecretCredential`` itself, against the local emulator.

    It needs an ``https://`` authority: the emulator must serve HTTPS too (``serve
    --https-port 8443``, or ``DICOM_EMULATOR_HTTPS_PORT``), with a certificate from its
    own CA, which is trusted here explicitly (``connection_verify``), never by turning
    verification off. ``AZURE_TENANT_ID`` / ``AZURE_CLIENT_ID`` / ``AZURE_CLIENT_SECRET``
    are an app of the emulator's (``ad sp create-for-rbac``).

    Raises
    ------
    RuntimeError
        The emulator serves no HTTPS port.
    """
    # Imported when needed: azure.identity alone takes as long to import as the rest.
    from azure.identity import ClientSecretCredential

    response = requests.get(f"{url}/admin/identity", timeout=30)
    response.raise_for_status()
    info = response.json()
    if "httpsAuthority" not in info:
        raise RuntimeError(
            f"the emulator at {url} serves no HTTPS, which ClientSecretCredential requires: "
            "start it with 'python -m dicom_emulator serve --https-port 8443' (or set "
            "DICOM_EMULATOR_HTTPS_PORT), or use DICOM_AUTH=emulator")
    assert settings.tenant_id and settings.client_id and settings.client_secret
    # No instance discovery: it asks login.microsoftonline.com whether the authority is
    # a known cloud, which the emulator is not (and which needs the internet).
    return ClientSecretCredential(settings.tenant_id, settings.client_id,
                                  settings.client_secret.reveal(),
                                  authority=info["httpsAuthority"],
                                  disable_instance_discovery=True,
                                  connection_verify=info["caCertificate"])


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
    """The stored workshop app, or None when the file is missing or incomplete."""
    try:
        app = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return None
    complete = isinstance(app, dict) and all(
        isinstance(app.get(key), str) for key in ("appId", "password", "tenant"))
    return app if complete else None


def _gets_token(url: str, app: dict[str, str]) -> bool:
    """Whether the stored app still works here (same tenant, app known, same secret)."""
    with EmulatorCredential(url, app["tenant"], app["appId"], app["password"]) as credential:
        response = credential.request_token(DICOM_SCOPE)
    if response.status_code in (400, 401):  # unknown tenant or app, or a replaced secret
        return False
    response.raise_for_status()
    return True


def _admin(method: str, url: str, body: dict[str, str], ok: tuple[int, ...] = (201,),
           ) -> dict[str, Any]:
    """A call to the emulator's admin API; its 403 is explained, other failures raised."""
    response = requests.request(method, url, json=body, timeout=30)
    if response.status_code == 403:
        raise RuntimeError(f"{url} refused to register the workshop app: the emulator's "
                           "admin API answers only on this machine's loopback address. Create "
                           "an app with 'python -m dicom_emulator ad sp create-for-rbac' where "
                           "the emulator runs, and give its credentials to EmulatorCredential.")
    if response.status_code not in ok:
        response.raise_for_status()
    return response.json()  # type: ignore[no-any-return]
