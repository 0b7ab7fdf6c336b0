"""Start-up recovery: what a crash can leave behind, removed without touching live data.

Spooled parts of interrupted requests are removed at once. Instance files without an
index row (a crash between a file's rename and its index commit, or between a delete's
commit and its unlink) are removed by a background sweep, so readiness does not wait for
it. Only files older than this start are considered: stores that run meanwhile are never
touched.
"""

from __future__ import annotations

import logging
import threading
import time

from dicom_emulator.storage.blobs import BlobStore
from dicom_emulator.storage.index import Index

log = logging.getLogger(__name__)


def recover(index: Index, blobs: BlobStore) -> threading.Thread:
    """Clear the spool folder now; sweep orphan files in a thread (returned, started)."""
    started = time.time()
    removed_tmp = blobs.clear_tmp()

    def sweep() -> None:
        known = index.all_blob_names()
        orphans = [n for n in blobs.iter_names(older_than=started) if n not in known]
        for name in orphans:
            blobs.remove(name)
        if orphans or removed_tmp:
            log.info("recovery removed %d orphan files and %d spooled parts",
                     len(orphans), removed_tmp)

    thread = threading.Thread(target=sweep, name="dicom-emulator-recovery", daemon=True)
    thread.start()
    return thread
