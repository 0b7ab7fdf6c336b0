"""A DICOMweb client for the configured service: Azure or the local emulator.

``make_client(settings)`` is the one way notebooks get a client: it finds (or starts)
the service, builds an authenticated :class:`requests.Session` and hands it to
dicomweb-client. Notebooks cannot tell Azure from the emulator. ``make_session`` is the
same session on its own, for the raw HTTP calls; ``trace=True`` on either prints every
request (:mod:`helpers.wire`).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import dicomweb_client
import requests
from dicomweb_client.session_utils import create_session, create_session_from_auth
from pydicom import dcmread
from pydicom.dataset import Dataset
from requests.auth import AuthBase
from tqdm.auto import tqdm

from helpers.config import Settings
from helpers.emulator.connection import LocalEmulatorAdapter
from helpers.emulator.process import emulator_url
from helpers.service import make_auth, service_url
from helpers.wire import show_wire

__all__ = ["AS_STORED", "FRAMES_AS_STORED", "STORE_FAILURE_REASONS", "DICOMwebClient",
           "StoreSummary", "make_client", "make_session", "store_files"]

MediaTypes = tuple[str | tuple[str, str], ...]

# "transfer-syntax=*": the instance as it was stored. Without it the Azure service
# transcodes to Explicit VR Little Endian, and answers 406 when it cannot.
AS_STORED: MediaTypes = (("application/dicom", "*"),)
FRAMES_AS_STORED: MediaTypes = (("application/octet-stream", "*"),)

# FailureReason (0008,1197) values of the Azure service's STOW response.
STORE_FAILURE_REASONS = {
    272: "processing failure: the service could not store the instance",
    43264: "validation failed: an unreadable or empty file, or a required attribute "
           "missing or invalid",
    43265: "the instance's StudyInstanceUID differs from the one in the URL",
    45070: "an instance with these UIDs already exists (POST never replaces: PUT does)",
    45071: "the instance is being created by another request",
}
ALREADY_STORED = 45070


class DICOMwebClient(dicomweb_client.DICOMwebClient):
    """dicomweb-client's ``DICOMwebClient`` with retrieve defaults that suit Azure.

    Study, series and frame retrieval ask for ``transfer-syntax=*`` (the data as
    stored) unless ``media_types`` is given, as dicomweb-client already does for single
    instances. The library leaves the parameter out there, and the Azure service then
    transcodes to Explicit VR Little Endian, answering 406 when it cannot (12-bit JPEG,
    for one). Pass ``media_types`` explicitly to request transcoding, e.g.
    ``(("application/dicom", "1.2.840.10008.1.2.1"),)``. Everything else is the library's.
    """

    def __init__(self, url: str, *args: Any, **kwargs: Any) -> None:
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


def make_session(settings: Settings, auth: AuthBase | None = None, *,
                 trace: bool = False) -> requests.Session:
    """A :class:`requests.Session` that authenticates every request to the service.

    Parameters
    ----------
    settings : Settings
        Selects the credential (``DICOM_AUTH``).
    auth : requests.auth.AuthBase, optional
        Use this instead of the credential the settings select.
    trace : bool
        Print every request and response line (see :func:`helpers.show_wire`).

    Returns
    -------
    requests.Session
    """
    auth = auth if auth is not None else make_auth(settings)
    session = create_session_from_auth(auth) if auth is not None else create_session()
    if settings.is_local:  # a stopped emulator: one line of advice, at once
        url = emulator_url(settings)
        session.mount(f"{url}/", LocalEmulatorAdapter(url))
    if trace:
        show_wire(session)
    return session


def make_client(settings: Settings, auth: AuthBase | None = None, *,
                trace: bool = False) -> DICOMwebClient:
    """A :class:`DICOMwebClient` for the configured service and API version.

    Parameters
    ----------
    settings : Settings
        From :func:`helpers.load_settings`.
    auth : requests.auth.AuthBase, optional
        Overrides the credential the settings select.
    trace : bool
        Print every request the client sends, with its status and Content-Type (see
        :func:`helpers.show_wire`, which does the same for a single block).

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
    client = DICOMwebClient(url=f"{root}/v{settings.api_version}",
                            session=make_session(settings, auth, trace=trace))
    if settings.is_local:
        # dicomweb-client retries for 30 s, on any exception too (a refused connection);
        # it is for Azure's 429 and 503, which the emulator never answers.
        client.set_http_retry_params(retry=False)
    return client


@dataclass
class StoreSummary:
    """What :func:`store_files` did: counts, and the failures other than 45070."""

    stored: int = 0
    already_stored: int = 0
    failed: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        return (f"{self.stored} stored, {self.already_stored} already stored, "
                f"{len(self.failed)} failed")


def store_files(client: dicomweb_client.DICOMwebClient,
                paths: Sequence[str | os.PathLike[str]], batch_size: int = 10,
                progress: bool = False) -> StoreSummary:
    """Store DICOM files, several per STOW-RS request, tolerating earlier copies.

    Re-running is safe: instances already in the service (failure reason 45070) are
    counted, not raised. Use it to seed a notebook; 01-store-stow-rs shows the calls.

    Parameters
    ----------
    client : DICOMwebClient
        From :func:`make_client`.
    paths : sequence of path
        Part 10 files.
    batch_size : int
        Instances per request.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    StoreSummary

    Raises
    ------
    ValueError
        ``batch_size`` is not positive.
    requests.HTTPError
        The service refused a request as a whole (401, 403, 413, 415...).
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    summary = StoreSummary()
    batches = [paths[i:i + batch_size] for i in range(0, len(paths), batch_size)]
    for batch in tqdm(batches, unit="request", disable=not progress):
        with warnings.catch_warnings():
            # The service's ErrorComment texts are longer than their VR (LO) allows.
            warnings.filterwarnings("ignore", message="The value length", category=UserWarning)
            try:
                response = client.store_instances([dcmread(p) for p in batch])
            except requests.HTTPError as error:
                # 409 means every instance failed; the body still says why, per instance.
                if error.response is None or error.response.status_code != 409:
                    raise
                response = Dataset.from_json(error.response.json())
        summary.stored += len(response.get("ReferencedSOPSequence", []))
        for item in response.get("FailedSOPSequence", []):
            if item.FailureReason == ALREADY_STORED:
                summary.already_stored += 1
            else:
                summary.failed[str(item.get("ReferencedSOPInstanceUID", "?"))] = int(
                    item.FailureReason)
    return summary
