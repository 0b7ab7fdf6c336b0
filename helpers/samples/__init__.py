"""The workshop's sample DICOM data: generated here, or shipped inside pydicom.

Three sets, all available offline from a fresh clone (see ``data/README.md``):

* ``azure_shapes()``: red-triangle, green-square and blue-circle, drawn again with the
  study, series and SOP instance UIDs and the patient/study attributes of the Azure
  sample files (``microsoft/dicom-server`` ``docs/dcms``), so every Microsoft tutorial's
  UIDs work against whatever this kit stored.
* ``ct_phantom()``: a synthetic 16-bit CT chest phantom series (40 slices, Hounsfield
  units via rescale slope/intercept, soft tissue / lung / bone window presets).
* ``cr_monochrome1()``: a synthetic MONOCHROME1 radiograph (low values are white).
* ``xa_multiframe()``: a synthetic X-ray angiography run, one instance of 24 frames
  (the viewer's cine; stored by the viewer's tests, not by the lessons).
* ``pydicom_examples()``: small files that ship inside the pydicom wheel (CT, MR, RGB,
  palette colour, multi-frame YBR JPEG, JPEG 2000, 12-bit JPEG extended).

Generation is deterministic (fixed UIDs, seeded noise), so re-running it, or storing
the result twice, gives the same instances. Command line:
``python -m helpers.samples generate [--out DIR] [--force]``.

Modules: :mod:`~helpers.samples.catalogue` (the UIDs and facts),
:mod:`~helpers.samples.paths` (the files), ``_shapes`` and ``_phantoms`` (the
generators), :mod:`~helpers.samples.cli` (the command line).
"""


from __future__ import annotations

from helpers.samples.catalogue import (
    AZURE_SHAPES,
    AZURE_STUDY_UID,
    CR_MONOCHROME1,
    CT_PHANTOM,
    PYDICOM_EXAMPLES,
    XA_FRAMES,
    XA_MULTIFRAME,
    SampleUIDs,
)
from helpers.samples.cli import main
from helpers.samples.paths import (
    all_paths,
    azure_shapes,
    cr_monochrome1,
    ct_phantom,
    default_dir,
    generate,
    pydicom_examples,
    xa_multiframe,
)

__all__ = [
    "AZURE_SHAPES", "AZURE_STUDY_UID", "CT_PHANTOM", "CR_MONOCHROME1", "PYDICOM_EXAMPLES",
    "SampleUIDs", "all_paths", "azure_shapes", "cr_monochrome1", "ct_phantom", "default_dir",
    "generate", "main", "pydicom_examples", "XA_FRAMES", "XA_MULTIFRAME", "xa_multiframe",
]
