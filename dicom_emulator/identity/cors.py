"""Which CORS answers which path: the DICOM service's setting, or Entra ID's.

On Azure the DICOM service and Entra ID are different hosts; here they share one origin,
so the paths decide. The service's setting (``web.cors``) covers the DICOM API. Entra ID
lets any origin read its discovery document, its keys, its token endpoint and UserInfo (an SPA
redeems its code and refresh tokens from the browser), so those answer ``*``; the sign-in
pages are navigations and get no CORS headers, and neither does the admin API (a web page
must not manage the directory).
"""

from __future__ import annotations

from starlette.middleware import Middleware

from dicom_emulator.web.cors import AspNetCoreCors
from dicom_emulator.web.cors_policy import CorsPolicy

# The second path segment of every Entra route (``/{tenant}/oauth2/...``, ``/{tenant}/login``).
_ENTRA_SEGMENTS = {"oauth2", "v2.0", "discovery", "login", "oidc"}
_ENTRA_READABLE = ("/oauth2/v2.0/token", "/oauth2/token", "/.well-known/openid-configuration",
                   "/discovery/v2.0/keys", "/discovery/keys", "/oidc/userinfo")
ENTRA_POLICY = CorsPolicy(origins=("*",), headers=("*",), methods=("*",))


def is_entra_path(path: str) -> bool:
    segments = path.split("/")
    return len(segments) > 2 and segments[2].lower() in _ENTRA_SEGMENTS


def is_service_path(path: str) -> bool:
    """A path of the DICOM service (not Entra's, not the admin API)."""
    return not is_entra_path(path) and path != "/admin" and not path.startswith("/admin/")


def is_entra_readable(path: str) -> bool:
    return is_entra_path(path) and path.endswith(_ENTRA_READABLE)


def cors_middleware(service_policy: CorsPolicy) -> list[Middleware]:
    """The two CORS layers, outermost first."""
    return [Middleware(AspNetCoreCors, policy=ENTRA_POLICY, applies=is_entra_readable),
            Middleware(AspNetCoreCors, policy=service_policy, applies=is_service_path)]
