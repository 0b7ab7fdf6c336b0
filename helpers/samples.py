"""The workshop's sample DICOM data: generated here, or shipped inside pydicom.

Three sets, all available offline from a fresh clone (see ``data/README.md``):

* ``azure_shapes()``: red-triangle, green-square and blue-circle, drawn again with the
  study, series and SOP instance UIDs and the patient/study attributes of the Azure
  sample files (``microsoft/dicom-server`` ``docs/dcms``), so every Microsoft tutorial's
  UIDs work against whatever this kit stored.
* ``ct_phantom()``: a synthetic 16-bit CT chest phantom series (40 slices, Hounsfield
  units via rescale slope/intercept, soft tissue / lung / bone window presets).
* ``cr_monochrome1()``: a synthetic MONOCHROME1 radiograph (low values are white).
* ``pydicom_examples()``: small files that ship inside the pydicom wheel (CT, MR, RGB,
  palette colour, multi-frame YBR JPEG, JPEG 2000, 12-bit JPEG extended).

Generation is deterministic (fixed UIDs, seeded noise), so re-running it, or storing
the result twice, gives the same instances. Command line:
``python -m helpers.samples generate [--out DIR] [--force]``.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    ComputedRadiographyImageStorage,
    CTImageStorage,
    ExplicitVRLittleEndian,
    SecondaryCaptureImageStorage,
)

from helpers.config import PROJECT_ROOT

__all__ = [
    "AZURE_SHAPES", "AZURE_STUDY_UID", "CT_PHANTOM", "CR_MONOCHROME1", "PYDICOM_EXAMPLES",
    "SampleUIDs", "all_paths", "azure_shapes", "cr_monochrome1", "ct_phantom", "default_dir",
    "generate", "pydicom_examples",
]

AZURE_STUDY_UID = "1.2.826.0.1.3680043.8.498.13230779778012324449356534479549187420"
_AZURE_SERIES_1 = "1.2.826.0.1.3680043.8.498.45787841905473114233124723359129632652"
_AZURE_SERIES_2 = "1.2.826.0.1.3680043.8.498.77033797676425927098669402985243398207"
_UID_NAMESPACE = uuid.UUID("6f1c3b0e-5d2a-4c8e-9a51-0d1c0a11d1c0")


def _uid(name: str) -> str:
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
CT_PHANTOM = SampleUIDs(_uid("ct-phantom/study"), _uid("ct-phantom/series"))
CR_MONOCHROME1 = SampleUIDs(_uid("cr-monochrome1/study"), _uid("cr-monochrome1/series"),
                            _uid("cr-monochrome1/instance"))
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


def default_dir() -> Path:
    """Where generated samples go: ``data/generated`` in the repository (git-ignored)."""
    return PROJECT_ROOT / "data" / "generated"


def azure_shapes(out_dir: Path | None = None) -> dict[str, Path]:
    """The three shape images with the Azure sample UIDs, generated when missing.

    Returns
    -------
    dict of str to Path
        ``{"red-triangle": ..., "green-square": ..., "blue-circle": ...}``.
    """
    folder = (out_dir or default_dir()) / "azure-shapes"
    paths = {name: folder / f"{name}.dcm" for name in AZURE_SHAPES}
    for name, path in paths.items():
        if not path.is_file():
            _write(_shape_dataset(name), path)
    return paths


def ct_phantom(out_dir: Path | None = None) -> list[Path]:
    """The CT phantom series, one file per slice in slice order, generated when missing."""
    folder = (out_dir or default_dir()) / "ct-phantom"
    paths = [folder / f"slice-{k + 1:03d}.dcm" for k in range(CT_SLICES)]
    if not all(p.is_file() for p in paths):
        for k, path in enumerate(paths):
            _write(_ct_slice(k), path)
    return paths


def cr_monochrome1(out_dir: Path | None = None) -> Path:
    """The synthetic MONOCHROME1 radiograph, generated when missing."""
    path = (out_dir or default_dir()) / "cr-monochrome1.dcm"
    if not path.is_file():
        _write(_cr_dataset(), path)
    return path


def pydicom_examples() -> dict[str, Path]:
    """Paths of the example files inside the installed pydicom wheel.

    Raises
    ------
    FileNotFoundError
        The installed pydicom does not ship one of them.
    """
    paths = {}
    for name, filename in PYDICOM_EXAMPLES.items():
        found = get_testdata_file(filename, download=False)
        if not isinstance(found, str):
            raise FileNotFoundError(f"pydicom does not ship {filename}; reinstall pydicom")
        paths[name] = Path(found)
    return paths


def generate(out_dir: Path | None = None, force: bool = False) -> list[Path]:
    """Write every generated sample (idempotent); ``force`` rewrites existing files.

    Returns
    -------
    list of Path
        All generated files.
    """
    folder = out_dir or default_dir()
    if force:
        for path in folder.glob("**/*.dcm"):
            path.unlink()
    return [*azure_shapes(folder).values(), *ct_phantom(folder), cr_monochrome1(folder)]


def all_paths(out_dir: Path | None = None) -> list[Path]:
    """Every sample file: the generated ones (written when missing) and pydicom's."""
    return [*generate(out_dir), *pydicom_examples().values()]


