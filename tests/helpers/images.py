"""In-memory image instances with known pixel values, for the rendering tests."""

from __future__ import annotations

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian


def image(pixels: np.ndarray, photometric: str = "MONOCHROME2", **attributes: object,
          ) -> Dataset:
    """An in-memory image instance holding ``pixels`` (frames first when 3-D gray)."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    colour = photometric in ("RGB", "YBR_FULL")
    frames = pixels.ndim == (4 if colour else 3)
    ds.Rows, ds.Columns = pixels.shape[1:3] if frames else pixels.shape[:2]
    if frames:
        ds.NumberOfFrames = pixels.shape[0]
    ds.SamplesPerPixel = 3 if colour else 1
    if colour:
        ds.PlanarConfiguration = 0
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated = ds.BitsStored = pixels.dtype.itemsize * 8
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = 1 if pixels.dtype.kind == "i" else 0
    ds.PixelData = pixels.tobytes()
    for keyword, value in attributes.items():
        setattr(ds, keyword, value)
    return ds


def ramp() -> np.ndarray:
    """Stored values 0, 10, ..., 150 in a 4x4 image."""
    return (np.arange(16, dtype=np.uint16) * 10).reshape(4, 4)


def five_frames() -> Dataset:
    """A 5-frame 3x3 instance: frame k is k * 100 except a 0 in the corner; C 200 / W 400."""
    pixels = np.stack([np.full((3, 3), k * 100, np.uint16) for k in range(5)])
    pixels[:, 0, 0] = 0
    return image(pixels, WindowCenter=200, WindowWidth=400)
