"""Benchmark data: CT-like instances made with pydicom from a fixed seed.

Each instance is a 16-bit 256x256 MONOCHROME2 CT slice (a noisy disc phantom, rescale and
window set), about 132 KB as a Part 10 file. Instances are grouped into studies of four
series, two studies per patient, with study dates a few days apart, so that the QIDO
queries of the benchmark (by StudyInstanceUID, PatientID, StudyDate range, series of a
study, instances of a series) each have something to find.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

SEED = 20240611
SERIES_PER_STUDY = 4
STUDIES_PER_PATIENT = 2
FIRST_STUDY_DATE = dt.date(2024, 1, 3)


@dataclass(frozen=True)
class Instance:
    """One generated instance: its UIDs, the values queried, and its Part 10 bytes."""

    study: str
    series: str
    sop: str
    patient_id: str
    study_date: str
    data: bytes


def _uid(*parts: object) -> str:
    # generate_uid with entropy sources is a hash of them: the same seed gives the same UIDs.
    return generate_uid(entropy_srcs=[str(SEED), *map(str, parts)])


def _phantom(size: int) -> np.ndarray:
    """Stored values of a water disc (0 HU) in air (-1000 HU), with rescale intercept -1024."""
    y, x = np.ogrid[:size, :size]
    inside = (x - size / 2) ** 2 + (y - size / 2) ** 2 < (0.4 * size) ** 2
    return np.where(inside, 1024, 24).astype(np.int16)


def _dataset(number: int, per_series: int, pixels: np.ndarray) -> Dataset:
    per_study = per_series * SERIES_PER_STUDY
    study_no, series_no = divmod(number // per_series, SERIES_PER_STUDY)
    study_date = FIRST_STUDY_DATE + dt.timedelta(days=9 * study_no)
    ds = Dataset()
    ds.SOPClassUID = CTImageStorage
    ds.StudyInstanceUID = _uid("study", study_no)
    ds.SeriesInstanceUID = _uid("series", study_no, series_no)
    ds.SOPInstanceUID = _uid("instance", number)
    ds.PatientID = f"BENCH-{study_no // STUDIES_PER_PATIENT:04d}"
    ds.PatientName = f"Bench^Patient{study_no // STUDIES_PER_PATIENT}"
    ds.PatientBirthDate, ds.PatientSex = "19700101", "O"
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = study_date.strftime("%Y%m%d")
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = "101500"
    ds.AccessionNumber = f"ACC{study_no:06d}"
    ds.StudyID, ds.StudyDescription = str(study_no), "CT CHEST"
    ds.Modality, ds.Manufacturer, ds.BodyPartExamined = "CT", "Bench", "CHEST"
    ds.SeriesNumber, ds.SeriesDescription = series_no + 1, f"Axial {series_no + 1}"
    ds.InstanceNumber = number % per_study % per_series + 1
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.SliceThickness, ds.KVP = "1.0", "120"
    ds.ImagePositionPatient = [-128, -128, ds.InstanceNumber]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing = [0.7, 0.7]
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
    ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = "-1024", "1", "HU"
    ds.WindowCenter, ds.WindowWidth = "40", "400"
    ds.PixelData = pixels.tobytes()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    return ds


def generate(count: int, *, size: int = 256, per_series: int = 25) -> Iterator[Instance]:
    """Yield ``count`` instances, the same ones for the same arguments.

    Parameters
    ----------
    count
        How many instances.
    size
        Rows and columns of each image; 256 gives the ~132 KB files of the benchmark.
    per_series
        Instances in each series (a study has four series).
    """
    rng = np.random.default_rng(SEED)
    phantom = _phantom(size)
    for number in range(count):
        noise = rng.normal(0, 20, phantom.shape).astype(np.int16)
        ds = _dataset(number, per_series, phantom + noise)
        buffer = BytesIO()
        ds.save_as(buffer, enforce_file_format=True)
        yield Instance(ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID,
                       ds.PatientID, ds.StudyDate, buffer.getvalue())


# A 44-character UID (2.25 form, 39 digits): every SOP UID below has this length.
_PLACEHOLDER = "2.25." + "1" * 39


def _fixed_length_uid(number: int) -> str:
    digest = int.from_bytes(hashlib.sha256(f"{SEED}:{number}".encode()).digest(), "big")
    return f"2.25.{10**38 + digest % (8 * 10**38)}"


def generate_many(count: int, *, size: int = 16, per_series: int = 25) -> Iterator[Instance]:
    """Like :func:`generate`, fast enough for 100,000 instances (small images by default).

    pydicom writes one file per series, with a placeholder SOPInstanceUID; each instance is
    that file with the placeholder replaced by a UID of the same length (in the file meta
    and the dataset), so the encoding stays valid. pydicom alone makes ~200 files/s here.
    """
    rng = np.random.default_rng(SEED)
    phantom = _phantom(size)
    template, placeholder = b"", _PLACEHOLDER.encode()
    ds = Dataset()
    for number in range(count):
        if number % per_series == 0:
            noise = rng.normal(0, 20, phantom.shape).astype(np.int16)
            ds = _dataset(number, per_series, phantom + noise)
            ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = _PLACEHOLDER
            buffer = BytesIO()
            ds.save_as(buffer, enforce_file_format=True)
            template = buffer.getvalue()
            if template.count(placeholder) != 2:
                raise AssertionError("the placeholder UID must occur exactly twice")
        sop = _fixed_length_uid(number)
        yield Instance(ds.StudyInstanceUID, ds.SeriesInstanceUID, sop, ds.PatientID,
                       ds.StudyDate, template.replace(placeholder, sop.encode()))
