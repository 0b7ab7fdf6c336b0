"""helpers.changefeed.plot_timeline: markers per action and the running instance count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.dates import date2num

from helpers.changefeed import ChangeFeedAction, ChangeFeedEntry, ChangeFeedState, plot_timeline

matplotlib.use("Agg")

START = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _entry(sequence: int, action: ChangeFeedAction) -> ChangeFeedEntry:
    return ChangeFeedEntry(sequence=sequence, study_instance_uid="1.2", series_instance_uid="1.3",
                           sop_instance_uid=f"1.4.{sequence}", action=action,
                           timestamp=START + timedelta(seconds=sequence),
                           state=ChangeFeedState.CURRENT)


def test_running_count_and_one_marker_per_entry() -> None:
    actions = [ChangeFeedAction.CREATE] * 3 + [ChangeFeedAction.DELETE,
                                                ChangeFeedAction.UPDATE, ChangeFeedAction.CREATE]
    entries = [_entry(i + 1, action) for i, action in enumerate(actions)]
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
