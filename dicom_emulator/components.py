"""The emulator's long-lived parts, built once per app by :func:`build_components`.

The composition root: it imports service and storage modules only (never an endpoint),
so any endpoint may import it. Extension points are wired here, at construction, in
one place: extended query tags take part in the index (:class:`ExtendedQueryTagIndex`:
their value rows are written with each stored instance and go with each deleted one), in
STOW's validation (:class:`ExtendedQueryTagStoreHook`) and in QIDO (:func:`query_attributes`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from dicom_emulator.features.export.service import Exporter
from dicom_emulator.features.extended_query_tags.reindex import Reindexer
from dicom_emulator.features.extended_query_tags.search import query_attributes
from dicom_emulator.features.extended_query_tags.store_hook import ExtendedQueryTagStoreHook
from dicom_emulator.features.partitions.service import Partitions
from dicom_emulator.features.query.attributes import QueryAttribute
from dicom_emulator.features.retrieve.service import RetrieveService
from dicom_emulator.features.store.service import StoreService
from dicom_emulator.identity.service import Identity
from dicom_emulator.settings import EmulatorSettings
from dicom_emulator.storage.blobs import BlobStore
from dicom_emulator.storage.exports import ExportStore
from dicom_emulator.storage.extended_query_tags import (
    ExtendedQueryTagIndex,
    ExtendedQueryTagStore,
)
from dicom_emulator.storage.index import Index
from dicom_emulator.storage.partitions import PartitionStore


@dataclass
class Components:
    settings: EmulatorSettings
    index: Index
    blobs: BlobStore
    store: StoreService
    retrieve: RetrieveService
    identity: Identity
    extended_query_tags: ExtendedQueryTagStore
    reindexer: Reindexer
    # The data partitions setting and the partitions (features.partitions).
    partitions: Partitions
    # QIDO filter attributes beyond the core ones, read per search (extended query tags in
    # status Ready; see features.query.attributes). It reads the index: call it off the
    # event loop.
    query_attributes: Callable[[], Iterable[QueryAttribute]]
    # Export operations: started by POST /export, run by its background worker.
    exporter: Exporter

    def close(self) -> None:
        self.exporter.stop()
        self.reindexer.stop()
        self.index.close()
        self.identity.close()


def build_components(settings: EmulatorSettings) -> Components:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    blobs = BlobStore(settings.blob_dir, settings.tmp_dir)
    index = Index(settings.index_path, extensions=[ExtendedQueryTagIndex()])
    try:
        partitions = Partitions.open(PartitionStore(index.database), settings.data_partitions)
    except BaseException:
        index.close()
        raise
    identity = Identity(settings.data_dir, settings.token_lifetime, load_key=settings.auth)
    tags = ExtendedQueryTagStore(index.database)
    store = StoreService(index, blobs, hooks=[ExtendedQueryTagStoreHook(tags)])
    retrieve = RetrieveService(index, blobs, settings.tmp_dir, settings.max_transcode_bytes)
    return Components(settings=settings, index=index, blobs=blobs, store=store, retrieve=retrieve,
                      identity=identity, extended_query_tags=tags, reindexer=Reindexer(tags),
                      partitions=partitions,
                      query_attributes=lambda: query_attributes(tags),
                      exporter=Exporter(ExportStore(index.database), index, blobs,
                                        settings.storage_credential))
