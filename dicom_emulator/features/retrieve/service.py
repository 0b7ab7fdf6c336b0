"""WADO-RS, the service: find what a retrieve names and read it, every 4xx decided first.

Checks run in the service's order (the retrieve handlers and services): the index, then
the file. A stored file is opened only when its part is due and streamed in chunks as it
is on disk; only a transcoding retrieve reads a file whole. Everything here blocks on
SQLite and file reads: call it from a worker thread (instance metadata, one lookup by
unique key, is cheap enough for the event loop: :meth:`RetrieveService.metadata`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypeVar

from dicom_emulator.dicom.validation import is_valid_uid
from dicom_emulator.errors import NotAcceptableError, not_found
from dicom_emulator.features.retrieve.frames import get_frames
from dicom_emulator.features.retrieve.negotiation import Negotiated
from dicom_emulator.features.retrieve.render import render_frame
from dicom_emulator.features.retrieve.transcode import (
    check_size,
    needs_transcoding,
    transcode_instance,
)
from dicom_emulator.storage.blobs import BlobStore
from dicom_emulator.storage.index import Index, InstanceUids, StoredInstance
from dicom_emulator.storage.originals import as_originals, original_metadata
from dicom_emulator.storage.schema import DEFAULT_PARTITION_KEY

CHUNK_SIZE = 256 * 1024

MULTI_INSTANCE_TRANSCODING = (
    "Accept transfer syntax '{0}' is not supported when multiple instances are matched. "
    "Matching instances can be retrieved with their original transfer syntax by specifying "
    "'transfer-syntax=*' in the Accept header."
)

T = TypeVar("T")


def dicom_content_type(media_type: str, transfer_syntax: str) -> str:
    """A part's Content-Type. A stored syntax that is not a UID (a data dir from a kit that
    did not check it at store time) is left out: it must never reach a header raw."""
    if transfer_syntax != "*" and not is_valid_uid(transfer_syntax):
        return media_type
    return f"{media_type}; transfer-syntax={transfer_syntax}"


@dataclass
class StoredPart:
    """One body part: its Content-Type, its first chunk and the open file for the rest."""

    content_type: str
    file: BinaryIO
    size: int
    head: bytes = b""
    whole: bool = False  # head is the whole file (and the file is closed)

    def prefetch(self) -> StoredPart:
        """Read the first chunk now: a small file then needs no streaming at all."""
        self.head = self.file.read(CHUNK_SIZE)
        if len(self.head) < CHUNK_SIZE:
            self.file.close()
            self.whole = True
        return self

    def chunks(self) -> Iterator[bytes]:
        """The part's bytes; the file is closed once they are read."""
        if self.head:
            yield self.head
        if self.whole:
            return
        with self.file as f:
            while chunk := f.read(CHUNK_SIZE):
                yield chunk


def _etag(instance_keys: list[int], sop_uid: str | None) -> str:
    """ETagGenerator: the highest watermark, plus the instance count above instance level."""
    watermark = max(instance_keys)
    return str(watermark) if sop_uid is not None else f"{watermark}-{len(instance_keys)}"


def _json_array(texts: list[bytes]) -> bytes:
    """DICOM JSON datasets, already encoded, as one JSON array."""
    return b"[" + b",".join(texts) + b"]"


