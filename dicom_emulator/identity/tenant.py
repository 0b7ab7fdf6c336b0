"""The ``{tenant}`` path segment of Entra ID's endpoints: it must name the emulator's tenant."""

from __future__ import annotations

from starlette.requests import Request

from dicom_emulator.identity.errors import EntraError
from dicom_emulator.identity.service import Identity
from dicom_emulator.web.request import components


def check_tenant(request: Request) -> Identity:
    """The identity service, if the path's tenant is its tenant; else Entra's AADSTS90002."""
    identity = components(request).identity
    tenant = request.path_params["tenant"]
    if tenant.lower() != identity.tenant_id:
        raise EntraError(400, "invalid_request", 90002,
                         f"Tenant '{tenant}' not found. Check to make sure you have the correct "
                         "tenant ID and are signing into the correct cloud.")
    return identity
