"""A DICOMweb client for the configured service: Azure or the local emulator.

``make_client(settings)`` is the one way notebooks get a client: it finds (or starts)
the service, builds an authenticated :class:`requests.Session` and hands it to
dicomweb-client. Notebooks cannot tell Azure from the emulator.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit

import dicomweb_client
import requests
from dicomweb_client.session_utils import create_session, create_session_from_auth
from pydicom.dataset import Dataset
from requests.auth import AuthBase

from helpers.config import Settings

__all__ = ["AS_STORED", "FRAMES_AS_STORED", "DICOMwebClient", "make_client", "make_session",
           "service_url"]

MediaTypes = tuple[str | tuple[str, str], ...]

# "transfer-syntax=*": the instance as it was stored. Without it the Azure service
# transcodes to Explicit VR Little Endian, and answers 406 when it cannot.
AS_STORED: MediaTypes = (("application/dicom", "*"),)
FRAMES_AS_STORED: MediaTypes = (("application/octet-stream", "*"),)


class DICOMwebClient(dicomweb_client.DICOMwebClient):
    """dicomweb-client's ``DICOMwebClient`` with retrieve defaults that suit Azure.

    Study, series and frame retrieval ask for ``transfer-syntax=*`` unless
    ``media_types`` is given, as dicomweb-client already does for single instances.
    Pass ``media_types`` explicitly to request transcoding, e.g.
    ``(("application/dicom", "1.2.840.10008.1.2.1"),)``.
    """

    def __init__(self, url: str, *args: Any, **kwargs: Any):
        super().__init__(url, *args, **kwargs)
        # dicomweb-client sends "Host: <host>" without the port, which HTTP requires
        # for a non-default port; the service builds absolute URLs (RetrieveURL) from it.
        self.host = urlsplit(url).netloc.rsplit("@", 1)[-1]

    def retrieve_study(self, study_instance_uid: str,
                       media_types: MediaTypes | None = AS_STORED,
                       additional_params: dict[str, Any] | None = None) -> list[Dataset]:
        return super().retrieve_study(study_instance_uid, media_types, additional_params)

    def iter_study(self, study_instance_uid: str,
                   media_types: MediaTypes | None = AS_STORED,
                   additional_params: dict[str, Any] | None = None) -> Iterator[Dataset]:
        return super().iter_study(study_instance_uid, media_types, additional_params)

    def retrieve_series(self, study_instance_uid: str, series_instance_uid: str,
                        media_types: MediaTypes | None = AS_STORED,
                        additional_params: dict[str, Any] | None = None) -> list[Dataset]:
        return super().retrieve_series(study_instance_uid, series_instance_uid, media_types,
                                       additional_params)

    def iter_series(self, study_instance_uid: str, series_instance_uid: str,
                    media_types: MediaTypes | None = AS_STORED,
                    additional_params: dict[str, Any] | None = None) -> Iterator[Dataset]:
        return super().iter_series(study_instance_uid, series_instance_uid, media_types,
                                   additional_params)

    def retrieve_instance_frames(self, study_instance_uid: str, series_instance_uid: str,
                                 sop_instance_uid: str, frame_numbers: Sequence[int],
                                 media_types: MediaTypes | None = FRAMES_AS_STORED,
                                 additional_params: dict[str, Any] | None = None,
                                 ) -> list[bytes]:
        return super().retrieve_instance_frames(study_instance_uid, series_instance_uid,
                                                sop_instance_uid, frame_numbers, media_types,
                                                additional_params)

    def iter_instance_frames(self, study_instance_uid: str, series_instance_uid: str,
                             sop_instance_uid: str, frame_numbers: Sequence[int],
                             media_types: MediaTypes | None = FRAMES_AS_STORED,
                             additional_params: dict[str, Any] | None = None,
                             ) -> Iterator[bytes]:
        return super().iter_instance_frames(study_instance_uid, series_instance_uid,
                                            sop_instance_uid, frame_numbers, media_types,
                                            additional_params)


def service_url(settings: Settings) -> str:
    """The service root without version: ``DICOM_SERVICE_URL``, or the local emulator's
    (started when it is not running)."""
    if settings.service_url:
        return settings.service_url
    # Imported here so that ``python -m helpers.emulator`` finds it not yet imported.
    from helpers.emulator import ensure_emulator

    return ensure_emulator(settings)


def make_session(settings: Settings, auth: AuthBase | None = None) -> requests.Session:
    """A :class:`requests.Session` that authenticates every request to the service.

    Parameters
    ----------
    settings : Settings
        Selects the credential (``DICOM_AUTH``).
    auth : requests.auth.AuthBase, optional
        Use this instead of the credential the settings select.

    Returns
    -------
    requests.Session
    """
    auth = auth if auth is not None else _default_auth(settings)
    return create_session_from_auth(auth) if auth is not None else create_session()


def make_client(settings: Settings, auth: AuthBase | None = None) -> DICOMwebClient:
    """A :class:`DICOMwebClient` for the configured service and API version.

    Parameters
    ----------
    settings : Settings
        From :func:`helpers.load_settings`.
    auth : requests.auth.AuthBase, optional
        Overrides the credential the settings select.

    Returns
    -------
    DICOMwebClient
        Its ``base_url`` is the versioned root, e.g. ``http://127.0.0.1:8080/v2``.

    Examples
    --------
    >>> client = make_client(load_settings())           # doctest: +SKIP
    >>> client.search_for_studies(search_filters={"PatientID": "ID1"})  # doctest: +SKIP
    """
    root = service_url(settings)
    return DICOMwebClient(url=f"{root}/v{settings.api_version}",
                          session=make_session(settings, auth))


def _default_auth(settings: Settings) -> AuthBase | None:
    if settings.auth_mode == "none":
        return None
    if importlib.util.find_spec("helpers.auth") is None:
        # Until the identity helpers exist the local emulator accepts every request.
        if settings.is_local:
            return None
        raise RuntimeError(f"DICOM_AUTH={settings.auth_mode} needs helpers/auth.py")
    from helpers.auth import make_auth  # type: ignore[import-not-found]

    return make_auth(settings)  # type: ignore[no-any-return]
