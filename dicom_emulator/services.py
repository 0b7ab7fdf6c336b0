"""The emulator's long-lived parts, built once per app by :func:`build_services`."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dicom_emulator.features.extended_query_tag_hooks import StoreHooks
from dicom_emulator.features.extended_query_tag_search import query_attributes
from dicom_emulator.features.reindex import Reindexer
from dicom_emulator.features.store import StoreService
from dicom_emulator.identity.service import Identity
from dicom_emulator.settings import EmulatorSettings
from dicom_emulator.storage.blobs import BlobStore
from dicom_emulator.storage.extended_query_tags import ExtendedQueryTagStore
from dicom_emulator.storage.index import Index

if TYPE_CHECKING:
    from dicom_emulator.features.query_attributes import QueryAttribute

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: EmulatorSettings
    index: Index
    blobs: BlobStore
    store: StoreService
    identity: Identity
    extended_query_tags: ExtendedQueryTagStore
    reindexer: Reindexer
    # QIDO filter attributes beyond the core ones, looked up per request (extended query
    # tags in status Ready plug in here; see features.query_attributes).
    query_attributes: Callable[[], Iterable[QueryAttribute]] = field(default=lambda: ())

    def close(self) -> None:
        self.reindexer.stop()
        self.index.close()
        self.identity.close()


def build_services(settings: EmulatorSettings) -> Services:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    blobs = BlobStore(settings.blob_dir, settings.tmp_dir)
    index = Index(settings.index_path)
    identity = Identity(settings.data_dir, settings.token_lifetime, load_key=settings.auth)
    store = StoreService(index, blobs)
    tags = ExtendedQueryTagStore(index)
    hooks = StoreHooks(tags)
    store.v1_extra_problems = hooks.v1_problems
    store.index_writers.append(tags.index_writer)
    return Services(settings=settings, index=index, blobs=blobs, store=store,
                    identity=identity, extended_query_tags=tags, reindexer=Reindexer(tags),
                    query_attributes=lambda: query_attributes(tags))


def recover(services: Services) -> threading.Thread:
    """Start-up recovery, in the background so readiness does not wait for it.

    Spooled parts of interrupted requests are removed; instance files without an index
    row (a crash between rename and commit, or between a delete's commit and its unlink)
    are removed. Only files older than this start are considered, so stores that run
    meanwhile are never touched.
    """
    started = time.time()
    removed_tmp = services.blobs.clear_tmp()

    def sweep() -> None:
        known = services.index.all_blob_names()
        orphans = [n for n in services.blobs.iter_names(older_than=started) if n not in known]
        for name in orphans:
            services.blobs.remove(name)
        if orphans or removed_tmp:
            log.info("recovery removed %d orphan files and %d spooled parts",
                     len(orphans), removed_tmp)

    thread = threading.Thread(target=sweep, name="dicom-emulator-recovery", daemon=True)
    thread.start()
    return thread
