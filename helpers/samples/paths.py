"""Where the sample files are: generated on first use under ``data/generated``, or
found inside the installed pydicom wheel. Nothing is downloaded."""

from __future__ import annotations

from pathlib import Path

from pydicom.data import get_testdata_file

from helpers.config import PROJECT_ROOT
from helpers.samples._build import write
from helpers.samples._cine import xa_dataset
from helpers.samples._phantoms import cr_dataset, ct_slice
from helpers.samples._shapes import shape_dataset
from helpers.samples.catalogue import AZURE_SHAPES, CT_SLICES, PYDICOM_EXAMPLES

__all__ = ["all_paths", "azure_shapes", "cr_monochrome1", "ct_phantom", "default_dir",
           "generate", "pydicom_examples", "xa_multiframe"]


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
            write(shape_dataset(name), path)
    return paths


def ct_phantom(out_dir: Path | None = None) -> list[Path]:
    """The CT phantom series, one file per slice in slice order, generated when missing."""
    folder = (out_dir or default_dir()) / "ct-phantom"
    paths = [folder / f"slice-{k + 1:03d}.dcm" for k in range(CT_SLICES)]
    if not all(p.is_file() for p in paths):
        for k, path in enumerate(paths):
            write(ct_slice(k), path)
    return paths


def cr_monochrome1(out_dir: Path | None = None) -> Path:
    """The synthetic MONOCHROME1 radiograph, generated when missing."""
    path = (out_dir or default_dir()) / "cr-monochrome1.dcm"
    if not path.is_file():
        write(cr_dataset(), path)
    return path


def xa_multiframe(out_dir: Path | None = None) -> Path:
    """The synthetic multi-frame XA run, generated when missing.

    Not part of :func:`generate` or :func:`all_paths`: the lessons' stored data stay as
    they are; the viewer's tests store it themselves.
    """
    path = (out_dir or default_dir()) / "xa-multiframe.dcm"
    if not path.is_file():
        write(xa_dataset(), path)
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
