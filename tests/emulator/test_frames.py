"""WADO-RS frames: stored bytes with ``*``, native bytes by default, JPEG 2000, errors."""

from __future__ import annotations

import dataclasses

import numpy as np
import openjpeg
import pytest
from pydicom.encaps import generate_frames
from pydicom.pixels.utils import pack_bits
from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from dicom_emulator import EmulatorSettings, create_app
from dicom_emulator.features.retrieve.frames import get_frames
from tests.support.datasets import make_dataset
from tests.support.headers import (
    EXPLICIT_VR_LITTLE_ENDIAN,
    JPEG_2000_LOSSLESS,
    MULTIPART_JP2,
    MULTIPART_OCTET_STREAM,
)
from tests.support.wado import (
    Stored,
    get_without_accept,
    split_multipart,
    store_dataset,
    store_testdata,
)

ORIGINAL = {"Accept": MULTIPART_OCTET_STREAM + "; transfer-syntax=*"}
NATIVE = {"Accept": MULTIPART_OCTET_STREAM}
JP2 = {"Accept": MULTIPART_JP2}

# The service's words (DicomCoreResource.resx at microsoft/dicom-server eeefbe4), spelled out
# here so that the emulator's copies are checked against them.
NOT_ACCEPTABLE_HEADERS = "The request headers are not acceptable"  # NotAcceptableHeaders
INVALID_FRAMES = (  # InvalidFramesValue
    "The specified frames value is not valid. At least one frame must be present, and all "
    "requested frames must have value greater than 0.")


def frames(http: TestClient, stored: Stored, numbers: str, headers: dict[str, str]
           ) -> tuple[list[bytes], list[str]]:
    response = http.get(f"{stored.url}/frames/{numbers}", headers=headers)
    assert response.status_code == 200, response.text
    parts = split_multipart(response)
    return [p.body for p in parts], [p.content_type for p in parts]


def native(arr: np.ndarray) -> bytes:
    return arr.astype(arr.dtype.newbyteorder("<")).tobytes()


# -- native pixel data -------------------------------------------------------------------


def test_native_multiframe_frames_in_requested_order(http: TestClient) -> None:
    stored = store_testdata(http, "rtdose.dcm")  # implicit VR, 15 frames of 32 bits
    pixels = stored.dataset().pixel_array
    bodies, types = frames(http, stored, "3,1,15,3", ORIGINAL)
    assert bodies == [native(pixels[i]) for i in (2, 0, 14, 2)]
    assert set(types) == {"application/octet-stream; transfer-syntax=1.2.840.10008.1.2"}
    # Implicit to explicit VR does not change the bytes, only the label.
    default, types = frames(http, stored, "3,1,15,3", NATIVE)
    assert default == bodies
    assert set(types) == {f"application/octet-stream; transfer-syntax={EXPLICIT_VR_LITTLE_ENDIAN}"}


def test_a_repeated_frame_is_read_once_and_shared(http: TestClient) -> None:
    # frames/1,1,1,… once built one copy per entry (a 4 KB URL could ask for gigabytes).
    components = http.app.state.components  # type: ignore[attr-defined]
    cases = [("rtdose.dcm", "*"), ("rtdose.dcm", EXPLICIT_VR_LITTLE_ENDIAN),  # as stored
             ("SC_rgb_rle_2frame.dcm", JPEG_2000_LOSSLESS)]  # transcoded
    for name, syntax in cases:
        stored = store_testdata(http, name)
        (row,) = components.index.find_instances(stored.study, stored.series, stored.sop)
        result, _ = get_frames(components.blobs.path(row.blob), row.size, [1, 0, 1, 1], syntax,
                               10**9)
        assert result[0] is result[2] is result[3] and result[0] != result[1], (name, syntax)
    stored = store_testdata(http, "rtdose.dcm")
    bodies, _ = frames(http, stored, ",".join(["3"] * 500), ORIGINAL)
    assert len(bodies) == 500 and set(bodies) == {native(stored.dataset().pixel_array[2])}


@pytest.mark.parametrize("name", ["CT_small.dcm", "SC_ybr_full_422_uncompressed.dcm"])
def test_single_frame_instance(http: TestClient, name: str) -> None:
    stored = store_testdata(http, name)  # 16-bit grey; subsampled 4:2:2 colour
    (body,), (content_type,) = frames(http, stored, "1", ORIGINAL)
    assert body == stored.dataset().PixelData
    assert content_type == f"application/octet-stream; transfer-syntax={EXPLICIT_VR_LITTLE_ENDIAN}"


def test_big_endian_frames(http: TestClient) -> None:
    stored = store_testdata(http, "MR_small_bigendian.dcm")
    source = stored.dataset()
    (original,), _ = frames(http, stored, "1", ORIGINAL)
    assert original == source.PixelData  # as stored: big endian words
    (converted,), (content_type,) = frames(http, stored, "1", NATIVE)
    assert converted == native(source.pixel_array)
    assert content_type.endswith(EXPLICIT_VR_LITTLE_ENDIAN)


