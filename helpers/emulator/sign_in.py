"""The viewer's sign-in on the local emulator: a user, a single-page app, OHIF's ``oidc``.

On Azure the lesson's steps are: register the viewer in Entra ID as a single-page app with
its redirect URI, give it the API permission ``Dicom.ReadWrite`` (or ``user_impersonation``),
assign a DICOM role to the user, and set the DICOM service's CORS setting when the viewer
is served from another origin. Locally, :func:`add_user` and :func:`add_spa` do the first
three through the emulator's admin API (loopback only; the command line twins are
``python -m dicom_emulator identity add-user`` and ``identity add-spa``), and
:func:`ohif_oidc_config` is what OHIF's app-config takes.
"""

from __future__ import annotations

from typing import Any

import requests

__all__ = ["VIEWER_SCOPE", "add_spa", "add_user", "ohif_oidc_config"]

# offline_access: Entra gives a refresh token only when it is asked for.
VIEWER_SCOPE = ("openid profile offline_access "
                "https://dicom.healthcareapis.azure.com/Dicom.ReadWrite")


def _post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    response = requests.post(url, json=body, timeout=30)
    if response.status_code == 403:
        raise RuntimeError(f"{url} refused: the emulator's admin API answers only on this "
                           "machine's loopback address (http://127.0.0.1 or localhost).")
    if response.status_code != 201:
        raise RuntimeError(f"{url} answered {response.status_code}: {response.text}")
    return response.json()  # type: ignore[no-any-return]


def add_user(url: str, user_principal_name: str, password: str,
             role: str = "DICOM Data Reader", display_name: str | None = None
             ) -> dict[str, Any]:
    """Create the user (or give it this password) with ``role``, on the emulator at ``url``.

    Returns
    -------
    dict
        ``displayName``, ``id`` (the object id, the tokens' ``oid``), ``userPrincipalName``,
        ``roles``.
    """
    body: dict[str, Any] = {"userPrincipalName": user_principal_name, "password": password,
                            "role": role}
    if display_name:
        body["displayName"] = display_name
    return _post(f"{url}/admin/identity/users", body)


def add_spa(url: str, display_name: str, redirect_uris: list[str]) -> dict[str, Any]:
    """Register a single-page app with these exact redirect URIs (or add them to it).

    Returns
    -------
    dict
        ``appId`` (the client id), ``displayName``, ``spa.redirectUris``, ``tenant``.
    """
    return _post(f"{url}/admin/identity/spa-apps",
                 {"displayName": display_name, "redirectUris": redirect_uris})


def ohif_oidc_config(url: str, spa: dict[str, Any], viewer_origin: str) -> dict[str, Any]:
    """One entry of OHIF's ``oidc`` list for the app ``spa`` (from :func:`add_spa`).

    ``authority`` is the tenant's v2.0 authority, as on Azure
    (``https://login.microsoftonline.com/{tenant}/v2.0``); ``redirect_uri`` is
    ``<viewer origin>/callback`` and must be one of the app's redirect URIs. Entra ID
    has no token revocation endpoint, so OHIF must not revoke tokens on sign-out.
    """
    redirect_uri = f"{viewer_origin}/callback"
    if redirect_uri not in spa["spa"]["redirectUris"]:
        raise ValueError(f"{redirect_uri} is not a redirect URI of app {spa['appId']}: "
                         "register it with add_spa first")
    return {"authority": f"{url}/{spa['tenant']}/v2.0", "client_id": spa["appId"],
            "redirect_uri": redirect_uri, "post_logout_redirect_uri": redirect_uri,
            "response_type": "code", "scope": VIEWER_SCOPE,
            "revokeAccessTokenOnSignout": False}
