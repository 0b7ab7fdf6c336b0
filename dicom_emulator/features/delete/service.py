"""Delete (Azure-only), the service: remove a study, series or instance.

Index rows and their change-feed entries go in one transaction, so QIDO and WADO stop
returning the data at once; the files are removed right after the commit (a crash in
between leaves orphans that start-up recovery removes). Blocking: call it from a worker
thread.
"""

from __future__ import annotations

from dicom_emulator.errors import DataStoreError, not_found
from dicom_emulator.storage.blobs import BlobStore
from dicom_emulator.storage.index import Index, InstanceUids
from dicom_emulator.storage.schema import DEFAULT_PARTITION_KEY


def delete_instances(index: Index, blobs: BlobStore, uids: InstanceUids, *,
                     partition_key: int = DEFAULT_PARTITION_KEY) -> int:
    """Delete what the UIDs name in the partition ``partition_key``; returns how many
    instances went.

    Raises
    ------
    NotFoundError
        Nothing is stored under these UIDs (named after the level asked for).
    """
    study, series, sop = uids
    try:
        gone = index.delete(study, series, sop, partition_key=partition_key)
    except DataStoreError:
        # A full disk: a delete is how space comes back, so it may use the reserve.
        if not index.release_reserve():
            raise
        gone = index.delete(study, series, sop, partition_key=partition_key)
    if not gone:
        raise not_found(series, sop)
    for instance in gone:
        blobs.remove(instance.blob)
        if instance.original_blob is not None:  # bulk update's original goes too
            blobs.remove(instance.original_blob)
    return len(gone)
