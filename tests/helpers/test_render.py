"""The display pipeline on small synthetic images with known values."""

from __future__ import annotations

import numpy as np
import pytest
from pydicom.dataset import Dataset

from helpers import render
from helpers.render import Window, file_windows, to_display
from tests.helpers.images import five_frames, image, ramp


class TestWindow:
    def test_window_edges_map_to_black_and_white(self) -> None:
        ds = image(ramp())
        out = to_display(ds, window=(80, 100))  # from 30 to 130
        flat = out.ravel()
        assert flat[3] == 0.0  # 30 = c - w/2
        assert flat[13] == 1.0  # 130 = c + w/2
        assert np.all(flat[:3] == 0) and np.all(flat[14:] == 1)
        assert flat[8] == pytest.approx(0.5, abs=0.01)  # 80 = center
        assert np.all(np.diff(flat[3:14]) > 0)  # strictly increasing inside

    def test_window_is_in_modality_units_after_rescale(self) -> None:
        # HU = 2 * stored - 100: stored 0..150 -> -100..200 HU.
        ds = image(ramp(), RescaleSlope=2, RescaleIntercept=-100)
        out = to_display(ds, window=Window(50, 200)).ravel()  # -50 .. 150 HU
        assert out[2] == 0.0  # stored 20 -> -60 HU, below the window
        assert out[5] == pytest.approx(0.25, abs=0.01)  # stored 50 -> 0 HU
        assert out[10] == pytest.approx(0.75, abs=0.01)  # stored 100 -> 100 HU
        assert out[13] == 1.0  # stored 130 -> 160 HU, above the window
        # Without the rescale the same window would be wrong: check it matters.
        no_rescale = to_display(image(ramp()), window=Window(50, 200)).ravel()
        assert not np.allclose(out, no_rescale)

    def test_default_is_the_first_file_window_and_index_selects_others(self) -> None:
        ds = image(ramp(), WindowCenter=[80, 20], WindowWidth=[100, 40],
                   WindowCenterWidthExplanation=["WIDE", "NARROW"])
        assert file_windows(ds) == [Window(80, 100, "WIDE"), Window(20, 40, "NARROW")]
        assert np.array_equal(to_display(ds), to_display(ds, window=(80, 100)))
        assert np.array_equal(to_display(ds, window=1), to_display(ds, window=(20, 40)))
        with pytest.raises(ValueError, match="window index 2"):
            to_display(ds, window=2)

    def test_no_window_in_file_uses_the_full_range(self) -> None:
        out = to_display(image(ramp())).ravel()
        assert out[0] == 0.0 and out[-1] == 1.0
        assert out[5] == pytest.approx(50 / 150)
        assert np.array_equal(out, to_display(image(ramp()), window="auto").ravel())

    def test_constant_image_is_black_not_an_error(self) -> None:
        assert not to_display(image(np.full((2, 2), 7, np.uint16))).any()

    def test_voi_lut_sequence_is_applied(self) -> None:
        item = Dataset()
        item.LUTDescriptor = [4, 0, 8]  # 4 entries for stored values 0..3, 8-bit output
        item.LUTData = [0, 255, 51, 102]
        item["LUTData"].VR = "US"
        ds = image(np.array([[0, 1], [2, 3]], np.uint16), VOILUTSequence=[item])
        assert np.allclose(to_display(ds), [[0, 1], [0.2, 0.4]])

    def test_monochrome1_is_inverted(self) -> None:
        ds1 = image(ramp(), "MONOCHROME1")
        ds2 = image(ramp(), "MONOCHROME2")
        assert np.allclose(to_display(ds1, window=(80, 100)),
                           1 - to_display(ds2, window=(80, 100)))
        assert to_display(ds1).ravel()[0] == 1.0  # lowest value is white

    @pytest.mark.parametrize("bad", ["bone", True, (1,)])
    def test_invalid_window_is_refused(self, bad: object) -> None:
        with pytest.raises((ValueError, IndexError)):
            to_display(image(ramp()), window=bad)  # type: ignore[arg-type]


