"""Bulk update (v2), the service: queue an update operation, and report its results.

``UpdateInstanceOperationService.QueueUpdateOperationAsync``: a checked request
(:mod:`.spec`) becomes an operation that the worker (:mod:`.worker`) runs. The code at
eeefbe4 refuses a second update while any runs (``ExistingOperationException``, 409);
Learn (2025) narrows that to "one bulk update operation at a time for a given study",
so the emulator refuses only an update of a study that one not yet finished covers.
Blocking (the index): call it from a worker thread.
"""

from __future__ import annotations

from typing import Any

from dicom_emulator.errors import ConflictError
from dicom_emulator.features.update.spec import UpdateSpec
from dicom_emulator.features.update.worker import Updater
from dicom_emulator.storage.operations import Operation
from dicom_emulator.storage.updates import ActiveUpdateError, UpdateStore
from dicom_emulator.web.urls import operation_url


def already_running(base: str, operation_id: str) -> ConflictError:
    """``ExistingOperationException`` with operation type ``update``."""
    return ConflictError(
        f"There is already an active update operation with ID '{operation_id}'.",
        headers={"Location": operation_url(base, operation_id)},
    )


def queue_update(store: UpdateStore, updater: Updater, spec: UpdateSpec, partition_key: int,
                 base: str) -> Operation:
    """Start an update operation over ``spec``'s studies in partition ``partition_key``."""
    try:
        operation = store.queue(partition_key, spec.study_uids, spec.change_json,
                                spec.series_uid, spec.sop_uid)
    except ActiveUpdateError as exc:
        raise already_running(base, exc.operation_id) from None
    updater.notify()
    return operation


def update_results(store: UpdateStore, operation_id: str) -> dict[str, Any] | None:
    """``UpdateResult`` as the service serializes it (``errors`` only when there are)."""
    job = store.job(operation_id)
    if job is None:
        return None
    results: dict[str, Any] = {
        "studyProcessed": job.processed,
        "studyUpdated": job.updated,
        "studyFailed": job.failed,
        "instanceUpdated": job.instances_updated,
    }
    if job.errors:
        results["errors"] = job.errors
    return results
