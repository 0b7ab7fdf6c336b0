"""Pictures for the notebooks: matplotlib figures, a frame slider and a change timeline.

Plumbing, not lesson: every picture of an instance is :func:`helpers.render.to_display`
(the display pipeline notebook 03 teaches), shown with ``vmin=0, vmax=1`` and the
pixel aspect ratio. :func:`plot_timeline` draws change-feed entries
(:mod:`helpers.changefeed`). matplotlib and ipywidgets are imported only when a
picture is drawn, so the other helpers work without a display.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image
from pydicom.dataset import Dataset

from helpers.changefeed import ChangeFeedAction, ChangeFeedEntry
from helpers.render import (
    Window,
    WindowChoice,
    file_windows,
    frames_of,
    number_of_frames,
    shared_window,
    to_display,
    to_png,
)

if TYPE_CHECKING:  # only for annotations: matplotlib is imported when a figure is drawn
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["FrameSlider", "frame_slider", "montage", "plot_timeline", "show", "show_images",
           "show_windows"]


def _aspect(ds: Dataset) -> float:
    """Row spacing over column spacing: non-square pixels must not distort the picture."""
    spacing = ds.get("PixelSpacing") or ds.get("ImagerPixelSpacing")
    return float(spacing[0]) / float(spacing[1]) if spacing else 1.0


def show(ds: Dataset, frame: int = 0, window: WindowChoice = None, ax: Axes | None = None,
         title: str | None = None) -> Axes:
    """Plot one frame with matplotlib (see :func:`~helpers.render.to_display` for
    ``window``).

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
    """Modality, photometric interpretation, frame and window: what the picture is."""
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


def montage(source: Dataset | Sequence[Dataset], window: WindowChoice = None,
            columns: int | None = None, max_frames: int = 64) -> Figure:
    """All frames of a multi-frame instance, or all slices of a series, in a grid.

    Parameters
    ----------
    source : Dataset or sequence of Dataset
        A multi-frame instance, or the instances of a series (sorted here).
    window : see :func:`~helpers.render.to_display`
    columns : int, optional
        Grid width (default: about square).
    max_frames : int
        Show at most this many frames, evenly spaced.
    """
    import matplotlib.pyplot as plt

    frames = frames_of(source)
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


class FrameSlider:
    """An ipywidgets slider over frames, with a static picture for non-widget frontends.

    Its display bundle holds the widget view *and* a PNG of the middle frame, so a
    frontend without a widget manager (a static HTML page, GitHub, a notebook
    viewer) shows the picture instead of a widget placeholder. JupyterLab has a widget
    manager, so it never falls back to the PNG: a notebook reopened without its kernel
    shows the slider from the widget state saved in the notebook, which ``make lab``
    (``python -m helpers.kit lab``) turns on (``saveState`` in
    ``tools/jupyterlab-overrides.json``); without it JupyterLab says "model not found"
    until the cell runs again.
    """

    def __init__(self, pngs: list[bytes], labels: list[str]) -> None:
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

    The window is resolved once for the whole set (see
    :func:`~helpers.render.shared_window`), so brightness does not jump between frames.
    """
    frames = frames_of(source)
    window = shared_window(frames, window)
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


_MARKERS = {ChangeFeedAction.CREATE: ("tab:green", "^"),
            ChangeFeedAction.DELETE: ("tab:red", "v"),
            ChangeFeedAction.UPDATE: ("tab:blue", "o")}


def plot_timeline(entries: Sequence[ChangeFeedEntry], ax: Axes | None = None) -> Axes:
    """Draw changes over time: a marker per entry and the running count of instances.

    The count is the number of distinct instances created and not deleted since, so it is
    the number of instances in the service when ``entries`` start at the beginning of the
    feed (a create of an instance already there is an upsert's replacement: no new one).

    Parameters
    ----------
    entries : sequence of ChangeFeedEntry
        In feed order, e.g. ``list(read_changes_by_sequence(...))``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.5), layout="constrained")
    times = [entry.timestamp for entry in entries]
    counts, present = [], set()
    for entry in entries:
        key = (entry.study_instance_uid, entry.series_instance_uid, entry.sop_instance_uid)
        if entry.action == ChangeFeedAction.CREATE:
            present.add(key)
        elif entry.action == ChangeFeedAction.DELETE:
            present.discard(key)
        counts.append(len(present))
    # matplotlib's stubs leave out datetimes, which its date converter takes.
    ax.step(times, counts, where="post", color="0.5", linewidth=1,  # type: ignore[arg-type]
            label="instances")
    for action, (colour, marker) in _MARKERS.items():
        points = [(t, c) for t, c, e in zip(times, counts, entries, strict=True)
                  if e.action == action]
        if points:
            ax.scatter(*zip(*points, strict=True), color=colour, marker=marker, zorder=3,
                       label=f"{action} ({len(points)})")
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlabel("time of the change (UTC)")
    ax.set_ylabel("instances")
    ax.set_title(f"Change feed: {len(entries)} changes")
    ax.legend(loc="upper left")
    return ax
