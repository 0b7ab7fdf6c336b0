"""Turn DICOM pixel data into correct pictures: the display pipeline, plots and a slider.

The order is the one the standard (PS3.4 N.2) and pydicom document:

1. decode the stored values (``pydicom.pixels.pixel_array(..., raw=True)``);
2. colour images: YBR_FULL / YBR_FULL_422 to RGB (``convert_color_space``), PALETTE
   COLOR through its lookup tables (``apply_color_lut``), RGB as it is;
3. grayscale images: the modality LUT (``apply_modality_lut``: rescale slope and
   intercept, e.g. to Hounsfield units), then the VOI LUT or a window
   (``apply_voi`` / ``apply_windowing``), then MONOCHROME1 inversion.

:func:`to_display` returns floats in [0, 1] that matplotlib shows with ``vmin=0,
vmax=1``, so the picture never depends on matplotlib's own autoscaling.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["WINDOW_PRESETS", "FrameSlider", "Window", "file_windows", "frame_slider",
           "montage", "number_of_frames", "show", "show_images", "show_windows",
           "sort_slices", "to_display", "to_png"]


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
        return (rgb / (2**bits - 1)).astype(np.float32)
    if photometric in ("YBR_FULL", "YBR_FULL_422"):
        stored = convert_color_space(stored, "YBR_FULL", "RGB")
    # YBR_RCT and YBR_ICT (JPEG 2000) come out of the decoder as RGB already.
    return (stored / (2 ** int(ds.BitsStored) - 1)).clip(0, 1).astype(np.float32)


def _voi(values: np.ndarray, ds: Dataset, window: WindowChoice) -> np.ndarray:
    if window is None and ds.get("VOILUTSequence"):
        out = apply_voi(values, ds)
        bits = int(ds.VOILUTSequence[0].LUTDescriptor[2])
        return np.clip(out / (2**bits - 1), 0, 1)
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
    return np.clip((out - low) / (high - low), 0, 1)


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


def _aspect(ds: Dataset) -> float:
    spacing = ds.get("PixelSpacing") or ds.get("ImagerPixelSpacing")
    return float(spacing[0]) / float(spacing[1]) if spacing else 1.0


def show(ds: Dataset, frame: int = 0, window: WindowChoice = None, ax: Axes | None = None,
         title: str | None = None) -> Axes:
    """Plot one frame with matplotlib (see :func:`to_display` for ``window``).

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    image = to_display(ds, frame, window)
    ax.imshow(image, cmap="gray", vmin=0, vmax=1, aspect=_aspect(ds))
    ax.set_title(title if title is not None else _title(ds, frame, window), fontsize=9)
    ax.set_axis_off()
    return ax


def _title(ds: Dataset, frame: int, window: WindowChoice) -> str:
    text = f"{ds.get('Modality', '')} {ds.PhotometricInterpretation}"
    if number_of_frames(ds) > 1:
        text += f" · frame {frame + 1}/{number_of_frames(ds)}"
    if isinstance(window, Window):
        text += f"\n{window}"
    elif isinstance(window, tuple):
        text += f"\nC {window[0]:g} / W {window[1]:g}"
    return text


