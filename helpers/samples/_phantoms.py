"""Synthetic patients for the rendering lessons: a CT chest series and a MONOCHROME1 radiograph.

Deterministic (seeded noise, fixed UIDs), with the attributes the display pipeline needs
to be taught: Hounsfield units through rescale slope and intercept, window presets,
slice positions, MONOCHROME1 and pixel spacing.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from pydicom.dataset import Dataset
from pydicom.uid import ComputedRadiographyImageStorage, CTImageStorage

from helpers.samples._build import base_dataset, set_pixels
from helpers.samples.catalogue import (
    CR_MONOCHROME1,
    CT_PHANTOM,
    CT_SIZE,
    CT_SLICES,
    CT_WINDOWS,
    uid_for,
)

__all__ = ["cr_dataset", "ct_hounsfield", "ct_slice"]


def ct_hounsfield(k: int) -> np.ndarray:
    """Slice ``k`` of the chest phantom in HU: body, fat, lungs, heart, liver with two
    lesions, aorta, spine, ribs, a lung nodule and the table, with seeded noise."""
    n = CT_SIZE
    z = -1 + (k + 0.5) * 2 / CT_SLICES  # head-most slice last
    y, x = np.mgrid[-1:1:n * 1j, -1:1:n * 1j]

    def ellipse(cx: float, cy: float, rx: float, ry: float) -> np.ndarray:
        inside: np.ndarray = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1
        return inside

    def ellipsoid(cx: float, cy: float, cz: float, rx: float, ry: float,
                  rz: float) -> np.ndarray:
        scale = 1 - ((z - cz) / rz) ** 2
        if scale <= 0:
            return np.zeros_like(x, dtype=bool)
        s = np.sqrt(scale)
        return ellipse(cx, cy, rx * s, ry * s)

    hu = np.full((n, n), -1000.0)
    hu[ellipse(0, 0.05, 0.88, 0.62)] = -100  # subcutaneous fat
    hu[ellipse(0, 0.05, 0.82, 0.56)] = 40  # muscle and soft tissue
    hu[ellipsoid(-0.32, 0.02, -0.55, 0.42, 0.38, 0.6)] = 60  # liver
    hu[ellipsoid(-0.38, -0.02, -0.45, 0.08, 0.08, 0.1)] = 100  # enhancing lesion
    hu[ellipsoid(-0.18, 0.12, -0.65, 0.06, 0.06, 0.08)] = 10  # cyst
    for side in (-1, 1):
        hu[ellipsoid(0.38 * side, -0.02, 0.45, 0.28, 0.4, 0.75)] = -850  # lungs
    hu[ellipsoid(0.1, -0.12, 0.2, 0.22, 0.2, 0.35)] = 45  # heart
    hu[ellipsoid(0.42, -0.1, 0.5, 0.045, 0.045, 0.06)] = 20  # lung nodule
    hu[ellipse(0.06, 0.26, 0.055, 0.055)] = 180  # aorta with contrast
    hu[ellipse(0, 0.42, 0.1, 0.09)] = 1000  # vertebral body: cortex
    hu[ellipse(0, 0.42, 0.085, 0.075)] = 250  # ... and cancellous bone
    hu[ellipse(0, 0.56, 0.065, 0.05)] = 700  # vertebral arch
    hu[ellipse(0, 0.56, 0.035, 0.028)] = 15  # spinal canal
    if z > -0.35:
        # Ribs around the chest wall (none at the spine), shifting from slice to slice.
        for t in np.linspace(-1.1, np.pi + 1.1, 12):
            angle = t + 0.25 * z
            hu[ellipse(0.77 * np.cos(angle), 0.05 - 0.51 * np.sin(angle), 0.03, 0.03)] = 800
    hu[(y > 0.74) & (y < 0.78) & (np.abs(x) < 0.92)] = 300  # table
    hu += np.random.default_rng(k).normal(0, 8, hu.shape)
    return hu


def ct_slice(k: int) -> Dataset:
    """Slice ``k`` (0-based, feet first) of the CT phantom series, with its window presets."""
    uids = CT_PHANTOM
    ds = base_dataset(CTImageStorage, uids, uid_for(f"ct-phantom/slice/{k + 1}"))
    ds.ImageType = ["DERIVED", "SECONDARY", "AXIAL"]
    ds.StudyDate, ds.StudyTime = "20240315", "093000"
    ds.SeriesDate, ds.SeriesTime = "20240315", "093500"
    ds.AccessionNumber = "PHANTOM0001"
    ds.Modality = "CT"
    ds.Manufacturer = "Azure DICOM workshop kit"
    ds.ManufacturerModelName = "Synthetic phantom"
    ds.ReferringPhysicianName = "Referring^Doctor"
    ds.StudyDescription = "Synthetic chest phantom"
    ds.SeriesDescription = "Axial 5 mm, soft tissue / lung / bone presets"
    ds.PatientName = "Phantom^Chest"
    ds.PatientID = "PHANTOM-CT"
    ds.PatientBirthDate = "19800101"
    ds.PatientSex = "O"
    ds.BodyPartExamined = "CHEST"
    ds.StudyID = "CT1"
    ds.SeriesNumber = 1
    ds.InstanceNumber = k + 1
    ds.FrameOfReferenceUID = uid_for("ct-phantom/frame-of-reference")
    ds.SliceThickness = 5
    spacing = 1.5
    ds.PixelSpacing = [spacing, spacing]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.SliceLocation = -100 + 5 * k
    ds.ImagePositionPatient = [-CT_SIZE * spacing / 2, -CT_SIZE * spacing / 2, ds.SliceLocation]
    ds.RescaleIntercept = -1024
    ds.RescaleSlope = 1
    ds.RescaleType = "HU"
    ds.WindowCenter = [c for c, _, _ in CT_WINDOWS]
    ds.WindowWidth = [w for _, w, _ in CT_WINDOWS]
    ds.WindowCenterWidthExplanation = [e for _, _, e in CT_WINDOWS]
    stored = np.clip(np.rint(ct_hounsfield(k)) + 1024, 0, 4095).astype(np.uint16)
    set_pixels(ds, stored, "MONOCHROME2", 12)
    return ds


def cr_dataset() -> Dataset:
    """A forearm-like radiograph: exposure is high (stored values high, shown dark)
    where nothing attenuates, low under bone and the lead "R" marker (shown white)."""
    rows, columns = 320, 256
    y, x = np.mgrid[0:rows, 0:columns].astype(float)
    attenuation = np.zeros((rows, columns))
    limb = ((x - 128) / 70) ** 2 <= 1 - ((y - 160) / 400) ** 2
    attenuation[limb] += 1.0 * np.sqrt(np.clip(1 - ((x[limb] - 128) / 70) ** 2, 0, 1))
    for cx, half_width in ((100, 13), (155, 11)):  # two long bones
        bone = np.abs(x - cx - 0.05 * (y - 160)) <= half_width
        attenuation[bone & limb] += 1.4
    wedge = (x >= 8) & (x < 32)
    attenuation[wedge] += np.floor(y[wedge] / 40) * 0.35  # step wedge on the left
    marker = Image.new("L", (columns, rows), 0)
    ImageDraw.Draw(marker).text((200, 12), "R", fill=255,
                                font=ImageFont.load_default(size=40))
    attenuation[np.asarray(marker) > 128] = 4.0
    exposure = 3600 * np.exp(-0.9 * attenuation)
    exposure += np.random.default_rng(1).normal(0, 15, exposure.shape)
    stored = np.clip(np.rint(exposure), 0, 4095).astype(np.uint16)
    uids = CR_MONOCHROME1
    ds = base_dataset(ComputedRadiographyImageStorage, uids, uids.sop_instance_uid)
    ds.StudyDate, ds.StudyTime = "20231107", "141500"
    ds.AccessionNumber = "PHANTOM0002"
    ds.Modality = "CR"
    ds.Manufacturer = "Azure DICOM workshop kit"
    ds.ReferringPhysicianName = "Referring^Doctor"
    ds.StudyDescription = "Synthetic forearm radiograph"
    ds.SeriesDescription = "PA, MONOCHROME1"
    ds.PatientName = "Phantom^Forearm"
    ds.PatientID = "PHANTOM-CR"
    ds.PatientBirthDate = "19800101"
    ds.PatientSex = "O"
    ds.BodyPartExamined = "ARM"
    ds.ViewPosition = "PA"
    ds.StudyID = "CR1"
    ds.SeriesNumber = 1
    ds.InstanceNumber = 1
    ds.PatientOrientation = ["L", "F"]
    ds.ImagerPixelSpacing = [0.5, 0.5]
    ds.WindowCenter = 2000
    ds.WindowWidth = 3600
    set_pixels(ds, stored, "MONOCHROME1", 12)
    return ds
