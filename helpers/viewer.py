"""The OHIF viewer beside the service: where it is, a study's page in it, its config.

Locally the emulator serves OHIF from its own origin (``serve --viewer``, ``make
viewer``); :func:`viewer_root` starts it so, or restarts it so, on demand. On Azure OHIF
is yours to host (a storage account's static website, say) at ``DICOM_VIEWER_URL``;
:func:`write_azure_config` writes the ``app-config.js`` it needs. Both start from
``viewer/app-config.json``, the kit's one OHIF configuration (``viewer/README.md`` says
why each option is set). Command line: ``python -m helpers.viewer {url,azure-config}``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from helpers.config import PROJECT_ROOT, Settings, load_settings
from helpers.emulator.process import ensure_emulator

__all__ = ["AZURE_SCOPE", "INSTALL_HINT", "OHIF_DIST", "ViewerNotInstalledError",
           "azure_app_config", "ohif_installed", "study_url", "viewer_root",
           "write_azure_config"]

VIEWER_FOLDER = PROJECT_ROOT / "viewer"
OHIF_DIST = VIEWER_FOLDER / "node_modules" / "@ohif" / "app" / "dist"
APP_CONFIG_TEMPLATE = VIEWER_FOLDER / "app-config.json"
INSTALL_HINT = ("The OHIF viewer is not installed. In a terminal, in the kit's folder: "
                "`make viewer` (or `npm ci --prefix viewer --ignore-scripts`; needs Node.js "
                "and npm), then re-run this cell.")
# The delegated permission OHIF asks for on the user's behalf (API permissions: Azure API
# for DICOM, Dicom.ReadWrite); the user's DICOM role still decides what is allowed.
AZURE_SCOPE = "openid https://dicom.healthcareapis.azure.com/Dicom.ReadWrite"


class ViewerNotInstalledError(RuntimeError):
    """OHIF's files are not in ``viewer/node_modules``: the message says how to get them."""


def ohif_installed() -> bool:
    """Whether ``make viewer`` has installed OHIF's built files."""
    return (OHIF_DIST / "index.html").is_file()


def viewer_root(settings: Settings) -> str:
    """The URL OHIF is served at, e.g. ``http://127.0.0.1:8080``.

    For the local emulator it is the emulator's own root: the emulator is started (or
    restarted, keeping its data) with the viewer when it does not serve it yet.

    Raises
    ------
    ViewerNotInstalledError
        Local, and OHIF is not installed.
    ValueError
        On Azure without ``DICOM_VIEWER_URL``.
    """
    if not settings.is_local:
        if settings.viewer_url is None:
            raise ValueError("DICOM_VIEWER_URL is not set: host OHIF for your service (its "
                             "app-config.js: python -m helpers.viewer azure-config) and put "
                             "its URL in .env")
        return settings.viewer_url
    if not ohif_installed():
        raise ViewerNotInstalledError(INSTALL_HINT)
    return ensure_emulator(settings, viewer=True)


def study_url(root: str, study_instance_uid: str) -> str:
    """OHIF's page for one study: ``{root}/viewer?StudyInstanceUIDs={uid}``."""
    return f"{root.rstrip('/')}/viewer?StudyInstanceUIDs={quote(study_instance_uid)}"


def azure_app_config(service_url: str, tenant_id: str, client_id: str,
                     api_version: str = "2") -> dict[str, Any]:
    """``window.config`` for OHIF against an Azure DICOM service, signing in with Entra ID.

    Parameters
    ----------
    service_url : str
        The service URL without version, ``https://<workspace>-<service>.dicom.azurehealthcareapis.com``.
    tenant_id, client_id : str
        The Entra ID tenant and the client id of OHIF's app registration (a single-page
        application whose redirect URI is the viewer's ``/callback``).
    """
    for name, value in (("service_url", service_url), ("tenant_id", tenant_id),
                        ("client_id", client_id)):
        if not value or not value.strip():
            raise ValueError(f"{name} must not be empty")
    if not service_url.startswith("https://"):
        raise ValueError(f"service_url must be the service's https:// URL, not {service_url!r}")
    config: dict[str, Any] = json.loads(APP_CONFIG_TEMPLATE.read_text(encoding="utf-8"))
    root = f"{service_url.rstrip('/')}/v{api_version}"
    config["dataSources"][0]["configuration"].update(qidoRoot=root, wadoRoot=root,
                                                     wadoUriRoot=root)
    config["oidc"][0].update(authority=f"https://login.microsoftonline.com/{tenant_id}/v2.0",
                             client_id=client_id, scope=AZURE_SCOPE)
    return config


def write_azure_config(path: Path, service_url: str, tenant_id: str, client_id: str,
                       api_version: str = "2") -> Path:
    """Write :func:`azure_app_config` as the ``app-config.js`` OHIF loads; returns ``path``."""
    config = azure_app_config(service_url, tenant_id, client_id, api_version)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"window.config = {json.dumps(config, indent=2)};\n", encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m helpers.viewer url STUDY_UID`` or ``… azure-config [--out FILE]``."""
    parser = argparse.ArgumentParser(prog="python -m helpers.viewer",
                                     description="The OHIF viewer beside the DICOM service.")
    commands = parser.add_subparsers(dest="command", required=True)
    url = commands.add_parser("url", help="print OHIF's URL of a study (starts the viewer)")
    url.add_argument("study_instance_uid")
    azure = commands.add_parser("azure-config", help="write app-config.js for Azure")
    azure.add_argument("--out", type=Path, default=PROJECT_ROOT / "build" / "app-config.js")
    for option in ("--service-url", "--tenant-id", "--client-id"):
        azure.add_argument(option, default=None,
                           help="default: DICOM_SERVICE_URL, AZURE_TENANT_ID, AZURE_CLIENT_ID")
    args = parser.parse_args(argv)
    settings = load_settings()
    if args.command == "url":
        print(study_url(viewer_root(settings), args.study_instance_uid))
        return 0
    values = {"service_url": args.service_url or settings.service_url,
              "tenant_id": args.tenant_id or settings.tenant_id,
              "client_id": args.client_id or settings.client_id}
    missing = [f"--{k.replace('_', '-')}" for k, v in values.items() if not v]
    if missing:
        parser.error(f"give {', '.join(missing)} (or set them in .env)")
    path = write_azure_config(args.out, **{k: str(v) for k, v in values.items()},
                              api_version=settings.api_version)
    print(f"wrote {path}: copy it over the app-config.js of your OHIF site")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
