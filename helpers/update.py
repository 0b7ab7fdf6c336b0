"""Bulk update (Azure-only, API v2): change attributes of whole studies, keep the original.

``POST /v2/studies/$bulkUpdate`` with the studies and a *change dataset* (DICOM JSON)
starts a long-running ``update`` operation; :func:`bulk_update` starts it and waits for
it with a progress bar, as :func:`helpers.extended_query_tags.wait_for_operation` waits
for a reindex. Only patient identification and demographics, AccessionNumber,
ReferringPhysicianName and StudyDescription can change, and (since 2025) the study,
series and SOP instance UIDs. Each updated instance keeps its **original** version:
:func:`retrieve_original_instance` and :func:`retrieve_original_metadata` read it
(header ``msdicom-request-original: true``).

Functions take the kit's client (:func:`helpers.make_client`); its session and
``base_url`` (which must be a v2 one: v1 has no bulk update) make the requests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from pydicom import Dataset, dcmread

from helpers._http import checked, lower_keys
from helpers.extended_query_tags import Operation, OperationReference, wait_for_operation

__all__ = [
    "ORIGINAL_HEADER",
    "UpdateResults",
    "bulk_update",
    "change_dataset",
    "retrieve_original_instance",
    "retrieve_original_metadata",
    "start_bulk_update",
]

ORIGINAL_HEADER = {"msdicom-request-original": "true"}


@dataclass(frozen=True)
class UpdateResults:
    """What an update operation did (its ``results``)."""

    study_processed: int = 0
    study_updated: int = 0
    study_failed: int = 0
    instance_updated: int = 0
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_operation(cls, operation: Operation) -> UpdateResults:
        item = lower_keys(operation.results or {})
        return cls(study_processed=int(item.get("studyprocessed", 0)),
                   study_updated=int(item.get("studyupdated", 0)),
                   study_failed=int(item.get("studyfailed", 0)),
                   instance_updated=int(item.get("instanceupdated", 0)),
                   errors=list(item.get("errors") or []))


def change_dataset(**attributes: Any) -> dict[str, Any]:
    """A change dataset in DICOM JSON from keywords, e.g. ``change_dataset(PatientName="A^B")``."""
    ds = Dataset()
    for keyword, value in attributes.items():
        setattr(ds, keyword, value)
    return ds.to_json_dict()


def _session(client: Any) -> Any:
    # dicomweb-client keeps its authenticated requests session here; the Azure-only
    # calls go through it so they carry the same token (and the same wire trace).
    return client._session


def start_bulk_update(client: Any, study_uids: list[str], changes: dict[str, Any] | Dataset,
                      *, series_instance_uid: str | None = None,
                      sop_instance_uid: str | None = None) -> OperationReference:
    """Start an update operation; its reference (``id``, ``href``).

    Parameters
    ----------
    study_uids : list of str
        At most 50 studies (one for a UID update).
    changes : dict or pydicom.Dataset
        The change dataset: DICOM JSON, or a dataset to encode as DICOM JSON.
    series_instance_uid, sop_instance_uid : str, optional
        For UID updates: the series (and instance) whose UIDs change.

    Raises
    ------
    requests.HTTPError
        400 with the service's message (an attribute that cannot change is listed in the
        body's FailedAttributesSequence), 409 while the study is being updated.
    """
    body: dict[str, Any] = {
        "studyInstanceUids": list(study_uids),
        "changeDataset": changes.to_json_dict() if isinstance(changes, Dataset) else changes,
    }
    if series_instance_uid is not None:
        body["seriesInstanceUid"] = series_instance_uid
    if sop_instance_uid is not None:
        body["sopInstanceUid"] = sop_instance_uid
    response = checked(_session(client).post(f"{client.base_url}/studies/$bulkUpdate",
                                             json=body))
    return OperationReference.from_json(response.json())


def bulk_update(client: Any, study_uids: list[str], changes: dict[str, Any] | Dataset, *,
                series_instance_uid: str | None = None, sop_instance_uid: str | None = None,
                timeout: float = 600, poll_interval: float = 0.5,
                progress: bool = True) -> Operation:
    """Update studies and wait until the operation has finished; its final state.

    ``UpdateResults.from_operation(state)`` reads what it did. Raises
    :class:`helpers.extended_query_tags.OperationFailedError` when a study failed (the
    error's ``operation`` has the results and their ``errors``), ``TimeoutError`` after
    ``timeout`` seconds; see :func:`start_bulk_update` for the rest.
    """
    reference = start_bulk_update(client, study_uids, changes,
                                  series_instance_uid=series_instance_uid,
                                  sop_instance_uid=sop_instance_uid)
    return wait_for_operation(_session(client), reference, timeout=timeout,
                              poll_interval=poll_interval, progress=progress)


def retrieve_original_instance(client: Any, study_instance_uid: str,
                               series_instance_uid: str, sop_instance_uid: str) -> Dataset:
    """The instance as it was before its first bulk update (as stored, not transcoded)."""
    url = (f"{client.base_url}/studies/{study_instance_uid}/series/{series_instance_uid}"
           f"/instances/{sop_instance_uid}")
    response = checked(_session(client).get(url, headers={
        "Accept": "application/dicom; transfer-syntax=*", **ORIGINAL_HEADER}))
    return dcmread(BytesIO(response.content))


def retrieve_original_metadata(client: Any, study_instance_uid: str,
                               series_instance_uid: str | None = None,
                               sop_instance_uid: str | None = None) -> list[dict[str, Any]]:
    """The DICOM JSON of a study, series or instance before its bulk update."""
    url = f"{client.base_url}/studies/{study_instance_uid}"
    if series_instance_uid is not None:
        url += f"/series/{series_instance_uid}"
        if sop_instance_uid is not None:
            url += f"/instances/{sop_instance_uid}"
    response = checked(_session(client).get(f"{url}/metadata", headers={
        "Accept": "application/dicom+json", **ORIGINAL_HEADER}))
    return response.json()  # type: ignore[no-any-return]
