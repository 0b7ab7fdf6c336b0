"""How OHIF signs in: with auth off it does not; with auth on, at the Entra stand-in."""

from __future__ import annotations

import logging

from dicom_emulator.components import Components
from dicom_emulator.settings import EmulatorSettings
from dicom_emulator.viewer.endpoint import OidcLookup

log = logging.getLogger(__name__)


def oidc_lookup(settings: EmulatorSettings, components: Components) -> OidcLookup:
    """The ``oidc`` entry of the app-config for a page served at an origin."""
    if not settings.auth:
        return lambda origin: None
    log.warning("the viewer has no sign-in yet: with auth on OHIF's requests get 401")
    return lambda origin: None
