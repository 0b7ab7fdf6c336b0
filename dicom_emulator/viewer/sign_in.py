"""How OHIF signs in: with auth off it does not; with auth on, at the Entra ID stand-in,
as a single-page app (authorization code with PKCE), with the user's own DICOM role.

The emulator registers that SPA itself ("OHIF viewer", redirect URI ``{origin}/callback``
for each origin the viewer is served at), as a participant would in Entra ID; the users
who sign in are registered with ``python -m dicom_emulator identity add-user``.
"""

from __future__ import annotations

from dicom_emulator.components import Components
from dicom_emulator.settings import EmulatorSettings
from dicom_emulator.viewer.config import OidcClient
from dicom_emulator.viewer.endpoint import OidcLookup

SPA_NAME = "OHIF viewer"
# What OHIF asks for: an ID token (openid), the DICOM service's delegated permission
# (the token's audience is the service; the user's role still decides), a refresh token.
SCOPE = "openid profile offline_access https://dicom.healthcareapis.azure.com/Dicom.ReadWrite"


def oidc_lookup(settings: EmulatorSettings, components: Components) -> OidcLookup:
    """The ``oidc`` entry of the app-config for a page served at an origin."""
    if not settings.auth:
        return lambda origin: None
    identity = components.identity
    registered: dict[str, OidcClient] = {}  # one directory write per origin, not per page

    def lookup(origin: str) -> OidcClient:
        if origin not in registered:
            app = identity.accounts.add_spa(SPA_NAME, [f"{origin}/callback"])
            registered[origin] = OidcClient(
                authority=f"{origin}/{identity.tenant_id}/v2.0", client_id=app.app_id,
                scope=SCOPE)
        return registered[origin]

    return lookup