class TestColour:
    def test_rgb_is_scaled_to_unit_range(self) -> None:
        pixels = np.array([[[255, 0, 0], [0, 128, 255]]], np.uint8)
        out = to_display(image(pixels, "RGB"))
        assert out.shape == (1, 2, 3)
        assert out[0, 0].tolist() == [1, 0, 0]
        assert out[0, 1].tolist() == pytest.approx([0, 128 / 255, 1])

    def test_ybr_full_is_converted_to_rgb(self) -> None:
        # Pure red, white and black in YCbCr (ITU-R BT.601 full range).
        ybr = np.array([[[76, 85, 255], [255, 128, 128], [0, 128, 128]]], np.uint8)
        out = to_display(image(ybr, "YBR_FULL"))
        assert out[0, 0] == pytest.approx([1, 0, 0], abs=0.02)
        assert out[0, 1] == pytest.approx([1, 1, 1], abs=0.01)
        assert out[0, 2] == pytest.approx([0, 0, 0], abs=0.01)

    def test_palette_colour_uses_the_lookup_tables(self) -> None:
        ds = image(np.array([[0, 1, 2]], np.uint8), "PALETTE COLOR")
        for colour, values in (("Red", [0, 255, 0]), ("Green", [0, 0, 255]),
                               ("Blue", [255, 0, 0])):
            setattr(ds, f"{colour}PaletteColorLookupTableDescriptor", [3, 0, 8])
            setattr(ds, f"{colour}PaletteColorLookupTableData", bytes(values))
        out = to_display(ds)
        assert out[0].tolist() == [[0, 0, 1], [1, 0, 0], [0, 1, 0]]

    def test_unknown_photometric_interpretation_is_refused(self) -> None:
        ds = image(ramp(), "HSV")
        with pytest.raises(ValueError, match="HSV"):
            to_display(ds)


class TestFrames:
    def test_frame_index_selects_the_frame(self) -> None:
        ds = five_frames()
        assert render.number_of_frames(ds) == 5
        assert to_display(ds, frame=0)[1, 1] == 0
        assert to_display(ds, frame=4)[1, 1] == 1
        assert 0 < to_display(ds, frame=2)[1, 1] < 1

    def test_slices_are_sorted_along_the_normal(self) -> None:
        slices = []
        for z in (10.0, -5.0, 2.5):
            ds = image(ramp(), ImagePositionPatient=[0, 0, z],
                       ImageOrientationPatient=[1, 0, 0, 0, 1, 0], InstanceNumber=int(z))
            slices.append(ds)
        assert [ds.ImagePositionPatient[2] for ds in render.sort_slices(slices)] == [
            -5.0, 2.5, 10.0]

    def test_frames_of_an_instance_and_of_a_series(self) -> None:
        ds = five_frames()
        assert render.frames_of(ds) == [(ds, i) for i in range(5)]
        low, high = (image(ramp(), ImagePositionPatient=[0, 0, z],
                           ImageOrientationPatient=[1, 0, 0, 0, 1, 0]) for z in (1.0, 2.0))
        assert render.frames_of([high, low]) == [(low, 0), (high, 0)]

    def test_shared_window_spans_every_frame_when_the_file_has_none(self) -> None:
        pixels = np.stack([np.full((2, 2), k, np.uint16) for k in (0, 50, 100)])
        frames = render.frames_of(image(pixels))
        window = render.shared_window(frames)
        assert isinstance(window, Window) and (window.center, window.width) == (50, 100)
        # Each frame alone is constant; through the shared window they differ.
        assert [to_display(ds, i, window)[0, 0] for ds, i in frames] == [0, 0.5, 1]

    def test_shared_window_keeps_a_file_window_or_a_given_one(self) -> None:
        frames = render.frames_of(five_frames())
        assert render.shared_window(frames) is None  # to_display uses the file's window
        assert render.shared_window(frames, window=1) == 1
        rgb = image(np.zeros((1, 1, 3), np.uint8), "RGB")
        assert render.shared_window(render.frames_of(rgb)) is None
