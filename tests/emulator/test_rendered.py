"""Rendered images: the pixels a viewer would show, JPEG/PNG negotiation, errors."""

from __future__ import annotations

import dataclasses
from io import BytesIO
from typing import Any

import numpy as np
import pytest
from PIL import Image
from pydicom.pixels.processing import convert_color_space
from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from dicom_emulator import EmulatorSettings, create_app
from tests.support.datasets import make_dataset
from tests.support.wado import Stored, get_without_accept, store_dataset, store_testdata

PNG = {"Accept": "image/png"}

# The service's words (DicomCoreResource.resx at microsoft/dicom-server eeefbe4), spelled out
# here so that the emulator's copies are checked against them.
RENDER_FAILED = (  # DicomImageConversionFailed
    "An error was encountered when attempting to convert the dicom file into an image")
NOT_ACCEPTABLE_HEADERS = "The request headers are not acceptable"  # NotAcceptableHeaders
MULTIPLE_ACCEPT_HEADERS = (  # MultipleAcceptHeadersNotSupported
    "The request contains multiple accept headers, which is not supported.")
INVALID_FRAMES = (  # InvalidFramesValue
    "The specified frames value is not valid. At least one frame must be present, and all "
    "requested frames must have value greater than 0.")


def grey(values: list[int], **attributes: Any) -> Any:
    """A one-row 16-bit image holding ``values``."""
    ds = make_dataset(rows=1, columns=len(values), **attributes)
    ds.PixelData = np.array(values, dtype=np.uint16).tobytes()
    return ds


