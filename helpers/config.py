"""Client settings: environment variables, then ``.env``, then defaults.

This module is the only place the client side (notebooks, helpers) reads its
configuration from. With no ``DICOM_SERVICE_URL`` the kit talks to the local emulator,
which :mod:`helpers.emulator.process` starts on demand.

========================  =====================================================  =========
Variable                  Meaning                                                Default
========================  =====================================================  =========
DICOM_SERVICE_URL         service root without version, e.g.                     (local
                          ``https://ws-dicom.dicom.azurehealthcareapis.com``     emulator)
DICOM_API_VERSION         ``2``, ``1`` or ``1.0-prerelease``                     ``2``
DICOM_AUTH                ``auto``, ``none``, ``emulator``, ``azure-cli``,       ``auto``
                          ``default`` (DefaultAzureCredential), ``client-secret``
AZURE_TENANT_ID           Entra tenant (client-secret)                           --
AZURE_CLIENT_ID           app registration's client id (client-secret)          --
AZURE_CLIENT_SECRET       its secret; held in a :class:`Secret`                  --
DICOM_EMULATOR_DATA_DIR   the local emulator's state (relative: to the repo)     ``.dicom-emulator``
DICOM_EMULATOR_PORT       the local emulator's port on 127.0.0.1                 ``8080``
EXPORT_ACCOUNT_URL        the storage account export writes to, e.g.             (local
                          ``https://<account>.blob.core.windows.net``            Azurite)
EXPORT_CONTAINER          the blob container export writes to                    ``export``
AZURITE_PORT              local Azurite's blob port on 127.0.0.1                 ``10000``
AZURITE_DATA_DIR          local Azurite's data (relative: to the repo)           ``.azurite``
========================  =====================================================  =========

``DICOM_EMULATOR_DATA_PARTITIONS=on`` creates the local emulator with data partitions
(default off; lesson 08 starts a second emulator that has them).

``DICOM_AUTH=auto`` means: the emulator's workshop app for the local emulator;
``client-secret`` when ``AZURE_CLIENT_SECRET`` is set; otherwise ``default``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values, find_dotenv

__all__ = ["AUTH_MODES", "PROJECT_ROOT", "Secret", "Settings", "load_settings", "mask"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
API_VERSIONS = ("2", "1", "1.0-prerelease")
AUTH_MODES = ("auto", "none", "emulator", "azure-cli", "default", "client-secret")
DEFAULT_EMULATOR_PORT = 8080
DEFAULT_EMULATOR_DATA_DIR = ".dicom-emulator"
DEFAULT_AZURITE_PORT = 10000  # Azurite's own default blob port
DEFAULT_AZURITE_DATA_DIR = ".azurite"
# Every DICOM service, whatever its URL, accepts tokens for this one audience.
DICOM_SCOPE = "https://dicom.healthcareapis.azure.com/.default"


def mask(value: str, keep: int = 4) -> str:
    """Show only the first ``keep`` characters of a secret (never the whole value).

    Parameters
    ----------
    value : str
        A secret such as a client secret or an access token.
    keep : int
        How many leading characters to show; values shorter than ``2 * keep``
        are hidden completely.

    Returns
    -------
    str
        For example ``'eyJ0…(1234 chars)'``.

    Examples
    --------
    >>> mask("s3cr3t-value-that-is-long")
    's3cr…(25 chars)'
    """
    if len(value) < 2 * keep:
        return f"…({len(value)} chars)"
    return f"{value[:keep]}…({len(value)} chars)"


class Secret:
    """A string that does not show itself in reprs, logs or notebook outputs.

    Call :meth:`reveal` where the real value is needed (e.g. to build a credential).
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret value itself; do not print it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class Settings:
    """Where the DICOM service is and how to authenticate to it.

    Build it with :func:`load_settings`; the fields mirror the variables in the
    module docstring.
    """

    service_url: str | None = None
    api_version: str = "2"
    auth: str = "auto"
    tenant_id: str | None = None
    client_id: str | None = None
    client_secret: Secret | None = None
    emulator_data_dir: Path = field(
        default_factory=lambda: PROJECT_ROOT / DEFAULT_EMULATOR_DATA_DIR)
    emulator_port: int = DEFAULT_EMULATOR_PORT
    emulator_data_partitions: bool = False
    env_file: Path | None = None
    # Export's destination: a storage account on Azure, else the local Azurite.
    export_account_url: str | None = None
    export_container: str = "export"
    azurite_port: int = DEFAULT_AZURITE_PORT
    azurite_data_dir: Path = field(
        default_factory=lambda: PROJECT_ROOT / DEFAULT_AZURITE_DATA_DIR)

    def __post_init__(self) -> None:
        _check_settings(self)

    @property
    def is_local(self) -> bool:
        """True when the kit uses the local emulator (no ``DICOM_SERVICE_URL``)."""
        return self.service_url is None

    @property
    def auth_mode(self) -> str:
        """``DICOM_AUTH`` with ``auto`` resolved to the mode actually used."""
        if self.auth != "auto":
            return self.auth
        if self.is_local:
            return "emulator"
        return "client-secret" if self.client_secret is not None else "default"

    @property
    def scope(self) -> str:
        """The OAuth scope of DICOM service tokens (the same for every service)."""
        return DICOM_SCOPE

    def describe(self) -> str:
        """One line for a notebook's setup cell: URL, data dir, local or Azure; no secret.

        :func:`helpers.make_client` refuses an emulator port served by another checkout's
        emulator (or anything else), so once it has returned, this line is what serves.
        """
        target = (f"local emulator at http://127.0.0.1:{self.emulator_port} "
                  f"(data dir {self.emulator_data_dir})"
                  if self.is_local else f"{self.service_url} (Azure)")
        return f"DICOM service: {target} · API v{self.api_version} · auth: {self.auth_mode}"