def test_one_bit_frames_that_do_not_start_on_a_byte(http: TestClient) -> None:
    rng = np.random.default_rng(7)
    bits = rng.integers(0, 2, size=(3, 3, 3), dtype=np.uint8)  # 9 bits per frame
    ds = make_dataset(rows=3, columns=3, BitsAllocated=1, BitsStored=1, HighBit=0,
                      NumberOfFrames=3, PixelData=pack_bits(bits))
    stored = store_dataset(http, ds)
    bodies, _ = frames(http, stored, "1,2,3", ORIGINAL)
    assert bodies == [pack_bits(bits[i], pad=False) for i in range(3)]


# -- encapsulated pixel data -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["SC_rgb_rle_2frame.dcm", "examples_ybr_color.dcm"])
def test_encapsulated_frames_as_stored_and_decoded(http: TestClient, name: str) -> None:
    stored = store_testdata(http, name)
    source = stored.dataset()
    count = int(source.NumberOfFrames)
    compressed = list(generate_frames(source.PixelData, number_of_frames=count))
    numbers = [count, 1]
    bodies, types = frames(http, stored, ",".join(map(str, numbers)), ORIGINAL)
    assert bodies == [compressed[n - 1] for n in numbers]
    assert set(types) == {
        f"application/octet-stream; transfer-syntax={source.file_meta.TransferSyntaxUID}"}
    decoded, types = frames(http, stored, ",".join(map(str, numbers)), NATIVE)
    assert decoded == [native(source.pixel_array[n - 1]) for n in numbers]
    assert set(types) == {f"application/octet-stream; transfer-syntax={EXPLICIT_VR_LITTLE_ENDIAN}"}


@pytest.mark.parametrize("name", ["CT_small.dcm", "MR_small_RLE.dcm", "SC_rgb_jpeg_dcmtk.dcm"])
def test_jpeg_2000_frames_decode_to_the_same_pixels(http: TestClient, name: str) -> None:
    stored = store_testdata(http, name)
    (body,), (content_type,) = frames(http, stored, "1", JP2)
    assert content_type == f"image/jp2; transfer-syntax={JPEG_2000_LOSSLESS}"
    pixels = stored.dataset().pixel_array
    np.testing.assert_array_equal(openjpeg.decode(body).reshape(pixels.shape), pixels)


def test_jpeg_2000_frames_of_jpeg_2000_lossless_are_as_stored(http: TestClient) -> None:
    stored = store_testdata(http, "MR_small_jp2klossless.dcm")
    (body,), _ = frames(http, stored, "1", JP2)
    assert body == next(generate_frames(stored.dataset().PixelData, number_of_frames=1))


def test_jpeg_ls_source_cannot_be_transcoded(http: TestClient) -> None:
    stored = store_testdata(http, "MR_small_jpeg_ls_lossless.dcm")
    response = http.get(f"{stored.url}/frames/1", headers=NATIVE)
    assert (response.status_code, response.text) == (
        406, "The specified transcoding is not supported.")
    assert http.get(f"{stored.url}/frames/1", headers=ORIGINAL).status_code == 200


def test_transcoding_limit(settings: EmulatorSettings) -> None:
    with TestClient(create_app(dataclasses.replace(settings, max_transcode_bytes=100))) as http:
        stored = store_testdata(http, "MR_small_RLE.dcm")
        response = http.get(f"{stored.url}/frames/1", headers=NATIVE)
        assert (response.status_code, response.text) == (  # RetrieveServiceFileTooBig
            406, "Requested DICOM instance size is above the supported limit of 100. The entire "
                 "instance can be retrieved with the original transfer syntax by specifying "
                 "'transfer-syntax=*' in the Accept header.")
        assert http.get(f"{stored.url}/frames/1", headers=ORIGINAL).status_code == 200


# -- negotiation -----------------------------------------------------------------------


@pytest.fixture
def instance(http: TestClient) -> Stored:
    return store_testdata(http, "SC_rgb_rle_2frame.dcm")


@pytest.mark.parametrize("accept", ["*/*", 'multipart/related; type="*/*"'])
def test_any_type_is_original_octet_stream(
    http: TestClient, instance: Stored, accept: str
) -> None:
    bodies, types = frames(http, instance, "2", {"Accept": accept})
    assert bodies == frames(http, instance, "2", ORIGINAL)[0]
    assert types == ["application/octet-stream; transfer-syntax=1.2.840.10008.1.2.5"]


