"""The reindex operation: a background thread that indexes stored instances on new tags.

Like ``ReindexDurableFunction``, it works in batches over the instances that existed when
the operation started, reading each instance's stored metadata; values that cannot be
indexed become the tag's errors (and disable queries on it). Each batch commits its
values, errors and the operation's progress in one transaction, so a restart resumes
after the last committed batch. Instances stored meanwhile are indexed by the store
itself; a value row is keyed by (tag, instance), so nothing is indexed twice.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from dicom_emulator.dicom.indexing import InvalidValue, find_element, index_value
from dicom_emulator.features.operations.worker import OperationWorker
from dicom_emulator.storage.extended_query_tags import ExtendedQueryTagStore, value_row
from dicom_emulator.storage.operations import Operation, OperationStatus

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 200


class Reindexer(OperationWorker[Operation]):
    """Runs reindex operations one at a time, oldest first, on its own thread.

    Parameters
    ----------
    store : ExtendedQueryTagStore
        Where tags, values and operations live.
    batch_size : int
        Instances per committed batch (smaller batches hold the index's writer lock for
        less time and report progress more often).
    """

    kind = "reindex"

    def __init__(self, store: ExtendedQueryTagStore, batch_size: int = DEFAULT_BATCH_SIZE):
        super().__init__()
        self.store = store
        self.batch_size = batch_size
        # Called before each batch; tests make it wait to pause the worker between batches.
        self.before_batch: Callable[[], object] = lambda: None

    def next_job(self) -> Operation | None:
        return self.store.active_operation()

    def run_job(self, job: Operation) -> None:
        self._reindex(job)

    def job_failed(self, job: Operation) -> None:
        self.store.fail(job.operation_id)

    def job_id(self, job: Operation) -> str:
        return job.operation_id

    def _reindex(self, operation: Operation) -> None:
        if operation.status is OperationStatus.NOT_STARTED:
            self.store.start(operation.operation_id)
        cursor = operation.cursor
        while not self.stopping:
            self.before_batch()
            tags = self.store.operation_tags(operation.operation_id)
            batch = (self.store.instances_to_reindex(operation, cursor, self.batch_size)
                     if tags else [])
            if not batch:
                self.store.complete(operation.operation_id)
                log.info("reindex operation %s completed", operation.operation_id)
                return
            values, errors = [], []
            for instance_key, series_key, study_key, text in batch:
                metadata = json.loads(text)
                for tag in tags:
                    element = find_element(metadata, tag.path, tag.private_creator)
                    try:
                        value = index_value(tag.vr, element)
                    except InvalidValue as exc:
                        errors.append((tag.key, instance_key, int(exc.code)))
                        continue
                    if value is not None:
                        values.append(value_row(tag.key, (instance_key, series_key, study_key),
                                                value))
            cursor = batch[-1][0]
            self.store.write_reindexed(operation.operation_id, values, errors, cursor, len(batch))