class RetrieveService:
    """Reads stored instances, metadata, frames and rendered images.

    Parameters
    ----------
    index, blobs : Index, BlobStore
        Where instances are indexed and their files kept.
    tmp_dir : Path
        Where a transcoded copy is written (unnamed, gone with the response).
    max_transcode_bytes : int
        Files larger than this are not transcoded or rendered (406).
    """

    def __init__(self, index: Index, blobs: BlobStore, tmp_dir: Path, max_transcode_bytes: int):
        self.index = index
        self.blobs = blobs
        self.tmp_dir = tmp_dir
        self.max_transcode_bytes = max_transcode_bytes

    def _found(self, uids: InstanceUids, partition_key: int,
               original: bool = False) -> list[StoredInstance]:
        """The instances named; with ``original``, the versions before a bulk update."""
        study, series, sop = uids
        instances = self.index.find_instances(study, series, sop, partition_key=partition_key)
        if not instances:
            raise not_found(series, sop)
        if original:
            instances = as_originals(self.index.reader(), instances)
        return instances

    def _read(self, uids: InstanceUids, partition_key: int,
              read: Callable[[StoredInstance, Path], T]) -> T:
        """``read`` the first matching instance's file; 404 if it was deleted meanwhile."""
        instance = self._found(uids, partition_key)[0]
        try:
            return read(instance, self.blobs.path(instance.blob))
        except FileNotFoundError as exc:  # deleted between the index read and the open
            raise not_found(uids[1], uids[2]) from exc

    # -- instances -------------------------------------------------------------------------

    def _open(self, instance: StoredInstance, content_type: str) -> StoredPart:
        f = open(self.blobs.path(instance.blob), "rb")  # closed by prefetch or chunks
        return StoredPart(content_type, f, os.fstat(f.fileno()).st_size)

    def _parts(self, instances: list[StoredInstance],
               negotiated: Negotiated) -> Iterator[StoredPart]:
        """Open each file only when its part is due, so a study never holds many handles."""
        for instance in instances:
            syntax = (instance.transfer_syntax if negotiated.original
                      else negotiated.transfer_syntax)
            try:
                part = self._open(instance, dicom_content_type(negotiated.media_type, syntax))
            except FileNotFoundError:
                # Deleted after the index was read: the delete won the race, so the instance
                # is no longer part of the study. Its siblings are still sent.
                continue
            yield part

    def _transcoded(self, instance: StoredInstance, path: Path,
                    negotiated: Negotiated) -> StoredPart:
        check_size(instance.size, self.max_transcode_bytes)
        # Unnamed and unlinked at once: the temporary copy cannot outlive the response.
        out = tempfile.TemporaryFile(dir=self.tmp_dir)
        try:
            transcode_instance(path, negotiated.transfer_syntax, out)
            size = out.tell()
            out.seek(0)
        except BaseException:
            out.close()
            raise
        content_type = dicom_content_type(negotiated.media_type, negotiated.transfer_syntax)
        return StoredPart(content_type, out, size).prefetch()

    # Each read is of the instances of one partition, by its key (``partition_key``).

    def instances(self, uids: InstanceUids, negotiated: Negotiated, *,
                  partition_key: int = DEFAULT_PARTITION_KEY,
                  original: bool = False) -> Iterable[StoredPart]:
        """The parts of a study, series or instance retrieve; a list when already read.

        ``original`` asks for each instance's version before a bulk update (its only
        version when it was never updated).

        Raises
        ------
        NotFoundError
            Nothing is stored under these UIDs (named after the level asked for).
        NotAcceptableError
            A transcoding was asked for several instances, or cannot be done.
        """
        instances = self._found(uids, partition_key, original)
        if len(instances) > 1:
            if not negotiated.original:
                raise NotAcceptableError(MULTI_INSTANCE_TRANSCODING.format(
                    negotiated.transfer_syntax))
            return self._parts(instances, negotiated)

        def read(instance: StoredInstance, path: Path) -> list[StoredPart]:
            if needs_transcoding(instance.transfer_syntax, negotiated.transfer_syntax):
                return [self._transcoded(instance, path, negotiated)]
            content_type = dicom_content_type(negotiated.media_type, instance.transfer_syntax)
            return [self._open(instance, content_type).prefetch()]

        try:
            return read(instances[0], self.blobs.path(instances[0].blob))
        except FileNotFoundError as exc:  # deleted between the index read and the open
            raise not_found(uids[1], uids[2]) from exc

    # -- metadata --------------------------------------------------------------------------

    def metadata(self, uids: InstanceUids, if_none_match: str | None, *,
                 partition_key: int = DEFAULT_PARTITION_KEY,
                 original: bool = False) -> tuple[str, bytes | None]:
        """The ETag and the body: a JSON array of the stored DICOM JSON, as stored (None
        when ``if_none_match`` matches); ``original`` as for :meth:`instances`.

        Without ``if_none_match`` or ``original`` (the usual request) this is one query,
        cheap enough for the event loop at instance level.
        """
        study, series, sop = uids
        if if_none_match or original:
            return self._checked_metadata(uids, if_none_match, partition_key, original)
        rows = self.index.metadata_by_key(study, series, sop, partition_key=partition_key)
        if not rows:
            raise not_found(series, sop)
        return _etag([key for key, _ in rows], sop), _json_array([text for _, text in rows])

    def _checked_metadata(self, uids: InstanceUids, if_none_match: str | None,
                          partition_key: int, original: bool) -> tuple[str, bytes | None]:
        """:meth:`metadata` that looks at the ETag before reading any text."""
        study, series, sop = uids
        instances = self._found(uids, partition_key)
        etag = _etag([i.instance_key for i in instances], sop)
        if if_none_match and if_none_match.lower() == etag.lower():
            return etag, None
        texts = self.index.metadata(study, series, sop, partition_key=partition_key)
        if original:
            texts = original_metadata(self.index.reader(), instances, texts)
        return etag, _json_array([text.encode("utf-8") for text in texts])

    # -- frames and rendered ---------------------------------------------------------------

    def frames(self, uids: InstanceUids, indices: list[int], transfer_syntax: str, *,
               partition_key: int = DEFAULT_PARTITION_KEY) -> tuple[list[bytes], str]:
        """The frames ``indices`` (0-based) and the transfer syntax they are in."""
        return self._read(uids, partition_key, lambda instance, path: get_frames(
            path, instance.size, indices, transfer_syntax, self.max_transcode_bytes))

    def rendered(self, uids: InstanceUids, index: int, media_type: str, quality: int, *,
                 partition_key: int = DEFAULT_PARTITION_KEY) -> bytes:
        """Frame ``index`` (0-based) as a JPEG or PNG image."""
        return self._read(uids, partition_key, lambda instance, path: render_frame(
            path, instance.size, index, media_type, quality, self.max_transcode_bytes))
