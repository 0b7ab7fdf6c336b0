"""Export checkpoints: created with their operation, advanced one commit per batch."""

from __future__ import annotations

from dicom_emulator.storage.exports import ExportStore
from dicom_emulator.storage.index import Index
from dicom_emulator.storage.operations import OperationStatus, new_operation_id


def test_a_checkpoint_moves_with_its_counts_and_the_operation_finishes(index: Index) -> None:
    store = ExportStore(index.database)
    chosen = new_operation_id()
    operation = store.create(1, ["1.2", "1.2/3.4", "5.6"], "http://h/acct/c",
                             "http://h/acct/c/x/errors.log", chosen)
    assert operation.operation_id == chosen and operation.type == "export"
    assert store.active_operation() == operation
    store.start(chosen)
    store.advance(chosen, done=2, exported=7, skipped=1)
    checkpoint = store.checkpoint(chosen)
    assert checkpoint is not None
    assert (checkpoint.partition_key, checkpoint.remaining) == (1, ["5.6"])
    assert (checkpoint.exported, checkpoint.skipped) == (7, 1)
    store.finish(chosen, OperationStatus.SUCCEEDED)
    assert store.active_operation() is None
    finished = store.operation(chosen)
    assert finished is not None and finished.status is OperationStatus.SUCCEEDED
    assert store.checkpoint(new_operation_id()) is None