def test_single_part_frame(http: TestClient, instance: Stored) -> None:
    response = http.get(f"{instance.url}/frames/2",
                        headers={"Accept": "application/octet-stream; transfer-syntax=*"})
    assert response.status_code == 200
    assert response.headers["content-type"] == (
        "application/octet-stream; transfer-syntax=1.2.840.10008.1.2.5")
    assert response.content == frames(http, instance, "2", ORIGINAL)[0][0]
    several = http.get(f"{instance.url}/frames/1,2",
                       headers={"Accept": "application/octet-stream; transfer-syntax=*"})
    assert (several.status_code, several.text) == (  # SinglePartSupportedForSingleFrame
        400, "The accept header is supported for single frame retrieval, use multi-part accept "
             "header instead.")


@pytest.mark.parametrize("accept", [
    "", "application/dicom", "image/jp2",
    f"{MULTIPART_OCTET_STREAM}; transfer-syntax={JPEG_2000_LOSSLESS}",
])
def test_unacceptable_is_406(http: TestClient, instance: Stored, accept: str) -> None:
    response = http.get(f"{instance.url}/frames/1", headers={"Accept": accept})
    assert (response.status_code, response.text) == (406, NOT_ACCEPTABLE_HEADERS)


def test_missing_accept_is_406(http: TestClient, instance: Stored) -> None:
    response = get_without_accept(http, f"{instance.url}/frames/1")
    assert (response.status_code, response.text) == (406, NOT_ACCEPTABLE_HEADERS)


# -- frame numbers and missing things -------------------------------------------------------


@pytest.mark.parametrize("numbers", ["0", "-1", "1,0"])
def test_frame_below_one_is_400(http: TestClient, instance: Stored, numbers: str) -> None:
    response = http.get(f"{instance.url}/frames/{numbers}", headers=ORIGINAL)
    assert (response.status_code, response.text) == (400, INVALID_FRAMES)


@pytest.mark.parametrize(("numbers", "bad"), [("abc", "abc"), ("1,,2", ""), ("1,x", "x"),
                                              ("99999999999", "99999999999"), ("1.5", "1.5"),
                                              ("\uff11", "\uff11")])  # a full-width digit
def test_frame_not_a_number_is_400(
    http: TestClient, instance: Stored, numbers: str, bad: str
) -> None:
    response = http.get(f"{instance.url}/frames/{numbers}", headers=ORIGINAL)
    assert response.status_code == 400
    assert response.text == (
        f"The query parameter 'frames' is invalid. Unable to parse value '{bad}' as Int32.")


def test_lenient_numbers_are_read_like_the_service(http: TestClient, instance: Stored) -> None:
    assert frames(http, instance, " 2 , 2.0", ORIGINAL)[0] == frames(http, instance, "2,2",
                                                                    ORIGINAL)[0]


def test_frame_past_the_last_is_404(http: TestClient, instance: Stored) -> None:
    response = http.get(f"{instance.url}/frames/1,3", headers=ORIGINAL)
    assert (response.status_code, response.text) == (404, "The specified frame cannot be found.")


def test_instance_without_pixel_data_has_no_frames(http: TestClient) -> None:
    stored = store_dataset(http, make_dataset(PixelData=None))
    response = http.get(f"{stored.url}/frames/1", headers=ORIGINAL)
    assert (response.status_code, response.text) == (404, "The specified frame cannot be found.")


def test_unknown_instance_or_bad_uid(http: TestClient, instance: Stored) -> None:
    other = generate_uid()
    response = http.get(f"/v2/studies/{other}/series/{other}/instances/{other}/frames/1",
                        headers=ORIGINAL)
    assert (response.status_code, response.text) == (
        404, "The specified instance cannot be found.")
    response = http.get(f"{instance.series_url}/instances/1.x/frames/1", headers=ORIGINAL)
    assert response.status_code == 400


@pytest.mark.filterwarnings("ignore:End of file reached before delimiter")
@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_damaged_files_never_give_5xx(http: TestClient, damage: str) -> None:
    svc = http.app.state.components
    for name in ("CT_small.dcm", "SC_rgb_rle_2frame.dcm"):
        stored = store_testdata(http, name)
        (row,) = svc.index.find_instances(stored.study, stored.series, stored.sop)
        path = svc.blobs.path(row.blob)
        data = path.read_bytes()
        path.write_bytes(data[: len(data) - 600] if damage == "truncate" else data[:132] +
                         bytes(range(256)) * 8)
        for suffix, accept in [("/frames/1", ORIGINAL["Accept"]), ("/frames/1", NATIVE["Accept"]),
                               ("/rendered", "image/png"), ("", "application/dicom"),
                               ("", f"application/dicom; transfer-syntax={JPEG_2000_LOSSLESS}")]:
            response = http.get(stored.url + suffix, headers={"Accept": accept})
            # Streaming the stored bytes as they are is fine; decoding them is not.
            assert response.status_code < 500, (name, suffix, accept, response.text)
            if suffix:
                assert response.status_code in (404, 406), (name, suffix, accept)
