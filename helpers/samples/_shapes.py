"""The three shapes of Microsoft's sample files, drawn again with the same identifiers.

Same UIDs, patient and study attributes, size, colours and geometry as
``microsoft/dicom-server`` ``docs/dcms``, so every Azure tutorial works on them; the
files themselves may not be committed here (see ``data/README.md``).
"""

from __future__ import annotations

import numpy as np
from pydicom.dataset import Dataset
from pydicom.uid import SecondaryCaptureImageStorage

from helpers.samples._build import base_dataset, set_pixels
from helpers.samples.catalogue import AZURE_SHAPES

__all__ = ["shape_dataset"]

_SHAPES = {  # colour and SeriesNumber/InstanceNumber of the Azure files (spec section 11)
    "red-triangle": ((237, 28, 36), 1, 1, "Red Triangle"),
    "green-square": ((34, 177, 76), 1, 2, "Green Square"),
    "blue-circle": ((63, 72, 204), 2, 1, "Blue Circle"),
}


def shape_dataset(name: str) -> Dataset:
    """``red-triangle``, ``green-square`` or ``blue-circle``, as the Azure files draw them."""
    colour, series_number, instance_number, title = _SHAPES[name]
    rows, columns = 979, 985
    y, x = np.mgrid[0:rows, 0:columns]
    if name == "red-triangle":
        inside = (y >= 237) & (y <= 717) & (np.abs(x - 478) <= (y - 237) * 309 / 480)
    elif name == "green-square":
        inside = (y >= 240) & (y <= 736) & (x >= 236) & (x <= 748)
    else:
        inside = ((y - 510.5) / 274.5) ** 2 + ((x - 491) / 296) ** 2 <= 1
    pixels = np.full((rows, columns, 3), 195, dtype=np.uint8)
    pixels[inside] = colour
    ds = base_dataset(SecondaryCaptureImageStorage, AZURE_SHAPES[name],
                       AZURE_SHAPES[name].sop_instance_uid)
    ds.ImageType = ["DERIVED", "SECONDARY", "OTHER"]
    ds.StudyDate, ds.StudyTime = "20200922", "120000"
    ds.AccessionNumber = ""
    ds.Modality = "OT"
    ds.ConversionType = "SYN"
    ds.ReferringPhysicianName = "Doctor Doc"
    ds.PatientName = "Anony Mous"
    ds.PatientID = "ID1"
    ds.PatientBirthDate = ""
    ds.PatientSex = "F"
    ds.PatientAge = "024Y"
    ds.StudyID = "1"
    ds.SeriesNumber = series_number
    ds.InstanceNumber = instance_number
    ds.ImageComments = f"Fake DICOM - {title}"
    ds.PixelSpacing = [1, 1]
    set_pixels(ds, pixels, "RGB", 8)
    return ds
