"""Export (Azure-only), the service: start an export operation and run it in the background.

``ExportService.StartExportAsync``: validate, then initialize the sink *before* the
operation exists (a container that is missing or cannot be written to is the request's
400, and nothing is recorded), then record the operation. :class:`Exporter` is the
``ExportDurableFunction``: batches of identifiers (100, the service's ``Batching.Size``),
each copied by a few threads at once (``MaxParallelThreads``), its errors appended to the
log and its counts committed with the checkpoint, so a restart resumes at the first
batch not committed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from dicom_emulator.errors import DicomServiceError
from dicom_emulator.features.export.sink import (
    AzureError,
    BlobSink,
    DestinationWriteError,
    ErrorEntry,
    blob_name,
    parse_credential,
)
from dicom_emulator.features.export.specification import ExportSpecification, parse_identifier
from dicom_emulator.features.operations.worker import OperationWorker
from dicom_emulator.storage.blobs import BlobStore
from dicom_emulator.storage.exports import ExportCheckpoint, ExportStore
from dicom_emulator.storage.index import Index, StoredInstance
from dicom_emulator.storage.operations import Operation, OperationStatus, new_operation_id

log = logging.getLogger(__name__)

BATCH_SIZE = 100
PARALLEL_COPIES = 5
_NOT_FOUND = ("The specified study cannot be found.", "The specified series cannot be found.",
              "The specified instance cannot be found.")


class Exporter(OperationWorker[Operation]):
    """Starts export operations and runs them one at a time, oldest first, on a thread."""

    kind = "export"

    def __init__(self, store: ExportStore, index: Index, blobs: BlobStore,
                 credential: str | None, batch_size: int = BATCH_SIZE):
        super().__init__()
        self.store = store
        self.index = index
        self.blobs = blobs
        self._credential = parse_credential(credential) if credential else None
        self.batch_size = batch_size
        # Called before each batch; tests make it wait to stop the worker between batches.
        self.before_batch: Callable[[], object] = lambda: None

    # -- the request -------------------------------------------------------------------

    def _sink(self, container_url: str, operation_id: str) -> BlobSink:
        if self._credential is None:
            # AzureBlobExportOptionsExtensions: a managed identity is asked for, none is set.
            raise DicomServiceError("No identity has been configured.")
        return BlobSink(container_url, self._credential, operation_id)

    def start_export(self, spec: ExportSpecification, partition_key: int) -> Operation:
        """Initialize the destination, then record the operation (not started yet)."""
        operation_id = new_operation_id()
        sink = self._sink(spec.container_url, operation_id)
        try:
            error_href = sink.initialize()
        finally:
            sink.close()
        operation = self.store.create(partition_key, spec.identifiers, spec.container_url,
                                      error_href, operation_id)
        self.notify()
        return operation

    # -- the worker --------------------------------------------------------------------

    def next_job(self) -> Operation | None:
        return self.store.active_operation()

    def run_job(self, job: Operation) -> None:
        self._export(job)

    def job_failed(self, job: Operation) -> None:
        self.store.finish(job.operation_id, OperationStatus.FAILED)

    def job_id(self, job: Operation) -> str:
        return job.operation_id

    def _export(self, operation: Operation) -> None:
        if operation.status is OperationStatus.NOT_STARTED:
            self.store.start(operation.operation_id)
        checkpoint = self._checkpoint(operation.operation_id)
        sink = self._sink(checkpoint.container_url, operation.operation_id)
        try:
            with ThreadPoolExecutor(PARALLEL_COPIES, "dicom-emulator-export-copy") as pool:
                while not self.stopping:
                    self.before_batch()
                    if self.stopping:
                        return
                    batch = checkpoint.remaining[:self.batch_size]
                    if not batch:
                        self.store.finish(operation.operation_id, OperationStatus.SUCCEEDED)
                        return
                    self._export_batch(checkpoint, batch, sink, pool)
                    checkpoint = self._checkpoint(operation.operation_id)
        finally:
            sink.close()

    def _checkpoint(self, operation_id: str) -> ExportCheckpoint:
        checkpoint = self.store.checkpoint(operation_id)
        if checkpoint is None:
            raise LookupError(f"export operation {operation_id} has no checkpoint")
        return checkpoint

    def _export_batch(self, checkpoint: ExportCheckpoint, batch: list[str], sink: BlobSink,
                      pool: ThreadPoolExecutor) -> None:
        errors: list[ErrorEntry] = []
        copies: list[StoredInstance] = []
        for identifier in batch:
            study, series, sop = parse_identifier(identifier)
            found = self.index.find_instances(study, series, sop,
                                              partition_key=checkpoint.partition_key)
            if not found:  # IdentifierExportSource: the level's not-found message
                level = 2 if sop else 1 if series else 0
                errors.append(ErrorEntry(identifier, _NOT_FOUND[level]))
            copies.extend(found)
        outcomes = list(pool.map(lambda i: self._copy(checkpoint.operation_id, i, sink), copies))
        errors.extend(entry for entry in outcomes if entry is not None)
        sink.append_errors(errors)
        self.store.advance(checkpoint.operation_id, len(batch),
                           exported=outcomes.count(None), skipped=len(errors))

    def _copy(self, operation_id: str, instance: StoredInstance,
              sink: BlobSink) -> ErrorEntry | None:
        """Copy one instance; an error entry when it is skipped. A 4xx from the
        destination is not skipped: it ends the operation (``ShouldContinue``)."""
        identifier = f"{instance.study_uid}/{instance.series_uid}/{instance.sop_uid}"
        name = blob_name(operation_id, instance.study_uid, instance.series_uid, instance.sop_uid)
        try:
            sink.copy(self.blobs.path(instance.blob), name)
        except FileNotFoundError:  # the file store's ItemNotFoundException
            return ErrorEntry(identifier, "The specified item cannot be found.")
        except OSError:  # DataStoreException
            return ErrorEntry(identifier, "The data store operation failed.")
        except DestinationWriteError:
            raise
        except AzureError as exc:
            return ErrorEntry(identifier, str(exc).splitlines()[0])
        return None