def rendered(http: TestClient, stored: Stored, suffix: str = "/rendered",
             headers: dict[str, str] = PNG) -> np.ndarray:
    response = http.get(stored.url + suffix, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == headers.get("Accept", "image/jpeg")
    return np.asarray(Image.open(BytesIO(response.content)))


# -- pixel values ------------------------------------------------------------------------

# Window centre 150, width 200 (LINEAR, PS3.3 C.11.2.1.2.1) over 0..255.
WINDOWED = [0, 64, 128, 192, 255]


def test_window_from_the_file(http: TestClient) -> None:
    ds = grey([50, 100, 150, 200, 250], WindowCenter=150, WindowWidth=200)
    assert rendered(http, store_dataset(http, ds)).tolist() == [WINDOWED]


def test_rescale_comes_before_the_window(http: TestClient) -> None:
    ds = grey([75, 100, 125, 150, 175], RescaleSlope=2, RescaleIntercept=-100,
              WindowCenter=150, WindowWidth=200)
    assert rendered(http, store_dataset(http, ds)).tolist() == [WINDOWED]


def test_first_of_several_windows(http: TestClient) -> None:
    ds = grey([50, 100, 150, 200, 250], WindowCenter=[150, 5000], WindowWidth=[200, 10])
    assert rendered(http, store_dataset(http, ds)).tolist() == [WINDOWED]


def test_monochrome1_is_inverted(http: TestClient) -> None:
    ds = grey([50, 100, 150, 200, 250], WindowCenter=150, WindowWidth=200,
              PhotometricInterpretation="MONOCHROME1")
    assert rendered(http, store_dataset(http, ds)).tolist() == [[255 - v for v in WINDOWED]]


def test_no_window_spreads_min_to_max(http: TestClient) -> None:
    ds = grey([1000, 1010, 1020], RescaleSlope=1, RescaleIntercept=-1024)
    assert rendered(http, store_dataset(http, ds)).tolist() == [[0, 128, 255]]


def test_ct_small_matches_an_independent_computation(http: TestClient) -> None:
    stored = store_testdata(http, "CT_small.dcm")  # rescale, no window
    source = stored.dataset()
    hu = source.pixel_array * float(source.RescaleSlope) + float(source.RescaleIntercept)
    expected = np.rint((hu - hu.min()) * 255 / (hu.max() - hu.min())).astype(np.uint8)
    np.testing.assert_array_equal(rendered(http, stored), expected)


def test_voi_lut_sequence(http: TestClient) -> None:
    from pydicom.dataset import Dataset

    lut = Dataset()
    lut.LUTDescriptor = [4, 10, 8]  # 4 entries, first maps value 10, 8-bit output
    lut.add_new(0x00283006, "US", [0, 51, 204, 255])  # LUT Data
    ds = grey([5, 10, 11, 12, 13, 99])
    ds.VOILUTSequence = [lut]
    assert rendered(http, store_dataset(http, ds)).tolist() == [[0, 0, 51, 204, 255, 255]]


def test_palette_colour(http: TestClient) -> None:
    ds = make_dataset(rows=1, columns=3, BitsAllocated=8, BitsStored=8, HighBit=7,
                      PhotometricInterpretation="PALETTE COLOR")
    ds.PixelData = bytes([0, 1, 2])
    for colour, index in (("Red", 0), ("Green", 1), ("Blue", 2)):
        table = np.zeros(256, dtype="<u2")
        table[index] = 0xFFFF
        table[3] = 0x8080
        setattr(ds, f"{colour}PaletteColorLookupTableDescriptor", [256, 0, 16])
        setattr(ds, f"{colour}PaletteColorLookupTableData", table.tobytes())
    image = rendered(http, store_dataset(http, ds))
    assert image.tolist() == [[[255, 0, 0], [0, 255, 0], [0, 0, 255]]]


def test_pydicom_palette_example(http: TestClient) -> None:
    stored = store_testdata(http, "examples_palette.dcm")
    from pydicom.pixels.processing import apply_color_lut

    source = stored.dataset()
    expected = np.rint(apply_color_lut(source.pixel_array, source).astype(float) * 255 / 65535)
    np.testing.assert_array_equal(rendered(http, stored), expected.astype(np.uint8))


def test_rgb_as_is(http: TestClient) -> None:
    rgb = np.random.default_rng(1).integers(0, 256, size=(4, 5, 3), dtype=np.uint8)
    ds = make_dataset(rows=4, columns=5, BitsAllocated=8, BitsStored=8, HighBit=7,
                      SamplesPerPixel=3, PhotometricInterpretation="RGB", PlanarConfiguration=0)
    ds.PixelData = rgb.tobytes()
    np.testing.assert_array_equal(rendered(http, store_dataset(http, ds)), rgb)


def test_ybr_full_to_rgb(http: TestClient) -> None:
    ybr = np.random.default_rng(2).integers(0, 256, size=(4, 5, 3), dtype=np.uint8)
    ds = make_dataset(rows=4, columns=5, BitsAllocated=8, BitsStored=8, HighBit=7,
                      SamplesPerPixel=3, PhotometricInterpretation="YBR_FULL",
                      PlanarConfiguration=0)
    ds.PixelData = ybr.tobytes()
    expected = convert_color_space(ybr, "YBR_FULL", "RGB")
    np.testing.assert_array_equal(rendered(http, store_dataset(http, ds)), expected)


@pytest.mark.parametrize("name", ["examples_ybr_color.dcm", "examples_jpeg2k.dcm",
                                  "SC_ybr_full_422_uncompressed.dcm"])
def test_colour_examples_show_pydicoms_rgb(http: TestClient, name: str) -> None:
    stored = store_testdata(http, name)
    pixels = stored.dataset().pixel_array  # pydicom converts YBR to RGB
    first = pixels[0] if pixels.ndim == 4 else pixels
    np.testing.assert_array_equal(rendered(http, stored), first)


def test_multiframe_renders_frame_one_and_frame_routes(http: TestClient) -> None:
    stored = store_testdata(http, "examples_ybr_color.dcm")
    pixels = stored.dataset().pixel_array
    np.testing.assert_array_equal(rendered(http, stored), pixels[0])
    np.testing.assert_array_equal(rendered(http, stored, "/frames/30/rendered"), pixels[29])
    assert not np.array_equal(pixels[0], pixels[29])


# -- JPEG and quality ----------------------------------------------------------------------


@pytest.fixture
def noisy(http: TestClient) -> Stored:
    rng = np.random.default_rng(3)
    ds = make_dataset(rows=64, columns=64)
    ds.PixelData = rng.integers(0, 4096, size=(64, 64), dtype=np.uint16).tobytes()
    return store_dataset(http, ds)


def test_jpeg_by_default_and_quality(http: TestClient, noisy: Stored) -> None:
    best = get_without_accept(http, noisy.url + "/rendered")
    assert best.status_code == 200
    assert best.headers["content-type"] == "image/jpeg"
    assert best.content[:2] == b"\xff\xd8"
    low = http.get(noisy.url + "/rendered?quality=10", headers={"Accept": "image/jpeg"})
    assert low.headers["content-type"] == "image/jpeg"
    assert len(low.content) < len(best.content) / 2
    assert Image.open(BytesIO(low.content)).size == (64, 64)
    png = http.get(noisy.url + "/rendered?quality=10", headers=PNG)
    assert png.content[:4] == b"\x89PNG"  # quality is for JPEG only


@pytest.mark.parametrize("quality", ["0", "101", "-5"])
def test_quality_out_of_range_is_400(http: TestClient, noisy: Stored, quality: str) -> None:
    response = http.get(f"{noisy.url}/rendered?quality={quality}", headers=PNG)
    assert (response.status_code, response.text) == (  # InvalidImageQuality
        400, "Image quality must be between 1 and 100 inclusive")


def test_quality_not_a_number_is_400(http: TestClient, noisy: Stored) -> None:
    response = http.get(f"{noisy.url}/rendered?quality=best", headers=PNG)
    assert (response.status_code, response.text) == (
        400, "The query parameter 'quality' is invalid. The value 'best' is not valid for "
             "quality.")


# -- negotiation and errors ---------------------------------------------------------------


@pytest.mark.parametrize("accept", ["application/jpeg", "*/*", "image/gif", "image/*"])
def test_other_media_types_are_406(http: TestClient, noisy: Stored, accept: str) -> None:
    response = http.get(noisy.url + "/rendered", headers={"Accept": accept})
    assert (response.status_code, response.text) == (406, NOT_ACCEPTABLE_HEADERS)


def test_several_accept_values_are_406(http: TestClient, noisy: Stored) -> None:
    response = http.get(noisy.url + "/rendered", headers={"Accept": "image/png, image/jpeg"})
    assert (response.status_code, response.text) == (406, MULTIPLE_ACCEPT_HEADERS)


def test_frame_numbers(http: TestClient, noisy: Stored) -> None:
    for frame in ("0", "-1"):
        response = http.get(f"{noisy.url}/frames/{frame}/rendered", headers=PNG)
        assert (response.status_code, response.text) == (400, INVALID_FRAMES)
    response = http.get(f"{noisy.url}/frames/1,2/rendered", headers=PNG)
    assert (response.status_code, response.text) == (
        400, "The query parameter 'frame' is invalid. The value '1,2' is not valid for frame.")
    response = http.get(f"{noisy.url}/frames/2/rendered", headers=PNG)
    assert (response.status_code, response.text) == (404, "The specified frame cannot be found.")


def test_no_pixel_data_is_404(http: TestClient) -> None:
    stored = store_dataset(http, make_dataset(PixelData=None))
    response = http.get(stored.url + "/rendered", headers=PNG)
    assert (response.status_code, response.text) == (404, "The specified frame cannot be found.")


def test_unknown_instance_is_404(http: TestClient, noisy: Stored) -> None:
    response = http.get(f"{noisy.series_url}/instances/{generate_uid()}/rendered", headers=PNG)
    assert (response.status_code, response.text) == (
        404, "The specified instance cannot be found.")


def test_unrenderable_image_is_406(http: TestClient) -> None:
    ds = make_dataset(rows=2, columns=2, BitsAllocated=8, BitsStored=8, HighBit=7,
                      SamplesPerPixel=4, PhotometricInterpretation="CMYK",
                      PlanarConfiguration=0)
    ds.PixelData = bytes(16)
    response = http.get(store_dataset(http, ds).url + "/rendered", headers=PNG)
    assert (response.status_code, response.text) == (406, RENDER_FAILED)


def test_file_over_the_limit_is_406(settings: EmulatorSettings) -> None:
    with TestClient(create_app(dataclasses.replace(settings, max_transcode_bytes=100))) as http:
        stored = store_dataset(http, grey([1, 2, 3]))
        response = http.get(stored.url + "/rendered", headers=PNG)
        assert (response.status_code, response.text) == (  # RenderFileTooLarge
            406, "Requested DICOM instance size is above the supported limit of 100 for "
                 "rendering. Please retrieve the whole file in the original transfer syntax "
                 "instead of rendering to image media type.")
