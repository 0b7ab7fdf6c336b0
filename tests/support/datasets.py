"""Small DICOM instances made in memory for tests: valid by default, broken on request."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    SecondaryCaptureImageStorage,
    generate_uid,
)

SHARED_SAMPLES = ("blue-circle.dcm", "green-square.dcm", "red-triangle.dcm")


def make_dataset(
    study: str | None = None,
    series: str | None = None,
    sop: str | None = None,
    *,
    rows: int = 8,
    columns: int = 8,
    implicit: bool = False,
    **attributes: Any,
) -> Dataset:
    """A small 16-bit MONOCHROME2 secondary capture; keyword arguments set attributes."""
    ds = Dataset()
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.StudyInstanceUID = study or generate_uid()
    ds.SeriesInstanceUID = series or generate_uid()
    ds.SOPInstanceUID = sop or generate_uid()
    ds.PatientID = "PID-1"
    ds.PatientName = "Doe^Jane"
    ds.StudyDate = "20240102"
    ds.Modality = "OT"
    ds.Rows, ds.Columns = rows, columns
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 16, 15
    ds.PixelRepresentation = 0
    pixels = (np.arange(rows * columns, dtype=np.uint16) * 7).reshape(rows, columns)
    ds.PixelData = pixels.tobytes()
    for keyword, value in attributes.items():
        if value is None:
            if keyword in ds:
                delattr(ds, keyword)
        else:
            setattr(ds, keyword, value)
    ds.file_meta = FileMetaDataset()
    # File meta keeps valid UIDs even when a test removes or breaks the dataset's own.
    ds.file_meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian
    return ds


def to_bytes(ds: Dataset) -> bytes:
    """Part 10 bytes (with preamble and file meta) of ``ds``."""
    buffer = BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def make_instance(*args: Any, **kwargs: Any) -> bytes:
    return to_bytes(make_dataset(*args, **kwargs))
