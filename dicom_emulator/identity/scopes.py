"""Delegated scopes: what a sign-in may ask for, and how Entra ID answers it.

The DICOM service's resource exposes the delegated permission ``Dicom.ReadWrite`` (Learn:
"Register a client application for the DICOM service", API permissions); older app
registrations ask for ``user_impersonation`` (the Azure Healthcare APIs permission).
``https://dicom.healthcareapis.azure.com/.default`` asks for what was consented, here
``Dicom.ReadWrite``. The OpenID Connect scopes (``openid``, ``profile``, ``email``,
``offline_access``) ride along: ``openid`` gets an ID token, ``offline_access`` a refresh
token ("Only provided if offline_access scope was requested", Learn: authorization code
flow). Access is still decided by the user's DICOM role, not by the scope.
"""

from __future__ import annotations

from dataclasses import dataclass

from dicom_emulator.identity.errors import EntraError
from dicom_emulator.identity.tokens import AUDIENCE

OIDC_SCOPES = ("openid", "profile", "email", "offline_access")
PERMISSIONS = ("Dicom.ReadWrite", "user_impersonation")
DEFAULT_PERMISSION = "Dicom.ReadWrite"


@dataclass(frozen=True)
class GrantedScopes:
    """A request's scopes, checked: the OIDC ones and the DICOM permissions."""

    oidc: tuple[str, ...]
    permissions: tuple[str, ...]

    @property
    def all(self) -> tuple[str, ...]:
        return self.oidc + tuple(f"{AUDIENCE}/{p}" for p in self.permissions)

    @property
    def scp(self) -> str:
        """The access token's ``scp`` claim: the permission names, space-separated."""
        return " ".join(self.permissions)

    @property
    def resource_scopes(self) -> str:
        """The token response's ``scope``: the resource's scopes the token is valid for."""
        return " ".join(f"{AUDIENCE}/{p}" for p in self.permissions)


def parse_scopes(scope: str, tenant_id: str, client_id: str) -> GrantedScopes:
    """The checked scopes of ``scope`` (space-separated), or Entra's error for them."""
    oidc: list[str] = []
    permissions: list[str] = []
    for item in scope.split():
        if item.lower() in OIDC_SCOPES:
            oidc.append(item.lower())
            continue
        resource, _, permission = item.rpartition("/")
        if resource.rstrip("/").lower() != AUDIENCE:
            raise EntraError(400, "invalid_resource", 500011,
                             f"The resource principal named {resource or item} was not found "
                             f"in the tenant named {tenant_id}. This can happen if the "
                             "application has not been installed by the administrator of the "
                             "tenant or consented to by any user in the tenant. You might "
                             "have sent your authentication request to the wrong tenant.")
        wanted = DEFAULT_PERMISSION if permission == ".default" else permission
        match = [p for p in PERMISSIONS if p.lower() == wanted.lower()]
        if not match:
            raise EntraError(400, "invalid_client", 650053,
                             f"The application '{client_id}' asked for scope '{permission}' "
                             f"that doesn't exist on the resource '{AUDIENCE}'. Contact the "
                             "app vendor.")
        if match[0] not in permissions:
            permissions.append(match[0])
    if not permissions:
        # Entra would give a Microsoft Graph token here; the emulator has no Graph.
        raise EntraError(400, "invalid_scope", 70011,
                         f"The provided value for the input parameter 'scope' is not valid. "
                         f"The scope '{scope}' does not name the DICOM service "
                         f"({AUDIENCE}/Dicom.ReadWrite), the only resource of the local "
                         "identity service.")
    return GrantedScopes(tuple(dict.fromkeys(oidc)), tuple(permissions))