def load_settings(env_file: str | os.PathLike[str] | None = None,
                  environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings: environment variables, then ``.env``, then defaults.

    Parameters
    ----------
    env_file : path, optional
        The ``.env`` file to read. By default the nearest ``.env`` in the current
        folder or one of its parents (so notebooks in ``notebooks/`` find the
        repository's ``.env``); none is fine.
    environ : mapping, optional
        The environment (default :data:`os.environ`); tests pass their own.

    Returns
    -------
    Settings

    Raises
    ------
    ValueError
        A value is invalid; the message names the variable to fix.
    FileNotFoundError
        ``env_file`` was given and does not exist.
    """
    environ = os.environ if environ is None else environ
    if env_file is None:
        found = find_dotenv(usecwd=True)
        path = Path(found) if found else None
    else:
        path = Path(env_file)
        if not path.is_file():
            raise FileNotFoundError(f"env_file {path} does not exist")
    file_values = {k: v for k, v in dotenv_values(path).items() if v} if path else {}

    def get(name: str) -> str | None:
        # An empty value (``DICOM_SERVICE_URL=`` copied from .env.example) means unset.
        for source in (environ, file_values):
            value = (source.get(name) or "").strip()
            if value:
                return value
        return None

    secret = get("AZURE_CLIENT_SECRET")
    data_dir = Path(get("DICOM_EMULATOR_DATA_DIR") or DEFAULT_EMULATOR_DATA_DIR).expanduser()
    port = get("DICOM_EMULATOR_PORT") or str(DEFAULT_EMULATOR_PORT)
    if not port.isdigit():
        raise ValueError(f"DICOM_EMULATOR_PORT must be a port number, not {port!r}")
    url = get("DICOM_SERVICE_URL")
    azurite_port = get("AZURITE_PORT") or str(DEFAULT_AZURITE_PORT)
    if not azurite_port.isdigit():
        raise ValueError(f"AZURITE_PORT must be a port number, not {azurite_port!r}")
    azurite_dir = Path(get("AZURITE_DATA_DIR") or DEFAULT_AZURITE_DATA_DIR).expanduser()
    account_url = get("EXPORT_ACCOUNT_URL")
    return Settings(
        service_url=url.rstrip("/") if url else None,
        api_version=(get("DICOM_API_VERSION") or "2").removeprefix("v"),
        auth=(get("DICOM_AUTH") or "auto").lower(),
        tenant_id=get("AZURE_TENANT_ID"),
        client_id=get("AZURE_CLIENT_ID"),
        client_secret=Secret(secret) if secret else None,
        emulator_data_dir=data_dir if data_dir.is_absolute() else PROJECT_ROOT / data_dir,
        emulator_port=int(port),
        emulator_data_partitions=(get("DICOM_EMULATOR_DATA_PARTITIONS") or "off").lower()
        in ("on", "1", "true", "yes"),
        env_file=path,
        export_account_url=account_url.rstrip("/") if account_url else None,
        export_container=get("EXPORT_CONTAINER") or "export",
        azurite_port=int(azurite_port),
        azurite_data_dir=azurite_dir if azurite_dir.is_absolute() else PROJECT_ROOT / azurite_dir,
    )


def _check_settings(settings: Settings) -> None:
    if settings.api_version not in API_VERSIONS:
        raise ValueError(f"DICOM_API_VERSION must be one of {', '.join(API_VERSIONS)}, "
                         f"not {settings.api_version!r}")
    if settings.auth not in AUTH_MODES:
        raise ValueError(f"DICOM_AUTH must be one of {', '.join(AUTH_MODES)}, "
                         f"not {settings.auth!r}")
    if not 0 < settings.emulator_port < 65536:
        raise ValueError(f"DICOM_EMULATOR_PORT must be 1-65535, not {settings.emulator_port}")
    if settings.service_url is not None:
        parts = urlsplit(settings.service_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("DICOM_SERVICE_URL must be an http(s) URL such as "
                             "https://<workspace>-<service>.dicom.azurehealthcareapis.com, "
                             f"not {settings.service_url!r}")
        last = parts.path.rstrip("/").rsplit("/", 1)[-1]
        if last.removeprefix("v") in API_VERSIONS and last.startswith("v"):
            raise ValueError("DICOM_SERVICE_URL must not end with the API version "
                             f"(/{last}); remove it and set DICOM_API_VERSION instead")
    if settings.auth_mode == "client-secret":
        missing = [name for name, value in (("AZURE_TENANT_ID", settings.tenant_id),
                                            ("AZURE_CLIENT_ID", settings.client_id),
                                            ("AZURE_CLIENT_SECRET", settings.client_secret))
                   if not value]
        if missing:
            raise ValueError(f"DICOM_AUTH=client-secret needs {', '.join(missing)}")
