"""Per-request facts every endpoint needs: base URL, components, Accept checks, path UIDs."""

from __future__ import annotations

from starlette.requests import Request

from dicom_emulator.components import Components
from dicom_emulator.dicom.validation import check_path_uid
from dicom_emulator.errors import NotAcceptableError
from dicom_emulator.storage.index import InstanceUids
from dicom_emulator.storage.schema import DEFAULT_PARTITION_KEY
from dicom_emulator.web.media import DICOM_JSON, parse_accept
from dicom_emulator.web.versions import api_prefix, api_version

__all__ = ["api_version", "base_url", "components", "optional_path_uids", "partition_key",
           "path_uids", "require_dicom_json_accept", "use_partition"]

_PARTITION_KEY, _PARTITION_PATH = "dicom.partition_key", "dicom.partition_path"


def use_partition(request: Request, key: int, name: str) -> None:
    """Make the request one in partition ``key``, named ``name`` in its path (the data
    partitions filter calls this before the handler runs)."""
    request.scope[_PARTITION_KEY] = key
    request.scope[_PARTITION_PATH] = f"/partitions/{name}"


def partition_key(request: Request) -> int:
    """The key of the partition the request is in: what every service and storage call
    of a partitioned route family takes (the default partition's unless its path named
    another)."""
    return int(request.scope.get(_PARTITION_KEY, DEFAULT_PARTITION_KEY))


def base_url(request: Request, *, partition: bool = True) -> str:
    """Absolute URL of the versioned service root, e.g. ``http://127.0.0.1:8080/v2``, or of
    the partition the request is in (``…/v2/partitions/p1``): the base of every URL the
    service returns (``web.urls``).

    Learn, "URL manipulation" (dicom-proxy-url-support, 2024): ``X-Forwarded-Host``
    replaces the host, ``X-Forwarded-Prefix`` replaces the path part that names the
    version (and partition), e.g. ``https://api.example.com/newbasePath/studies/…``. The
    scheme stays the request's. Either header may come alone.

    ``partition=False``: the version's root even in a partition, for the URLs of routes
    the service has below the version only (an export's operation status).
    """
    url = request.url
    netloc = url.netloc
    server = request.scope.get("server")
    default_port = {"http": 80, "https": 443}.get(url.scheme)
    if url.port is None and server and server[1] not in (None, default_port):
        # dicomweb-client sends "Host: <host>" without the port; without this the URLs in
        # STOW responses would point at port 80 instead of the emulator's.
        netloc = f"{netloc}:{server[1]}"
    forwarded_host = _forwarded(request, "x-forwarded-host")
    if forwarded_host is not None:
        netloc = forwarded_host
    path = "/" + api_prefix(request) + (request.scope.get(_PARTITION_PATH, "") if partition
                                        else "")
    forwarded_prefix = _forwarded(request, "x-forwarded-prefix")
    if forwarded_prefix is not None:
        path = "/" + forwarded_prefix.strip("/") if forwarded_prefix.strip("/") else ""
    return f"{url.scheme}://{netloc}{path}"


def _forwarded(request: Request, header: str) -> str | None:
    """A forwarded header's value (the first, i.e. the client's, if a proxy chain listed
    several), or None if absent or empty."""
    value = request.headers.get(header, "").split(",")[0].strip()
    return value or None


def components(request: Request) -> Components:
    found = request.app.state.components
    assert isinstance(found, Components)
    return found


def require_dicom_json_accept(request: Request) -> None:
    """STOW, QIDO and metadata: Accept must admit application/dicom+json, else 406."""
    if not any(m.matches(DICOM_JSON) for m in parse_accept(request.headers.get("accept"))):
        raise NotAcceptableError()


_PATH_UIDS = (("study", "StudyInstanceUid"), ("series", "SeriesInstanceUid"),
              ("instance", "SopInstanceUid"))


def optional_path_uids(request: Request) -> tuple[str | None, str | None, str | None]:
    """The study, series and instance UIDs the path has (None where it has none), each
    validated: :class:`~dicom_emulator.errors.InvalidIdentifierError` (400) if invalid."""
    params = request.path_params
    study, series, sop = (check_path_uid(params[key], name) if key in params else None
                          for key, name in _PATH_UIDS)
    return study, series, sop


def path_uids(request: Request) -> InstanceUids:
    """:func:`optional_path_uids` of a route whose path always names a study."""
    study, series, sop = optional_path_uids(request)
    assert study is not None, "a route without {study} in its path"
    return study, series, sop
