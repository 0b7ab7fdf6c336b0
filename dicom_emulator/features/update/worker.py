"""The bulk update operation: a background thread that updates studies one after another.

Like ``UpdateDurableFunction.UpdateInstancesV6Async``, one study at a time, in the order
asked: the new version of every instance of the study is written (files, durably), then
the index is switched to them in one transaction that also counts the study as
processed (``storage.updates``). A study that fails is counted as failed with the
service's error ("Failed to update instances for study …", and one line per instance
whose file could not be updated); its new files are removed. A restart resumes at the
first study not counted. Operations run one at a time, oldest first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from pydicom.dataset import Dataset

from dicom_emulator.features.operations.worker import OperationWorker
from dicom_emulator.features.update.versions import new_version
from dicom_emulator.storage.blobs import BlobStore
from dicom_emulator.storage.updates import (
    CurrentInstance,
    StudyGoneError,
    TargetExistsError,
    UpdatedInstance,
    UpdateJob,
    UpdateStore,
)

log = logging.getLogger(__name__)

# HandleException keeps at most five instance errors per study.
MAX_INSTANCE_ERRORS = 5
MORE_ERRORS = ("There are more instances failed to update than listed above. Please check "
               "the diagnostics logs for the complete list.")


def study_failed(study_uid: str) -> str:
    return f"Failed to update instances for study {study_uid}"


def instance_failed(partition_name: str, instance: CurrentInstance) -> str:
    """``ToInstanceString`` writes the partition's name after "PartitionKey"."""
    return (f"Failed to update instance. PartitionKey: {partition_name}, "
            f"StudyInstanceUID: {instance.study_uid}, SeriesInstanceUID: "
            f"{instance.series_uid}, SOPInstanceUID: {instance.sop_uid}")


class Updater(OperationWorker[UpdateJob]):
    """Runs update operations on its own thread.

    Parameters
    ----------
    store : UpdateStore
        The operations and the index.
    blobs : BlobStore
        The instance files.
    tmp_dir : Path
        Where a new file is written before it is committed.
    """

    kind = "update"

    def __init__(self, store: UpdateStore, blobs: BlobStore, tmp_dir: Path):
        super().__init__()
        self.store = store
        self.blobs = blobs
        self.tmp_dir = tmp_dir
        # Called before a study's index switch; tests make it wait to hold the worker
        # between writing a study's files and switching its index.
        self.before_switch: Callable[[], object] = lambda: None

    def next_job(self) -> UpdateJob | None:
        return self.store.next_job()

    def run_job(self, job: UpdateJob) -> None:
        self._update(job)

    def job_failed(self, job: UpdateJob) -> None:
        # The study in progress fails; the rest of the operation goes on.
        fresh = self.store.job(job.operation_id)
        if fresh is not None and fresh.processed < len(fresh.study_uids):
            self.store.fail_study(fresh, [study_failed(fresh.study_uids[fresh.processed])])

    def job_id(self, job: UpdateJob) -> str:
        return job.operation_id

    def _update(self, job: UpdateJob) -> None:
        self.store.start(job.operation_id)
        while not self.stopping:
            current = self.store.job(job.operation_id)
            assert current is not None
            job = current
            if job.processed >= len(job.study_uids):
                self.store.finish(job.operation_id)
                log.info("update operation %s finished", job.operation_id)
                return
            self._update_study(job, job.study_uids[job.processed])

    def _update_study(self, job: UpdateJob, study_uid: str) -> None:
        instances = self.store.instances(job.partition_key, study_uid, job.series_uid,
                                         job.sop_uid)
        if not instances:  # an unknown study completes the operation, updating nothing
            self.store.skip_study(job)
            return
        change = Dataset.from_json(job.change_dataset)
        versions: list[UpdatedInstance] = []
        errors: list[str] = []
        for instance in instances:
            try:
                versions.append(new_version(self.blobs, self.tmp_dir, instance, change,
                                            job.change_dataset))
            except (OSError, ValueError) as exc:  # the file is gone or unreadable
                log.warning("could not update %s: %r", instance.sop_uid, exc)
                errors.append(instance_failed(job.partition_name, instance))
        if errors:
            self._fail(job, study_uid, versions, errors)
            return
        self.before_switch()
        try:
            result = self.store.switch_study(job, study_uid, versions)
        except (StudyGoneError, TargetExistsError) as exc:
            log.info("update of study %s failed: %r", study_uid, exc)
            self._fail(job, study_uid, versions, [])
            return
        for blob in result.obsolete_blobs:  # after the commit, as a delete does
            self.blobs.remove(blob)

    def _fail(self, job: UpdateJob, study_uid: str, versions: list[UpdatedInstance],
              errors: list[str]) -> None:
        for version in versions:  # the new versions that will never be used
            self.blobs.remove(version.blob)
        listed = errors[:MAX_INSTANCE_ERRORS]
        if len(errors) > MAX_INSTANCE_ERRORS:
            listed.append(MORE_ERRORS)
        self.store.fail_study(job, [study_failed(study_uid), *listed])