def show_windows(ds: Dataset, windows: Sequence[WindowChoice], frame: int = 0) -> Figure:
    """The same frame through several windows, side by side."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(windows), figsize=(4 * len(windows), 4), squeeze=False)
    presets = file_windows(ds)
    for ax, window in zip(axes[0], windows, strict=True):
        if isinstance(window, int):
            label = str(presets[window])
        elif window is None:
            label = f"{presets[0]} (file default)" if presets else "full range"
        elif isinstance(window, tuple):
            label = f"C {window[0]:g} / W {window[1]:g}"
        else:
            label = str(window)
        show(ds, frame, window, ax=ax, title=label)
    fig.tight_layout()
    return fig


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


def _frames(source: Dataset | Sequence[Dataset]) -> list[tuple[Dataset, int]]:
    if isinstance(source, Dataset):
        return [(source, i) for i in range(number_of_frames(source))]
    return [(ds, i) for ds in sort_slices(source) for i in range(number_of_frames(ds))]


def montage(source: Dataset | Sequence[Dataset], window: WindowChoice = None,
            columns: int | None = None, max_frames: int = 64) -> Figure:
    """All frames of a multi-frame instance, or all slices of a series, in a grid.

    Parameters
    ----------
    source : Dataset or sequence of Dataset
        A multi-frame instance, or the instances of a series (sorted here).
    window : see :func:`to_display`
    columns : int, optional
        Grid width (default: about square).
    max_frames : int
        Show at most this many frames, evenly spaced.
    """
    import matplotlib.pyplot as plt

    frames = _frames(source)
    if len(frames) > max_frames:
        frames = [frames[round(i)] for i in np.linspace(0, len(frames) - 1, max_frames)]
    columns = columns or math.ceil(math.sqrt(len(frames)))
    rows = math.ceil(len(frames) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(1.6 * columns, 1.6 * rows),
                             squeeze=False)
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, (ds, index) in zip(axes.flat, frames, strict=False):
        image = to_display(ds, index, window)
        ax.imshow(image, cmap="gray", vmin=0, vmax=1, aspect=_aspect(ds))
        label = index + 1 if number_of_frames(ds) > 1 else ds.get("InstanceNumber", "")
        ax.set_title(str(label), fontsize=7)
    fig.tight_layout(pad=0.3)
    return fig


def to_png(image: np.ndarray) -> bytes:
    """PNG bytes of a display array from :func:`to_display` (8 bits per sample)."""
    buffer = io.BytesIO()
    Image.fromarray(np.rint(np.clip(image, 0, 1) * 255).astype(np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


class FrameSlider:
    """An ipywidgets slider over frames, with a static picture for non-widget frontends.

    Its display bundle holds the widget view *and* a PNG of the middle frame, so a
    frontend without a widget manager (a static HTML page, GitHub, a notebook
    viewer) shows the picture instead of a widget placeholder.
    """

    def __init__(self, pngs: list[bytes], labels: list[str]):
        import ipywidgets

        self.pngs, self.labels = pngs, labels
        middle = len(pngs) // 2
        self.slider = ipywidgets.IntSlider(value=middle + 1, min=1, max=len(pngs),
                                           description="frame", continuous_update=True)
        self.image = ipywidgets.Image(value=pngs[middle], format="png",
                                      layout=ipywidgets.Layout(width="420px"))
        self.label = ipywidgets.Label(labels[middle])
        self.slider.observe(self._on_change, names="value")
        self.widget = ipywidgets.VBox([ipywidgets.HBox([self.slider, self.label]), self.image])

    def _on_change(self, change: Mapping[str, Any]) -> None:
        index = int(change["new"]) - 1
        self.image.value = self.pngs[index]
        self.label.value = self.labels[index]

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle["image/png"] = self.pngs[self.slider.value - 1]
        bundle["text/plain"] = f"FrameSlider({len(self.pngs)} frames)"
        return bundle


def frame_slider(source: Dataset | Sequence[Dataset],
                 window: WindowChoice = None) -> FrameSlider:
    """A slider that pages through a multi-frame instance or a series (display it).

    The window is resolved once for the whole set (``None``: the first file window,
    else the range of all frames), so brightness does not jump between frames.
    """
    frames = _frames(source)
    if window is None and not file_windows(frames[0][0]) and str(
            frames[0][0].PhotometricInterpretation) in _GRAY:
        values = [apply_modality_lut(pixel_array(ds, index=i if number_of_frames(ds) > 1
                                                  else None, raw=True), ds)
                  for ds, i in frames]
        window = _resolve_window(np.stack(values), frames[0][0], "auto")
    pngs = [to_png(to_display(ds, i, window)) for ds, i in frames]
    labels = [f"{n + 1}/{len(frames)}" for n in range(len(frames))]
    return FrameSlider(pngs, labels)


def show_images(images: Mapping[str, np.ndarray | bytes], size: float = 4) -> Figure:
    """Several pictures side by side: display arrays, or encoded JPEG/PNG bytes (such
    as a ``/rendered`` response)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(images), figsize=(size * len(images), size),
                             squeeze=False)
    for ax, (title, image) in zip(axes[0], images.items(), strict=True):
        if isinstance(image, bytes):
            image = np.asarray(Image.open(io.BytesIO(image))) / 255.0
        ax.imshow(image, cmap="gray", vmin=0, vmax=1)
        ax.set_title(title, fontsize=9)
        ax.set_axis_off()
    fig.tight_layout()
    return fig


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple, MultiValue)) else [value]
