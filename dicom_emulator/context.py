"""Per-request facts every feature needs: API version, base URL, services, Accept checks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from dicom_emulator.errors import (
    DicomServiceError,
    InstanceNotFoundError,
    NotAcceptableError,
    SeriesNotFoundError,
    StudyNotFoundError,
)
from dicom_emulator.media import DICOM_JSON, parse_accept
from dicom_emulator.validation import check_path_uid

if TYPE_CHECKING:
    from dicom_emulator.services import Services

API_PREFIXES = {"v1.0-prerelease": 1, "v1": 1, "v2": 2}


class ApiVersion:
    """ASGI wrapper that marks requests under ``/v1``, ``/v2``… with their API version."""

    def __init__(self, app: ASGIApp, prefix: str):
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["dicom.api_prefix"] = self.prefix
        await self.app(scope, receive, send)


def api_version(request: Request) -> int:
    return API_PREFIXES[request.scope["dicom.api_prefix"]]


def base_url(request: Request) -> str:
    """Absolute URL of the versioned service root, e.g. ``http://127.0.0.1:8080/v2``."""
    url = request.url
    netloc = url.netloc
    server = request.scope.get("server")
    default_port = {"http": 80, "https": 443}.get(url.scheme)
    if url.port is None and server and server[1] not in (None, default_port):
        # dicomweb-client sends "Host: <host>" without the port; without this the URLs in
        # STOW responses would point at port 80 instead of the emulator's.
        netloc = f"{netloc}:{server[1]}"
    return f"{url.scheme}://{netloc}/{request.scope['dicom.api_prefix']}"


def services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


def require_dicom_json_accept(request: Request) -> None:
    """STOW, QIDO and metadata: Accept must admit application/dicom+json, else 406."""
    if not any(m.matches(DICOM_JSON) for m in parse_accept(request.headers.get("accept"))):
        raise NotAcceptableError()


def path_uids(request: Request) -> tuple[str, str | None, str | None]:
    """The study, series and instance UIDs of the path, validated (400 when invalid)."""
    params = request.path_params
    study = check_path_uid(params["study"], "StudyInstanceUid")
    series = check_path_uid(params["series"], "SeriesInstanceUid") if "series" in params else None
    sop = check_path_uid(params["instance"], "SopInstanceUid") if "instance" in params else None
    return study, series, sop


def not_found(series: str | None, sop: str | None) -> DicomServiceError:
    """404 named after the level asked for (the service's ``ThrowNotFoundException``)."""
    if sop is not None:
        return InstanceNotFoundError()
    return SeriesNotFoundError() if series is not None else StudyNotFoundError()