# --- building datasets -------------------------------------------------------------

def _write(ds: Dataset, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    ds.save_as(partial, enforce_file_format=True)
    partial.replace(path)


def _base_dataset(sop_class: str, uids: SampleUIDs, sop_uid: str) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.file_meta.MediaStorageSOPInstanceUID = sop_uid
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_uid
    ds.StudyInstanceUID = uids.study_instance_uid
    ds.SeriesInstanceUID = uids.series_instance_uid
    return ds


def _set_pixels(ds: Dataset, pixels: np.ndarray, photometric: str, bits_stored: int) -> None:
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


_SHAPES = {  # colour and SeriesNumber/InstanceNumber of the Azure files (spec section 11)
    "red-triangle": ((237, 28, 36), 1, 1, "Red Triangle"),
    "green-square": ((34, 177, 76), 1, 2, "Green Square"),
    "blue-circle": ((63, 72, 204), 2, 1, "Blue Circle"),
}


def _shape_dataset(name: str) -> Dataset:
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
    ds = _base_dataset(SecondaryCaptureImageStorage, AZURE_SHAPES[name],
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
    _set_pixels(ds, pixels, "RGB", 8)
    return ds


def _ct_hounsfield(k: int) -> np.ndarray:
    """Slice ``k`` of the chest phantom in HU: body, fat, lungs, heart, liver with two
    lesions, aorta, spine, ribs, a lung nodule and the table, with seeded noise."""
    n = CT_SIZE
    z = -1 + (k + 0.5) * 2 / CT_SLICES  # head-most slice last
    y, x = np.mgrid[-1:1:n * 1j, -1:1:n * 1j]

    def ellipse(cx: float, cy: float, rx: float, ry: float) -> np.ndarray:
        return ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1

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


def _ct_slice(k: int) -> Dataset:
    uids = CT_PHANTOM
    ds = _base_dataset(CTImageStorage, uids, _uid(f"ct-phantom/slice/{k + 1}"))
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
    ds.FrameOfReferenceUID = _uid("ct-phantom/frame-of-reference")
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
    stored = np.clip(np.rint(_ct_hounsfield(k)) + 1024, 0, 4095).astype(np.uint16)
    _set_pixels(ds, stored, "MONOCHROME2", 12)
    return ds


def _cr_dataset() -> Dataset:
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
    ds = _base_dataset(ComputedRadiographyImageStorage, uids, uids.sop_instance_uid)
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
    _set_pixels(ds, stored, "MONOCHROME1", 12)
    return ds


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.samples",
                                     description="Generate the workshop's sample data.")
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate", help="write the generated samples")
    gen.add_argument("--out", type=Path, default=None,
                     help=f"output folder (default {default_dir()})")
    gen.add_argument("--force", action="store_true", help="rewrite existing files")
    commands.add_parser("list", help="list every sample file")
    args = parser.parse_args(argv)
    if args.command == "generate":
        paths = generate(args.out, force=args.force)
        total = sum(p.stat().st_size for p in paths)
        print(f"{len(paths)} files, {total / 1e6:.1f} MB in {args.out or default_dir()}")
    else:
        for path in [*generate(), *pydicom_examples().values()]:
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
