"""The new version of an instance: its file and its metadata, with the changes applied.

As ``UpdateInstanceService``: the change dataset is applied (``AddOrUpdate``) to the
stored file and, separately, to the stored metadata, so attributes a v2 store dropped
from the metadata stay out of it. Only the dataset changes: pixel data is copied as it
was, and the file meta names the writer (``CustomDicomImplementation``: Implementation
Class UID ``1.3.6.1.4.1.311.129``, the service's version). The file is made durable
(``BlobStore.commit``) before anything refers to it.
"""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path

from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.uid import UID

from dicom_emulator.dicom.attributes import LEVEL_ATTRIBUTES, Level
from dicom_emulator.dicom.dicom_json import DicomJson, subset
from dicom_emulator.dicom.validation import uid_value
from dicom_emulator.features.store.rules import STUDY_COLUMNS, index_columns
from dicom_emulator.storage.blobs import BlobStore
from dicom_emulator.storage.updates import CurrentInstance, UpdatedInstance

IMPLEMENTATION_CLASS_UID = "1.3.6.1.4.1.311.129"
IMPLEMENTATION_VERSION_NAME = "dicom-emulator"  # the service writes its assembly version


def _compact(value: DicomJson) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def new_metadata(metadata: DicomJson, change_json: DicomJson) -> DicomJson:
    """The stored DICOM JSON with the changed attributes replaced, in tag order."""
    return dict(sorted({**metadata, **change_json}.items()))


def write_new_file(blobs: BlobStore, tmp_dir: Path, current: CurrentInstance,
                   change: Dataset) -> tuple[str, int]:
    """Write the instance's file with ``change`` applied, durably; its name and size."""
    ds = dcmread(blobs.path(current.blob))
    for elem in change:
        ds[elem.tag] = copy.deepcopy(elem)
    meta = ds.file_meta
    meta.ImplementationClassUID = UID(IMPLEMENTATION_CLASS_UID)
    meta.ImplementationVersionName = IMPLEMENTATION_VERSION_NAME
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID  # follows a SOPInstanceUID update
    with tempfile.NamedTemporaryFile(dir=tmp_dir, suffix=".dcm", delete=False) as out:
        spooled = Path(out.name)
        try:
            ds.save_as(out, enforce_file_format=True)
        except BaseException:
            spooled.unlink(missing_ok=True)
            raise
    try:
        size = spooled.stat().st_size
        return blobs.commit(spooled, has_preamble=True), size
    finally:
        spooled.unlink(missing_ok=True)  # gone once committed; only a failure leaves it


def new_version(blobs: BlobStore, tmp_dir: Path, current: CurrentInstance, change: Dataset,
                change_json: DicomJson) -> UpdatedInstance:
    """The new version of ``current``, its file durable (the index not touched yet)."""
    blob, size = write_new_file(blobs, tmp_dir, current, change)
    metadata = new_metadata(json.loads(current.metadata), change_json)
    columns, _ = index_columns(change, [s for s in STUDY_COLUMNS
                                        if int(s.tag, 16) in change])
    return UpdatedInstance(
        current=current,
        study_uid=uid_value(change, "StudyInstanceUID") or current.study_uid,
        series_uid=uid_value(change, "SeriesInstanceUID") or current.series_uid,
        sop_uid=uid_value(change, "SOPInstanceUID") or current.sop_uid,
        blob=blob, size=size, metadata=metadata,
        study_attributes=_compact(subset(metadata, LEVEL_ATTRIBUTES[Level.STUDY])),
        series_attributes=_compact(subset(metadata, LEVEL_ATTRIBUTES[Level.SERIES])),
        instance_attributes=_compact(subset(metadata, LEVEL_ATTRIBUTES[Level.INSTANCE])),
        study_columns=columns,
    )
