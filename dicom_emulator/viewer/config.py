"""The ``app-config.js`` OHIF reads at start, written for this emulator (pure).

It starts from ``viewer/app-config.json`` (the kit's one OHIF configuration for the
service; the reasons for each option are in ``viewer/README.md``), points the DICOMweb
data source at ``{origin}/v2`` and, with auth on, adds an ``oidc`` entry that signs in at
the emulator's Entra ID stand-in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dicom_emulator.viewer.files import APP_CONFIG_TEMPLATE

API_VERSION = "v2"


@dataclass(frozen=True)
class OidcClient:
    """What OHIF's OpenID Connect client needs: the authority and a SPA app's id."""

    authority: str
    client_id: str
    scope: str


def app_config(origin: str, oidc: OidcClient | None,
               template: Path = APP_CONFIG_TEMPLATE) -> dict[str, Any]:
    """``window.config`` for an emulator at ``origin`` (``http://127.0.0.1:8080``)."""
    config: dict[str, Any] = json.loads(template.read_text(encoding="utf-8"))
    source = config["dataSources"][0]["configuration"]
    source["friendlyName"] = "Local DICOM service emulator"
    root = f"{origin}/{API_VERSION}"
    source.update(qidoRoot=root, wadoRoot=root, wadoUriRoot=root)
    if oidc is None:
        del config["oidc"]  # auth off: OHIF calls the API without a token
    else:
        config["oidc"][0].update(authority=oidc.authority, client_id=oidc.client_id,
                                 scope=oidc.scope)
    return config


def app_config_js(config: dict[str, Any]) -> str:
    """The script OHIF loads: ``window.config = {…};``."""
    return f"window.config = {json.dumps(config, indent=2)};\n"
