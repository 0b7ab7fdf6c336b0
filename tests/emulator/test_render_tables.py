"""Rendering through a table of the frame's values gives what mapping every pixel gives.

The golden renders (``test_rendered_golden.py``) hold the real files; these are the cases
they do not reach: a modality LUT that is not monotonic (the min/max fallback must look
only at values that occur), signed values, and the widths at which the table is skipped.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from pydicom.dataset import Dataset

from dicom_emulator.features.retrieve import render
from tests.support.datasets import make_dataset


def frame(values: list[int], *, signed: bool = False, **attributes: Any) -> Dataset:
    dtype = np.int16 if signed else np.uint16
    ds = make_dataset(rows=1, columns=len(values), PixelRepresentation=int(signed),
                      **attributes)
    ds.PixelData = np.array(values, dtype=dtype).tobytes()
    return ds


def per_pixel(ds: Dataset, monkeypatch: pytest.MonkeyPatch) -> np.ndarray:
    """``to_8bit`` with every transform run on the pixels themselves (no table)."""
    with monkeypatch.context() as m:
        m.setattr(render, "_per_value", lambda arr, transform: transform(arr, render._all))
        return render.to_8bit(ds, 0)


def modality_lut(entries: list[int]) -> Dataset:
    item = Dataset()
    item.LUTDescriptor = [len(entries), 0, 16]
    item.ModalityLUTType = "US"
    item.LUTData = entries
    return item


def test_min_max_counts_only_values_that_occur(monkeypatch: pytest.MonkeyPatch) -> None:
    # Stored 1 maps to the LUT's lowest entry but no pixel holds it: the values shown
    # (100, 50, 200) spread from 50 to 200, not from 0.
    ds = frame([0, 2, 3, 0, 2, 3, 3], ModalityLUTSequence=[modality_lut([100, 0, 50, 200])])
    assert render.to_8bit(ds, 0).tolist() == [[85, 0, 255, 85, 0, 255, 255]]
    assert render.to_8bit(ds, 0).tolist() == per_pixel(ds, monkeypatch).tolist()


@pytest.mark.parametrize("attributes", [
    {"WindowCenter": 40, "WindowWidth": 400, "RescaleSlope": 1, "RescaleIntercept": -1024},
    {"WindowCenter": 0, "WindowWidth": 7, "VOILUTFunction": "SIGMOID"},
    {"WindowCenter": 0.5, "WindowWidth": 3, "VOILUTFunction": "LINEAR_EXACT"},
    {"RescaleSlope": -2.5, "RescaleIntercept": 3},
    {"PhotometricInterpretation": "MONOCHROME1"},
])
def test_table_matches_per_pixel_mapping(attributes: dict[str, Any],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(7)
    values = rng.integers(-300, 300, 400).tolist()
    ds = frame(values, signed=True, **attributes)
    assert render.to_8bit(ds, 0).tolist() == per_pixel(ds, monkeypatch).tolist()


def test_range_wider_than_the_frame_maps_each_pixel() -> None:
    seen: list[np.ndarray] = []

    def transform(values: np.ndarray, occurring: object) -> np.ndarray:
        seen.append(values)
        return np.zeros(values.shape, np.uint8)

    wide = np.array([0, 60000, 3], dtype=np.uint16)
    render._per_value(wide, transform)
    assert seen[0] is wide
    narrow = np.array([5, 7, 5, 6], dtype=np.uint16)
    render._per_value(narrow, transform)
    assert seen[1].tolist() == [5, 6, 7]
