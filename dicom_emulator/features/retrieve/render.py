"""Rendered images: one frame as an 8-bit JPEG or PNG (``RetrieveRenderedService``).

The pixel pipeline is pydicom's, in the documented order: decode (YBR to RGB on the
way), modality LUT, then the first window (or the VOI LUT, or the modality values'
own min/max), MONOCHROME1 inversion; palette colour through its lookup tables.
Pillow encodes the result. Everything here blocks: call it from a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import numpy as np
from PIL import Image
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.pixels import get_decoder
from pydicom.pixels.processing import (
    apply_color_lut,
    apply_modality_lut,
    apply_voi,
    apply_windowing,
    convert_color_space,
)
from pydicom.uid import UID, ImplicitVRLittleEndian

from dicom_emulator.errors import NotAcceptableError
from dicom_emulator.features.retrieve.frames import check_frames, pixel_layout
from dicom_emulator.web.media import JPEG

RENDER_FILE_TOO_LARGE = (
    "Requested DICOM instance size is above the supported limit of {0} for rendering. Please "
    "retrieve the whole file in the original transfer syntax instead of rendering to image "
    "media type."
)
_MONOCHROME = ("MONOCHROME1", "MONOCHROME2")
_READ_WHOLE = 1024 * 1024


class RenderError(NotAcceptableError):
    """406: the frame could not be turned into an image."""

    default_message = (
        "An error was encountered when attempting to convert the dicom file into an image"
    )


def render_frame(path: Path, size: int, index: int, media_type: str, quality: int,
                 max_bytes: int) -> bytes:
    """Encode frame ``index`` (0-based) of a stored instance as JPEG or PNG.

    Parameters
    ----------
    path : Path
        The stored instance file.
    size : int
        Its size in bytes; files over ``max_bytes`` are not rendered.
    index : int
        0-based frame number.
    media_type : str
        ``image/jpeg`` or ``image/png``.
    quality : int
        JPEG quality, 1 to 100 (ignored for PNG).
    max_bytes : int
        Largest file the service renders.

    Returns
    -------
    bytes
        The encoded image.

    Raises
    ------
    NotAcceptableError
        The file is too large, or rendering failed (:class:`RenderError`).
    FrameNotFoundError
        No pixel data, or no such frame.
    """
    if size > max_bytes:
        raise NotAcceptableError(RENDER_FILE_TOO_LARGE.format(max_bytes))
    try:
        # A small file parses faster from memory than through a file object (about half
        # the time for a 132 KB CT slice); a large one is read from the file, so that its
        # bytes are not held twice.
        ds = dcmread(BytesIO(path.read_bytes()) if size <= _READ_WHOLE else path)
    except FileNotFoundError:
        raise
    except Exception as exc:  # pydicom raises many types for a file it cannot parse
        raise RenderError() from exc
    check_frames(pixel_layout(ds), [index])
    try:
        image = to_8bit(ds, index)
        buffer = BytesIO()
        if media_type == JPEG:
            Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
        else:
            # Lossless either way; the fastest level keeps rendering quick.
            Image.fromarray(image).save(buffer, format="PNG", compress_level=1)
    except Exception as exc:  # decoders, LUTs and Pillow raise many types for odd data
        raise RenderError() from exc
    return buffer.getvalue()


def to_8bit(ds: Dataset, index: int) -> np.ndarray:
    """Frame ``index`` of ``ds`` as display-ready 8-bit grey (H, W) or RGB (H, W, 3)."""
    syntax = UID(str(ds.file_meta.get("TransferSyntaxUID", ImplicitVRLittleEndian)))
    # pydicom annotates the decoding options as ``**kwargs: DecodeOptions`` (not Unpack).
    arr, meta = get_decoder(syntax).as_array(ds, index=index, as_rgb=True)  # type: ignore[arg-type]
    photometric = str(meta["photometric_interpretation"])
    if photometric in _MONOCHROME:
        return _per_value(arr, lambda values, occurring: _grayscale(values, occurring, ds,
                                                                    photometric))
    if photometric == "PALETTE COLOR":
        rgb = apply_color_lut(arr, ds)
        bits = int(ds.RedPaletteColorLookupTableDescriptor[2])
        return _per_value(rgb, lambda values, _: _to_uint8(
            values.astype(np.float64) * 255.0 / (2**bits - 1)))
    if photometric in ("YBR_FULL", "YBR_FULL_422"):
        arr = convert_color_space(arr, photometric, "RGB")
        photometric = "RGB"
    if photometric == "RGB":
        bits = int(meta["bits_stored"])
        return _per_value(arr, lambda values, _: _to_uint8(
            values.astype(np.float64) * 255.0 / (2**bits - 1)))
    raise ValueError(f"cannot render Photometric Interpretation {photometric!r}")


# What a transform gets: the values to map, and a function that picks, from an array
# mapped from those values (same shape), the entries of values that occur in the frame.
_Occurring = Callable[[np.ndarray], np.ndarray]
_Transform = Callable[[np.ndarray, _Occurring], np.ndarray]


def _per_value(arr: np.ndarray, transform: _Transform) -> np.ndarray:
    """``transform(arr, ...)``, for a transform that maps each value on its own.

    A frame holds far fewer distinct values than pixels (a 256x256 CT slice: about a
    thousand), so integer pixels are mapped through a table: the transform runs once on
    each value of the frame's range, in the frame's dtype, and each pixel looks its value
    up. Every step from stored to display value (modality LUT or rescale, window or VOI
    LUT, inversion, scaling, rounding) maps each value alone, so the table gives the same
    8-bit values as running the steps on every pixel; only the min/max fallback looks at
    the whole frame, through the values that occur.
    """
    if arr.dtype.kind not in "iu" or arr.dtype.itemsize > 4 or arr.size == 0:
        return transform(arr, _all)
    low, high = int(arr.min()), int(arr.max())
    if high - low >= arr.size:  # a table as large as the frame saves nothing
        return transform(arr, _all)
    positions = np.subtract(arr, low, dtype=np.intp)
    values = np.arange(low, high + 1, dtype=arr.dtype)

    def occurring(mapped: np.ndarray) -> np.ndarray:  # counted only when asked for
        return mapped[np.bincount(positions.ravel(), minlength=values.size) > 0]

    table = transform(values, occurring)
    return np.asarray(table[positions])


def _all(mapped: np.ndarray) -> np.ndarray:
    """Every value occurs: the transform got the pixels themselves."""
    return mapped


def _grayscale(arr: np.ndarray, occurring: _Occurring, ds: Dataset,
               photometric: str) -> np.ndarray:
    values = apply_modality_lut(arr, ds)
    shown = _window(values, ds)
    if shown is None:
        shown = _voi_lut(values, ds)
    if shown is None:
        shown = _min_max(values, occurring(values))
    if photometric == "MONOCHROME1":
        shown = 255.0 - shown
    return _to_uint8(shown)


def _first_float(ds: Dataset, keyword: str) -> float | None:
    if keyword not in ds:
        return None
    elem = ds[keyword]
    if elem.value in (None, ""):
        return None
    value = elem.value[0] if elem.VM > 1 else elem.value
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _window(values: np.ndarray, ds: Dataset) -> np.ndarray | None:
    """The first window of the file mapped straight onto 0..255, if it has a usable one."""
    center, width = _first_float(ds, "WindowCenter"), _first_float(ds, "WindowWidth")
    if center is None or width is None or width < 1:
        return None
    # pydicom scales the window's output to the stored bit depth; asking for an unsigned
    # 8-bit output range (and no rescale) makes it land on display values directly.
    view = Dataset()
    view.PhotometricInterpretation = "MONOCHROME2"
    view.BitsStored = 8
    view.PixelRepresentation = 0
    view.WindowCenter = str(center)
    view.WindowWidth = str(width)
    function = str(ds.get("VOILUTFunction", "LINEAR") or "LINEAR").upper()
    view.VOILUTFunction = function if function in ("LINEAR", "LINEAR_EXACT", "SIGMOID") else (
        "LINEAR")
    return np.asarray(apply_windowing(values, view), dtype=np.float64)


def _voi_lut(values: np.ndarray, ds: Dataset) -> np.ndarray | None:
    sequence = ds.get("VOILUTSequence")
    if not sequence:
        return None
    bits = int(sequence[0].LUTDescriptor[2])
    mapped = np.asarray(apply_voi(np.rint(values).astype(np.int64), ds, index=0),
                        dtype=np.float64)
    scaled: np.ndarray = mapped * (255.0 / (2**bits - 1))
    return scaled


def _min_max(values: np.ndarray, occurring: np.ndarray) -> np.ndarray:
    """``values`` spread over 0..255 by the lowest and highest of those ``occurring``."""
    low, high = float(np.min(occurring)), float(np.max(occurring))
    if high <= low:
        return np.zeros(values.shape, dtype=np.float64)
    return (values.astype(np.float64) - low) * 255.0 / (high - low)


def _to_uint8(values: np.ndarray) -> np.ndarray:
    return np.asarray(np.clip(np.rint(values), 0, 255), dtype=np.uint8)
