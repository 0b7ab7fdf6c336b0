"""Server settings: command line, then ``DICOM_EMULATOR_*`` environment, then defaults.

This module is the only place the emulator reads its configuration from.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from dicom_emulator.web.cors_policy import CorsPolicy
from dicom_emulator.web.min_data_rate import DataRateLimits

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_DATA_DIR = ".dicom-emulator"
DEFAULT_TOKEN_LIFETIME = 3600
# The managed service accepts up to 4 GB per STOW request (Learn, DICOM conformance
# statement v2, 2024: "Requests are limited to 4GB"; it was 2 GB).
DEFAULT_MAX_REQUEST_BYTES = 4 * 1024**3
# RetrieveConfiguration.MaxDicomFileSize: larger files are not transcoded or rendered.
DEFAULT_MAX_TRANSCODE_BYTES = 100 * 1024**2


def _env(name: str, default: str) -> str:
    return os.environ.get(f"DICOM_EMULATOR_{name}", default)


def viewer_dist_from(value: str) -> Path | None:
    """``on`` means the kit's own OHIF install (``make viewer``); a path, that build."""
    if value.lower() in ("", "off", "0", "false", "no"):
        return None
    if value.lower() in ("on", "1", "true", "yes"):
        from dicom_emulator.viewer.files import DEFAULT_DIST
        return DEFAULT_DIST
    return Path(value)


def _switch(value: str) -> bool | None:
    """``on``/``off`` (and 1/0, true/false, yes/no) as a bool; empty as None."""
    if not value:
        return None
    return value.lower() not in ("off", "0", "false", "no")


@dataclass(frozen=True)
class EmulatorSettings:
    """Everything the emulator needs to know to start.

    Parameters
    ----------
    data_dir : Path
        Folder holding the SQLite index, the instance files and identity keys.
    host, port : str, int
        Where uvicorn listens; port 0 picks a free port.
    auth : bool
        Whether bearer tokens are required (Azure always requires them).
    token_lifetime : int
        Lifetime in seconds of tokens the local identity service issues.
    max_request_bytes : int
        Largest STOW request body (413 past it); ``DICOM_EMULATOR_MAX_REQUEST_BYTES``.
    idle_timeout : float
        Seconds a client may stay silent while it owes a request or its body
        (``DICOM_EMULATOR_IDLE_TIMEOUT``); then its connection is closed.
    data_rate : DataRateLimits
        Kestrel's deadline for a request head (then 408) and minimum rate for a body
        (then the service's 400); ``DICOM_EMULATOR_REQUEST_HEADERS_TIMEOUT``,
        ``_MIN_REQUEST_BODY_DATA_RATE``, ``_MIN_REQUEST_BODY_GRACE``.
    https_port : int or None
        Also serve HTTPS here (0: a free port), with a certificate from a CA made for the
        data dir, for clients that insist on an https:// authority; None: HTTP only.
    viewer_dist : Path or None
        Serve the OHIF viewer built in this folder at the origin's root (``serve
        --viewer``, ``DICOM_EMULATOR_VIEWER=on``); None: no viewer.
    data_partitions : bool or None
        Whether the service is created with data partitions (``--data-partitions``,
        ``DICOM_EMULATOR_DATA_PARTITIONS=on|off``); None: as the data dir recorded when
        it was last served (off for a new one). Off is refused at start while a
        partition other than the default one exists.
    cors : CorsPolicy
        The service's CORS setting (default: no origin allowed); ``DICOM_EMULATOR_CORS_*``.
    storage_credential : str or None
        ``accountName:accountKey`` of the storage account the service's managed identity
        may write to (locally: Azurite's), for export; ``DICOM_EMULATOR_STORAGE_CREDENTIAL``
        or ``serve --storage-credential``. Never logged or shown (``repr=False``).
    """

    data_dir: Path = field(default_factory=lambda: Path(DEFAULT_DATA_DIR))
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    auth: bool = True
    token_lifetime: int = DEFAULT_TOKEN_LIFETIME
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    max_transcode_bytes: int = DEFAULT_MAX_TRANSCODE_BYTES
    https_port: int | None = None
    viewer_dist: Path | None = None
    idle_timeout: float = 30.0
    data_rate: DataRateLimits = field(default_factory=DataRateLimits)
    data_partitions: bool | None = None
    cors: CorsPolicy = field(default_factory=CorsPolicy)
    storage_credential: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, **overrides: object) -> EmulatorSettings:
        """Settings from ``DICOM_EMULATOR_*`` variables; keyword overrides win."""
        values: dict[str, object] = {
            "data_dir": Path(_env("DATA_DIR", DEFAULT_DATA_DIR)),
            "host": _env("HOST", DEFAULT_HOST),
            "port": int(_env("PORT", str(DEFAULT_PORT))),
            "auth": _env("AUTH", "on").lower() not in ("off", "0", "false", "no"),
            "token_lifetime": int(_env("TOKEN_LIFETIME", str(DEFAULT_TOKEN_LIFETIME))),
            "max_request_bytes": int(_env("MAX_REQUEST_BYTES", str(DEFAULT_MAX_REQUEST_BYTES))),
            "https_port": int(_env("HTTPS_PORT", "")) if _env("HTTPS_PORT", "") else None,
            "viewer_dist": viewer_dist_from(_env("VIEWER", "off")),
            "idle_timeout": float(_env("IDLE_TIMEOUT", "30")),
            "data_rate": _data_rate_from_env(),
            "data_partitions": _switch(_env("DATA_PARTITIONS", "")),
            "storage_credential": _env("STORAGE_CREDENTIAL", "") or None,
        }
        values["cors"] = _cors_from_env()
        values.update({k: v for k, v in overrides.items() if v is not None})
        values["data_dir"] = Path(str(values["data_dir"]))
        return cls(**values)  # type: ignore[arg-type]

    @property
    def index_path(self) -> Path:
        return self.data_dir / "index.sqlite"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def tmp_dir(self) -> Path:
        return self.data_dir / "tmp"


def _data_rate_from_env() -> DataRateLimits:
    kestrel = DataRateLimits()
    return DataRateLimits(
        float(_env("REQUEST_HEADERS_TIMEOUT", str(kestrel.headers_timeout))),
        float(_env("MIN_REQUEST_BODY_DATA_RATE", str(kestrel.body_rate))),
        float(_env("MIN_REQUEST_BODY_GRACE", str(kestrel.body_grace))))


def _cors_from_env() -> CorsPolicy:
    """``DICOM_EMULATOR_CORS_ORIGINS``/``_HEADERS``/``_METHODS`` (comma- or space-separated),
    ``_MAX_AGE`` (seconds) and ``_ALLOW_CREDENTIALS`` (true/false): the portal's CORS blade."""
    max_age = _env("CORS_MAX_AGE", "")
    return CorsPolicy.from_lists(
        [_env("CORS_ORIGINS", "")], [_env("CORS_HEADERS", "")], [_env("CORS_METHODS", "")],
        int(max_age) if max_age else None,
        _env("CORS_ALLOW_CREDENTIALS", "false").lower() in ("1", "true", "yes", "on"))
