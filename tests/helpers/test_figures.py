"""helpers.figures: the pictures of instances and the change-feed timeline."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.dates import date2num
from PIL import Image

from helpers import figures
from helpers.changefeed import ChangeFeedAction, ChangeFeedEntry, ChangeFeedState
from helpers.figures import plot_timeline
from helpers.render import to_png
from tests.helpers.images import five_frames, image, ramp

matplotlib.use("Agg")


class TestInstances:
    def test_montage_shows_every_frame(self) -> None:
        fig = figures.montage(five_frames())
        shown = [ax for ax in fig.axes if ax.images]
        assert len(shown) == 5
        assert [ax.get_title() for ax in shown] == ["1", "2", "3", "4", "5"]


    def test_slider_has_a_widget_and_a_static_picture(self) -> None:
        slider = figures.frame_slider(five_frames())
        bundle = slider._repr_mimebundle_()
        assert "application/vnd.jupyter.widget-view+json" in bundle
        middle = np.asarray(Image.open(io.BytesIO(bundle["image/png"])))
        assert slider.slider.value == 3 and abs(int(middle[1, 1]) - 128) <= 1
        slider.slider.value = 5
        last = np.asarray(Image.open(io.BytesIO(slider.image.value)))
        assert last[1, 1] == 255 and slider.label.value == "5/5"

    def test_slider_without_file_window_scales_all_frames_alike(self) -> None:
        pixels = np.stack([np.full((2, 2), k, np.uint16) for k in (0, 50, 100)])
        slider = figures.frame_slider(image(pixels))
        values = [np.asarray(Image.open(io.BytesIO(png)))[0, 0] for png in slider.pngs]
        assert values == [0, 128, 255]

    def test_show_uses_fixed_display_range_and_pixel_aspect(self) -> None:
        ds = image(ramp(), PixelSpacing=[2, 1])
        ax = figures.show(ds, window=(80, 100))
        shown = ax.images[0]
        assert shown.get_clim() == (0, 1)
        assert ax.get_aspect() == 2.0

    def test_show_images_decodes_encoded_pictures(self) -> None:
        png = to_png(np.array([[0.0, 1.0]]))
        fig = figures.show_images({"server": png, "client": np.array([[0.0, 1.0]])})
        first = fig.axes[0].images[0].get_array()
        assert first.tolist() == [[0, 1]]
        assert [ax.get_title() for ax in fig.axes] == ["server", "client"]


# --- the change-feed timeline ----------------------------------------------------------

START = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _entry(sequence: int, action: ChangeFeedAction, sop: int | None = None) -> ChangeFeedEntry:
    return ChangeFeedEntry(sequence=sequence, study_instance_uid="1.2", series_instance_uid="1.3",
                           sop_instance_uid=f"1.4.{sop or sequence}", action=action,
                           timestamp=START + timedelta(seconds=sequence),
                           state=ChangeFeedState.CURRENT)


def test_running_count_and_one_marker_per_entry() -> None:
    actions = [ChangeFeedAction.CREATE] * 3 + [ChangeFeedAction.DELETE,
                                                ChangeFeedAction.UPDATE, ChangeFeedAction.CREATE]
    entries = [_entry(i + 1, action) for i, action in enumerate(actions)]
    entries[3] = _entry(4, ChangeFeedAction.DELETE, sop=3)  # deletes the third
    ax = plot_timeline(entries)
    try:
        (line,) = ax.get_lines()
        assert list(line.get_ydata()) == [1, 2, 3, 2, 2, 3]
        labels = ax.get_legend_handles_labels()[1]
        assert labels == ["instances", "create (4)", "delete (1)", "update (1)"]
        creates, deletes, updates = ax.collections
        assert [y for _, y in creates.get_offsets()] == [1, 2, 3, 3]
        assert np.allclose([x for x, _ in deletes.get_offsets()],
                           [date2num(START + timedelta(seconds=4))])
        assert [y for _, y in updates.get_offsets()] == [2]
        assert ax.get_title() == "Change feed: 6 changes"
    finally:
        plt.close(ax.figure)


def test_an_upsert_replacement_is_no_new_instance() -> None:
    """PUT gives a replaced instance a new Create entry (its old one reads Replaced)."""
    entries = [_entry(1, ChangeFeedAction.CREATE), _entry(2, ChangeFeedAction.CREATE, sop=1)]
    ax = plot_timeline(entries)
    try:
        assert list(ax.get_lines()[0].get_ydata()) == [1, 1]
    finally:
        plt.close(ax.figure)


def test_draws_into_a_given_axes_and_skips_absent_actions() -> None:
    figure, ax = plt.subplots()
    try:
        assert plot_timeline([_entry(1, ChangeFeedAction.CREATE)], ax=ax) is ax
        assert ax.get_legend_handles_labels()[1] == ["instances", "create (1)"]
        assert len(ax.collections) == 1
    finally:
        plt.close(figure)


def test_an_empty_feed_draws_an_empty_timeline() -> None:
    ax = plot_timeline([])
    try:
        assert ax.get_title() == "Change feed: 0 changes"
        assert len(ax.collections) == 0
    finally:
        plt.close(ax.figure)
