"""Turn DICOM pixel data into correct pictures: the display pipeline.

The order is the one the standard (PS3.4 N.2) and pydicom document:

1. decode the stored values (``pydicom.pixels.pixel_array(..., raw=True)``);
2. colour images: YBR_FULL / YBR_FULL_422 to RGB (``convert_color_space``), PALETTE
   COLOR through its lookup tables (``apply_color_lut``), RGB as it is;
3. grayscale images: the modality LUT (``apply_modality_lut``: rescale slope and
   intercept, e.g. to Hounsfield units), then the VOI LUT or a window
   (``apply_voi`` / ``apply_windowing``), then MONOCHROME1 inversion.

:func:`to_display` returns floats in [0, 1] that matplotlib shows with ``vmin=0,
vmax=1``, so the picture never depends on matplotlib's own autoscaling. This module is
what notebook 03 teaches, and it draws nothing: the figures and the frame slider built
on it are in :mod:`helpers.figures`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.pixels import (
    apply_color_lut,
    apply_modality_lut,
    apply_voi,
    apply_windowing,
    convert_color_space,
    pixel_array,
)

__all__ = ["WINDOW_PRESETS", "Window", "WindowChoice", "file_windows", "frames_of",
           "number_of_frames", "shared_window", "sort_slices", "to_display", "to_png"]


@dataclass(frozen=True)
class Window:
    """A VOI window: ``center`` and ``width`` in modality units (HU for CT)."""

    center: float
    width: float
    name: str = ""
    function: str = "LINEAR"

    def __str__(self) -> str:
        label = f"{self.name} " if self.name else ""
        return f"{label}C {self.center:g} / W {self.width:g}"


WINDOW_PRESETS = {
    "soft tissue": Window(40, 400, "soft tissue"),
    "lung": Window(-600, 1500, "lung"),
    "bone": Window(500, 2000, "bone"),
    "brain": Window(40, 80, "brain"),
}
WindowChoice = Window | tuple[float, float] | int | str | None
_GRAY = ("MONOCHROME1", "MONOCHROME2")
_COLOUR = ("RGB", "YBR_FULL", "YBR_FULL_422", "YBR_RCT", "YBR_ICT", "PALETTE COLOR")


def number_of_frames(ds: Dataset) -> int:
    """The number of frames of an image instance (1 when NumberOfFrames is absent)."""
    return int(ds.get("NumberOfFrames") or 1)


def file_windows(ds: Dataset) -> list[Window]:
    """The windows stored in the instance (WindowCenter/WindowWidth, several allowed)."""
    if "WindowCenter" not in ds or "WindowWidth" not in ds:
        return []
    centers, widths = _as_list(ds.WindowCenter), _as_list(ds.WindowWidth)
    names = _as_list(ds.get("WindowCenterWidthExplanation") or [])
    function = str(ds.get("VOILUTFunction") or "LINEAR").upper()
    return [Window(float(c), float(w), str(names[i]) if i < len(names) else "", function)
            for i, (c, w) in enumerate(zip(centers, widths, strict=False))]


def to_display(ds: Dataset, frame: int = 0, window: WindowChoice = None) -> np.ndarray:
    """The display values of one frame: floats in [0, 1], 2-D (gray) or H×W×3 (colour).

    Parameters
    ----------
    ds : pydicom.dataset.Dataset
        An image instance with Pixel Data.
    frame : int
        0-based frame index for multi-frame instances.
    window : Window, (center, width), int, "auto" or None
        Grayscale only. ``None``: the file's VOI LUT or first window, else the full
        range of values; an ``int``: the file's window with that index; ``"auto"``: the
        frame's minimum to maximum; a :class:`Window` or ``(center, width)``: that
        window, in modality units (after rescale).

    Returns
    -------
    numpy.ndarray
        ``float32`` values, 0 = black and 1 = white (MONOCHROME1 already inverted).

    Raises
    ------
    ValueError
        The photometric interpretation is not supported, or ``window`` is invalid.
    """
    photometric = str(ds.PhotometricInterpretation).strip()
    stored = pixel_array(ds, index=frame if number_of_frames(ds) > 1 else None, raw=True)
    if photometric in _COLOUR:
        return _colour(stored, ds, photometric)
    if photometric not in _GRAY:
        raise ValueError(f"cannot display PhotometricInterpretation {photometric!r}")
    values = apply_modality_lut(stored, ds)
    gray = _voi(values, ds, window)
    if photometric == "MONOCHROME1":
        gray = 1.0 - gray  # low values are white
    return gray.astype(np.float32)


def _colour(stored: np.ndarray, ds: Dataset, photometric: str) -> np.ndarray:
    if photometric == "PALETTE COLOR":
        rgb = apply_color_lut(stored, ds)
        bits = int(ds.RedPaletteColorLookupTableDescriptor[2])
        palette: np.ndarray = (rgb / (2**bits - 1)).astype(np.float32)
        return palette
    if photometric in ("YBR_FULL", "YBR_FULL_422"):
        stored = convert_color_space(stored, "YBR_FULL", "RGB")
    # YBR_RCT and YBR_ICT (JPEG 2000) come out of the decoder as RGB already.
    colour: np.ndarray = (stored / (2 ** int(ds.BitsStored) - 1)).clip(0, 1).astype(np.float32)
    return colour


def _voi(values: np.ndarray, ds: Dataset, window: WindowChoice) -> np.ndarray:
    if window is None and ds.get("VOILUTSequence"):
        out = apply_voi(values, ds)
        bits = int(ds.VOILUTSequence[0].LUTDescriptor[2])
        mapped: np.ndarray = np.clip(out / (2**bits - 1), 0, 1)
        return mapped
    chosen = _resolve_window(values, ds, window)
    if chosen is None:  # nothing to window with: constant image
        return np.zeros(values.shape)
    voi = Dataset()
    voi.PhotometricInterpretation = "MONOCHROME2"  # inversion is done afterwards
    voi.BitsStored, voi.PixelRepresentation = ds.BitsStored, ds.PixelRepresentation
    for keyword in ("RescaleSlope", "RescaleIntercept", "ModalityLUTSequence"):
        if keyword in ds:
            setattr(voi, keyword, ds[keyword].value)
    voi.WindowCenter, voi.WindowWidth = chosen.center, chosen.width
    voi.VOILUTFunction = chosen.function
    out = apply_windowing(values, voi)
    # apply_windowing maps into the output range of the modality LUT; the images of
    # -inf and +inf are that range's ends, whatever the VOI LUT function.
    low, high = apply_windowing(np.array([-np.inf, np.inf]), voi)
    windowed: np.ndarray = np.clip((out - low) / (high - low), 0, 1)
    return windowed


def _resolve_window(values: np.ndarray, ds: Dataset, window: WindowChoice) -> Window | None:
    if isinstance(window, Window):
        return window
    if isinstance(window, tuple):
        return Window(float(window[0]), float(window[1]))
    if isinstance(window, bool):
        raise ValueError("window must be a Window, (center, width), an int, 'auto' or None")
    if isinstance(window, int):
        windows = file_windows(ds)
        if not 0 <= window < len(windows):
            raise ValueError(f"window index {window} but the file has {len(windows)} windows")
        return windows[window]
    if window is None and file_windows(ds):
        return file_windows(ds)[0]
    if window not in (None, "auto"):
        raise ValueError(f"unknown window {window!r}: give a Window, (center, width), "
                         "an index into the file's windows, 'auto' or None")
    low, high = float(np.min(values)), float(np.max(values))
    if high <= low:
        return None
    # LINEAR_EXACT maps low to 0 and high to 1 exactly.
    return Window((low + high) / 2, high - low, "auto", "LINEAR_EXACT")


def sort_slices(datasets: Sequence[Dataset]) -> list[Dataset]:
    """Slices in anatomical order: along the slice normal, else by InstanceNumber."""
    def key(ds: Dataset) -> float:
        position, orientation = ds.get("ImagePositionPatient"), ds.get(
            "ImageOrientationPatient")
        if position is not None and orientation is not None:
            normal = np.cross(np.array(orientation[:3], float), np.array(orientation[3:], float))
            return float(np.dot(normal, np.array(position, float)))
        return float(ds.get("InstanceNumber") or 0)

    return sorted(datasets, key=key)


def frames_of(source: Dataset | Sequence[Dataset]) -> list[tuple[Dataset, int]]:
    """Every frame to show, as (instance, 0-based frame index) pairs.

    A multi-frame instance gives its frames in order; a series (a sequence of
    instances) gives every frame of every instance, the slices sorted by
    :func:`sort_slices`.
    """
    if isinstance(source, Dataset):
        return [(source, i) for i in range(number_of_frames(source))]
    return [(ds, i) for ds in sort_slices(source) for i in range(number_of_frames(ds))]


def shared_window(frames: Sequence[tuple[Dataset, int]],
                  window: WindowChoice = None) -> WindowChoice:
    """One window for a whole set of frames, so brightness does not jump between them.

    ``None`` means the first file window of the first instance; when there is none,
    a grayscale set gets the range of *all* its frames' values (after rescale) rather
    than each frame its own. Any other ``window`` is returned as it is.
    """
    first = frames[0][0]
    if (window is not None or file_windows(first)
            or str(first.PhotometricInterpretation) not in _GRAY):
        return window
    values = [apply_modality_lut(pixel_array(ds, index=i if number_of_frames(ds) > 1
                                             else None, raw=True), ds)
              for ds, i in frames]
    return _resolve_window(np.stack(values), first, "auto")


def to_png(image: np.ndarray) -> bytes:
    """PNG bytes of a display array from :func:`to_display` (8 bits per sample)."""
    buffer = io.BytesIO()
    Image.fromarray(np.rint(np.clip(image, 0, 1) * 255).astype(np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple, MultiValue)) else [value]
