"""The pieces every generated sample shares: its identity, its pixels, the file."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID, ExplicitVRLittleEndian

from helpers._files import atomic_write
from helpers.samples.catalogue import SampleUIDs


def write(ds: Dataset, path: Path) -> None:
    """Save ``ds`` as a Part 10 file, atomically: an interrupted run leaves no half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    atomic_write(path, buffer.getvalue(), mode=0o644)


def base_dataset(sop_class: str, uids: SampleUIDs, sop_uid: str) -> Dataset:
    """A new instance with its file meta, SOP class and study/series/SOP UIDs."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = UID(sop_class)
    ds.file_meta.MediaStorageSOPInstanceUID = UID(sop_uid)
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_uid
    ds.StudyInstanceUID = uids.study_instance_uid
    ds.SeriesInstanceUID = uids.series_instance_uid
    return ds


def set_pixels(ds: Dataset, pixels: np.ndarray, photometric: str, bits_stored: int) -> None:
    """Pixel Data and the Image Pixel attributes that describe it (unsigned samples)."""
    ds.Rows, ds.Columns = pixels.shape[:2]
    ds.SamplesPerPixel = 3 if pixels.ndim == 3 else 1
    ds.PhotometricInterpretation = photometric
    if pixels.ndim == 3:
        ds.PlanarConfiguration = 0
    ds.BitsAllocated = pixels.dtype.itemsize * 8
    ds.BitsStored = bits_stored
    ds.HighBit = bits_stored - 1
    ds.PixelRepresentation = 0
    ds.PixelData = pixels.tobytes()
