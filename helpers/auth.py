"""Access tokens for the DICOM service: azure-identity on Azure, the same flow locally.

On Azure the credential is one of ``azure-identity``'s (``DefaultAzureCredential``,
``AzureCliCredential``, or ``ClientSecretCredential`` from the standard
``AZURE_TENANT_ID`` / ``AZURE_CLIENT_ID`` / ``AZURE_CLIENT_SECRET``). For the local
emulator, :class:`EmulatorCredential` runs the same client-credentials flow against the
emulator's identity service and has the same ``get_token(*scopes)`` interface. Either way
:class:`BearerTokenAuth` puts the token on every request and fetches a new one before the
old one expires, so a long notebook session never sees a 401 from an expired token.

This module knows credentials only. Which one ``DICOM_AUTH`` selects, and where the
service is, is :mod:`helpers.service`'s job; provisioning the emulator's workshop app
is :mod:`helpers.emulator.identity`'s.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import requests
from azure.core.credentials import AccessToken, AccessTokenInfo, TokenCredential
from azure.core.exceptions import ClientAuthenticationError
from requests.auth import AuthBase

from helpers.config import DICOM_SCOPE, Settings

__all__ = ["DICOM_SCOPE", "BearerTokenAuth", "EmulatorCredential", "azure_credential"]

# azure-core refreshes tokens 5 minutes before they expire; so does BearerTokenAuth.
DEFAULT_REFRESH_MARGIN = 300.0


class EmulatorCredential:
    """Client credentials against the local identity service (``azure-identity``'s shape).

    Parameters
    ----------
    authority : str
        The emulator's root URL, e.g. ``http://127.0.0.1:8080``.
    tenant_id, client_id, client_secret : str
        As ``python -m dicom_emulator ad sp create-for-rbac`` printed them
        (``tenant``, ``appId``, ``password``).
    timeout : float
        Seconds to wait for the token endpoint.

    Examples
    --------
    >>> credential = EmulatorCredential("http://127.0.0.1:8080", tenant, app_id, secret)
    >>> credential.get_token("https://dicom.healthcareapis.azure.com/.default").token
    'eyJhbGciOiJSUzI1NiIs…'
    """

    def __init__(self, authority: str, tenant_id: str, client_id: str, client_secret: str,
                 timeout: float = 30.0) -> None:
        self.token_url = f"{authority.rstrip('/')}/{tenant_id}/oauth2/v2.0/token"
        self.client_id = client_id
        self._secret = client_secret
        self.timeout = timeout
        self._session = requests.Session()

    def __repr__(self) -> str:
        return f"EmulatorCredential({self.token_url!r}, client_id={self.client_id!r})"

    def get_token(self, *scopes: str, claims: str | None = None, tenant_id: str | None = None,
                  enable_cae: bool = False, **kwargs: Any) -> AccessToken:
        """A new token for ``scopes`` (normally :data:`DICOM_SCOPE`).

        Raises
        ------
        azure.core.exceptions.ClientAuthenticationError
            The identity service refused (bad secret, unknown app, wrong scope), with its
            ``AADSTS`` message, as ``azure-identity`` raises it.
        """
        info = self.get_token_info(*scopes)
        return AccessToken(info.token, info.expires_on)

    def get_token_info(self, *scopes: str, options: Any = None) -> AccessTokenInfo:
        """The ``SupportsTokenInfo`` form of :meth:`get_token`."""
        requested = time.time()
        response = self.request_token(*scopes)
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200 or "access_token" not in body:
            message = body.get("error_description") or response.text or response.reason
            raise ClientAuthenticationError(
                message=f"EmulatorCredential.get_token failed: {message}")
        return AccessTokenInfo(body["access_token"], int(requested) + int(body["expires_in"]))

    def request_token(self, *scopes: str) -> requests.Response:
        """The token endpoint's raw answer to the client-credentials request.

        :meth:`get_token` reads it; callers that need the status itself (a 400 or 401
        means the tenant, app or secret is not known there) use it directly.

        Raises
        ------
        ValueError
            No scope was given.
        """
        if not scopes:
            raise ValueError('"get_token" requires at least one scope')
        return self._session.post(self.token_url, timeout=self.timeout, data={
            "grant_type": "client_credentials", "client_id": self.client_id,
            "client_secret": self._secret, "scope": " ".join(scopes)})

    def close(self) -> None:
        """Close the HTTP session used for the token requests."""
        self._session.close()

    def __enter__(self) -> EmulatorCredential:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class BearerTokenAuth(AuthBase):
    """``Authorization: Bearer <token>`` on each request, renewed before it expires.

    Parameters
    ----------
    credential : TokenCredential
        Anything with ``get_token(*scopes)``: azure-identity's credentials or
        :class:`EmulatorCredential`.
    scope : str
        The scope to ask for.
    refresh_margin : float
        Seconds before expiry at which a new token is fetched. A token with a short
        lifetime is renewed after half of it at the latest, so even a 3-second token
        is reused a while rather than fetched for every request.
    clock : callable
        Returns the current time in seconds (tests pass their own).
    """

    def __init__(self, credential: TokenCredential, scope: str = DICOM_SCOPE,
                 refresh_margin: float = DEFAULT_REFRESH_MARGIN,
                 clock: Callable[[], float] = time.time) -> None:
        self.credential = credential
        self.scope = scope
        self.refresh_margin = refresh_margin
        self.clock = clock
        self.refreshes = 0  # how many tokens were fetched (a notebook can show renewal)
        self._token: AccessToken | None = None
        self._refresh_at = 0.0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"BearerTokenAuth({self.credential!r}, scope={self.scope!r})"

    @property
    def expires_on(self) -> int | None:
        """When the current token expires (seconds since the epoch), if there is one."""
        return self._token.expires_on if self._token else None

    def token(self) -> str:
        """The current token, fetched anew when it is due for renewal."""
        with self._lock:  # one fetch when several threads find the token due together
            now = self.clock()
            if self._token is None or now >= self._refresh_at:
                token = self.credential.get_token(self.scope)
                lifetime = max(token.expires_on - now, 0.0)
                self._refresh_at = token.expires_on - min(self.refresh_margin, lifetime / 2)
                self._token = token
                self.refreshes += 1
            return self._token.token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        return request


def azure_credential(settings: Settings) -> TokenCredential:
    """The azure-identity credential ``DICOM_AUTH`` names (``default``, ``azure-cli``,
    ``client-secret``), built without contacting anything yet."""
    from azure.identity import AzureCliCredential, ClientSecretCredential, DefaultAzureCredential

    mode = settings.auth_mode
    if mode == "azure-cli":
        return AzureCliCredential()
    if mode == "default":
        return DefaultAzureCredential()
    if mode == "client-secret":
        assert settings.tenant_id and settings.client_id and settings.client_secret
        return ClientSecretCredential(settings.tenant_id, settings.client_id,
                                      settings.client_secret.reveal())
    raise ValueError(f"DICOM_AUTH={mode} is not an Azure credential")
