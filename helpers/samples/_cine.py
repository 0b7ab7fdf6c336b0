"""A synthetic X-ray angiography run: one multi-frame XA instance (a viewer's cine).

A contrast bolus fills a branching vessel frame by frame over a noisy background, 8-bit
MONOCHROME2, stored uncompressed: every viewer decodes it, and frames differ visibly.
"""

from __future__ import annotations

import numpy as np
from pydicom.dataset import Dataset
from pydicom.uid import XRayAngiographicImageStorage

from helpers.samples._build import base_dataset, set_pixels
from helpers.samples.catalogue import XA_FRAMES, XA_MULTIFRAME

__all__ = ["xa_dataset"]

SIZE = 256


def xa_frames() -> np.ndarray:
    """``(XA_FRAMES, SIZE, SIZE)`` uint8: the vessel tree, filled further each frame."""
    y, x = np.mgrid[0:SIZE, 0:SIZE].astype(float)
    trunk = np.abs(x - 128 - 20 * np.sin(y / 40)) < 7
    branch = np.abs(y - 0.6 * x - 40) < 5
    tree = (trunk | (branch & (x > 128))).astype(float)
    depth = y / SIZE  # the bolus arrives from the top
    rng = np.random.default_rng(7)
    frames = np.empty((XA_FRAMES, SIZE, SIZE), np.uint8)
    for k in range(XA_FRAMES):
        filled = tree * (depth <= (k + 6) / (XA_FRAMES + 5))  # a third filled at frame 1
        image = 170 - 120 * filled + rng.normal(0, 6, (SIZE, SIZE))
        frames[k] = np.clip(np.rint(image), 0, 255).astype(np.uint8)
    return frames


def xa_dataset() -> Dataset:
    """The XA run as one instance of ``XA_FRAMES`` frames."""
    uids = XA_MULTIFRAME
    ds = base_dataset(XRayAngiographicImageStorage, uids, uids.sop_instance_uid)
    ds.StudyDate, ds.StudyTime = "20231108", "091000"
    ds.AccessionNumber = "PHANTOM0003"
    ds.Modality = "XA"
    ds.Manufacturer = "Azure DICOM workshop kit"
    ds.ReferringPhysicianName = "Referring^Doctor"
    ds.StudyDescription = "Synthetic angiography run"
    ds.SeriesDescription = "Contrast run, multi-frame"
    ds.PatientName = "Phantom^Angio"
    ds.PatientID = "PHANTOM-XA"
    ds.PatientBirthDate = "19750505"
    ds.PatientSex = "O"
    ds.StudyID = "XA1"
    ds.SeriesNumber = 1
    ds.InstanceNumber = 1
    ds.PatientOrientation = ["L", "F"]
    ds.FrameTime = 100.0  # ms: a 10 frames/s cine
    ds.FrameIncrementPointer = 0x00181063  # (0018,1063) Frame Time
    ds.NumberOfFrames = XA_FRAMES
    ds.PositionerPrimaryAngle = 0
    ds.PositionerSecondaryAngle = 0
    frames = xa_frames()
    set_pixels(ds, frames[0], "MONOCHROME2", 8)
    ds.PixelData = frames.tobytes()
    return ds
