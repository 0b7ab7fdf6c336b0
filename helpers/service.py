"""Where the DICOM service is, and which credential gets in.

With ``DICOM_SERVICE_URL`` set, the service is that URL (Azure, usually) and the
credential is azure-identity's. Without it, the service is the local emulator, started
on demand by :mod:`helpers.emulator.process`, and the credential signs in as its
workshop app (:mod:`helpers.emulator.identity`). ``DICOM_AUTH`` (see
:mod:`helpers.config`) overrides the choice of credential. :func:`helpers.make_client`
asks this module both questions.
"""

from __future__ import annotations

from azure.core.credentials import TokenCredential
from requests.auth import AuthBase

from helpers.auth import BearerTokenAuth, azure_credential
from helpers.config import Settings
from helpers.emulator.connection import RenewingEmulatorAuth
from helpers.emulator.identity import emulator_client_secret_credential, emulator_credential
from helpers.emulator.process import ensure_emulator

__all__ = ["make_auth", "make_credential", "service_url"]


def service_url(settings: Settings) -> str:
    """The service root without version: ``DICOM_SERVICE_URL``, or the local emulator's
    (started when it is not running)."""
    if settings.service_url:
        return settings.service_url
    return ensure_emulator(settings)


def make_credential(settings: Settings) -> TokenCredential | None:
    """The credential ``DICOM_AUTH`` selects; None for ``none``.

    ``emulator`` is :class:`~helpers.auth.EmulatorCredential` for the workshop app;
    ``client-secret`` without ``DICOM_SERVICE_URL`` is azure-identity's own class against
    the emulator (see :func:`~helpers.emulator.identity.emulator_client_secret_credential`);
    the others are Azure's, built without contacting anything yet.
    """
    if settings.auth_mode == "none":
        return None
    if settings.auth_mode == "emulator":
        return emulator_credential(settings, service_url(settings))
    if settings.auth_mode == "client-secret" and settings.is_local:
        return emulator_client_secret_credential(settings, service_url(settings))
    return azure_credential(settings)


def make_auth(settings: Settings) -> AuthBase | None:
    """The ``requests`` auth :func:`helpers.make_client` installs; None for ``none``.

    For the emulator's workshop app it is a
    :class:`~helpers.emulator.connection.RenewingEmulatorAuth`, which gets a new app and
    token when the emulator was reset under an open notebook.
    """
    if settings.auth_mode == "emulator":
        url = service_url(settings)
        return RenewingEmulatorAuth(url, lambda: emulator_credential(settings, url))
    credential = make_credential(settings)
    return BearerTokenAuth(credential) if credential is not None else None
