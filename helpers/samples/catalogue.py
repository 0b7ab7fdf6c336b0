"""What the sample data is: its UIDs, the CT phantom's geometry and the pydicom files used.

Facts only, no files: the paths are :mod:`helpers.samples.paths`'s. The Azure shapes
keep the study, series and SOP instance UIDs of Microsoft's sample files; everything the
kit generates gets a UUID-derived UID from a fixed name, so a re-run gives the same
instances.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

__all__ = ["AZURE_SHAPES", "AZURE_STUDY_UID", "CR_MONOCHROME1", "CT_PHANTOM", "CT_SIZE",
           "CT_SLICES", "CT_WINDOWS", "PYDICOM_EXAMPLES", "SampleUIDs", "XA_FRAMES",
           "XA_MULTIFRAME", "uid_for"]

AZURE_STUDY_UID = "1.2.826.0.1.3680043.8.498.13230779778012324449356534479549187420"
_AZURE_SERIES_1 = "1.2.826.0.1.3680043.8.498.45787841905473114233124723359129632652"
_AZURE_SERIES_2 = "1.2.826.0.1.3680043.8.498.77033797676425927098669402985243398207"
_UID_NAMESPACE = uuid.UUID("6f1c3b0e-5d2a-4c8e-9a51-0d1c0a11d1c0")


def uid_for(name: str) -> str:
    """A deterministic UUID-derived UID (PS3.5 B.2) for a generated sample."""
    return f"2.25.{uuid.uuid5(_UID_NAMESPACE, name).int}"


@dataclass(frozen=True)
class SampleUIDs:
    """The identifiers of one sample instance (or, with ``sop_instance_uid=""``, series)."""

    study_instance_uid: str
    series_instance_uid: str
    sop_instance_uid: str = ""


AZURE_SHAPES: dict[str, SampleUIDs] = {
    "red-triangle": SampleUIDs(
        AZURE_STUDY_UID, _AZURE_SERIES_1,
        "1.2.826.0.1.3680043.8.498.47359123102728459884412887463296905395"),
    "green-square": SampleUIDs(
        AZURE_STUDY_UID, _AZURE_SERIES_1,
        "1.2.826.0.1.3680043.8.498.12714725698140337137334606354172323212"),
    "blue-circle": SampleUIDs(
        AZURE_STUDY_UID, _AZURE_SERIES_2,
        "1.2.826.0.1.3680043.8.498.13273713909719068980354078852867170114"),
}
CT_PHANTOM = SampleUIDs(uid_for("ct-phantom/study"), uid_for("ct-phantom/series"))
CR_MONOCHROME1 = SampleUIDs(uid_for("cr-monochrome1/study"), uid_for("cr-monochrome1/series"),
                            uid_for("cr-monochrome1/instance"))
XA_MULTIFRAME = SampleUIDs(uid_for("xa-multiframe/study"), uid_for("xa-multiframe/series"),
                           uid_for("xa-multiframe/instance"))
XA_FRAMES = 24
CT_SLICES = 40
CT_SIZE = 256
# (center, width, explanation): the presets written into every phantom slice.
CT_WINDOWS = ((40, 400, "SOFT TISSUE"), (-600, 1500, "LUNG"), (500, 2000, "BONE"))

# name -> file inside the pydicom wheel (pydicom/data/test_files), never downloaded.
PYDICOM_EXAMPLES = {
    "ct": "CT_small.dcm",                    # 16-bit CT, rescale intercept -1024
    "mr": "MR_small.dcm",                    # 16-bit MR with a window in the file
    "rgb": "examples_rgb_color.dcm",         # ultrasound, RGB
    "palette": "examples_palette.dcm",       # ultrasound, PALETTE COLOR
    "ybr-multiframe": "examples_ybr_color.dcm",  # 30 frames, JPEG baseline, YBR_FULL_422
    "jpeg2000": "examples_jpeg2k.dcm",       # JPEG 2000, YBR_RCT
    "jpeg-extended": "JPGExtended.dcm",      # 12-bit JPEG extended (Azure cannot transcode)
}
