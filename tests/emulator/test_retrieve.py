"""WADO-RS instances and metadata: bytes as stored, transcoding, negotiation, errors."""

from __future__ import annotations

import dataclasses
import json
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
from pydicom import dcmread
from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from dicom_emulator import EmulatorSettings, create_app
from tests.support.datasets import make_dataset, make_instance
from tests.support.headers import EXPLICIT_VR_LITTLE_ENDIAN, JPEG_2000_LOSSLESS, MULTIPART_DICOM
from tests.support.uids import INVALID_UID
from tests.support.wado import (
    Stored,
    get_without_accept,
    split_multipart,
    store_bytes,
    store_dataset,
    store_testdata,
)

ORIGINAL_MP = {"Accept": MULTIPART_DICOM + "; transfer-syntax=*"}
ORIGINAL_SINGLE = {"Accept": "application/dicom; transfer-syntax=*"}
DICOM_EXPLICIT_VR_LE = f"application/dicom; transfer-syntax={EXPLICIT_VR_LITTLE_ENDIAN}"
# The service's words (DicomCoreResource.resx at microsoft/dicom-server eeefbe4), spelled out
# here so that the emulator's copies are checked against them.
UNSUPPORTED_TRANSCODING = "The specified transcoding is not supported."  # UnsupportedTranscoding
NOT_ACCEPTABLE_HEADERS = "The request headers are not acceptable"  # NotAcceptableHeaders


@pytest.fixture
def samples(http: TestClient, azure_samples: dict[str, Path]) -> dict[str, Stored]:
    return {name: store_bytes(http, path.read_bytes()) for name, path in azure_samples.items()}


@pytest.fixture
def instance(http: TestClient) -> Stored:
    return store_bytes(http, make_instance())


def transfer_syntax(content_type: str) -> str:
    return content_type.split("transfer-syntax=")[1]


# -- bytes as stored -----------------------------------------------------------------------


def test_study_with_original_syntax_is_byte_identical(
    http: TestClient, samples: dict[str, Stored]
) -> None:
    study_url = samples["blue-circle"].study_url
    response = http.get(study_url, headers=ORIGINAL_MP)
    assert response.status_code == 200
    media = response.headers["content-type"]
    assert media.startswith("multipart/related; boundary=")
    parts = split_multipart(response)
    assert len(parts) == 3
    by_sop = {dcmread(BytesIO(p.body), stop_before_pixels=True).SOPInstanceUID: p for p in parts}
    for stored in samples.values():
        part = by_sop[stored.sop]
        assert part.body == stored.as_stored == stored.data  # the samples' preambles are zero
        assert part.content_type == DICOM_EXPLICIT_VR_LE


def test_series_and_instance_with_original_syntax(
    http: TestClient, samples: dict[str, Stored]
) -> None:
    red, green = samples["red-triangle"], samples["green-square"]
    parts = split_multipart(http.get(red.series_url, headers=ORIGINAL_MP))
    assert sorted(p.body for p in parts) == sorted([red.data, green.data])
    single = http.get(red.url, headers=ORIGINAL_SINGLE)
    assert single.status_code == 200
    assert single.headers["content-type"] == DICOM_EXPLICIT_VR_LE
    assert single.headers["content-length"] == str(len(red.data))
    assert single.content == red.data


def test_default_syntax_streams_explicit_vr_files_unchanged(
    http: TestClient, samples: dict[str, Stored]
) -> None:
    blue = samples["blue-circle"]
    for url in (blue.url, blue.series_url):  # the blue series holds one instance
        response = http.get(url, headers={"Accept": MULTIPART_DICOM})
        assert response.status_code == 200
        (part,) = split_multipart(response)
        assert part.body == blue.data
        assert part.content_type == DICOM_EXPLICIT_VR_LE


def test_default_syntax_refused_when_several_instances_match(
    http: TestClient, samples: dict[str, Stored]
) -> None:
    red = samples["red-triangle"]
    for url in (red.series_url, red.study_url):
        response = http.get(url, headers={"Accept": MULTIPART_DICOM})
        assert response.status_code == 406
        # RetrieveServiceMultiInstanceTranscodingNotSupported, with the syntax asked for.
        assert response.text == (
            "Accept transfer syntax '1.2.840.10008.1.2.1' is not supported when multiple "
            "instances are matched. Matching instances can be retrieved with their original "
            "transfer syntax by specifying 'transfer-syntax=*' in the Accept header.")


def test_any_media_type_is_original_as_multipart(http: TestClient) -> None:
    stored = store_testdata(http, "MR_small_RLE.dcm")
    response = http.get(stored.url, headers={"Accept": "*/*"})
    assert response.status_code == 200
    (part,) = split_multipart(response)
    assert part.body == stored.as_stored
    assert transfer_syntax(part.content_type) == "1.2.840.10008.1.2.5"
    study = http.get(stored.study_url, headers={"Accept": 'multipart/related; type="*/*"'})
    assert split_multipart(study)[0].body == stored.as_stored


def test_preamble_is_zeroed(http: TestClient) -> None:
    data = bytearray(make_instance())
    data[:128] = b"\x4d\x5a" * 64  # an executable header hiding in the preamble
    stored = store_bytes(http, bytes(data))
    response = http.get(stored.url, headers=ORIGINAL_SINGLE)
    assert response.content == bytes(128) + bytes(data[128:])


def test_all_api_versions_serve_retrieve(http: TestClient, instance: Stored) -> None:
    for version in ("v1.0-prerelease", "v1", "v2"):
        url = instance.url.replace("/v2/", f"/{version}/")
        assert http.get(url, headers=ORIGINAL_SINGLE).content == instance.as_stored


# -- transcoding --------------------------------------------------------------------------

TRANSCODABLE = [
    "CT_small.dcm",                 # explicit VR LE, rescale
    "MR_small_implicit.dcm",        # implicit VR LE
    "MR_small_bigendian.dcm",       # explicit VR big endian
    "MR_small_RLE.dcm",             # RLE
    "SC_rgb_jpeg_dcmtk.dcm",        # JPEG baseline, YBR_FULL
    "JPEG2000.dcm",                 # JPEG 2000 (.91)
    "MR_small_jp2klossless.dcm",    # JPEG 2000 lossless (.90)
    "SC_rgb_rle_2frame.dcm",        # RLE, RGB, 2 frames
    "SC_ybr_full_422_uncompressed.dcm",
]


def decoded(data: bytes) -> np.ndarray:
    return dcmread(BytesIO(data)).pixel_array


@pytest.mark.parametrize("name", TRANSCODABLE)
@pytest.mark.parametrize("target", [EXPLICIT_VR_LITTLE_ENDIAN, JPEG_2000_LOSSLESS])
def test_transcoded_instance_has_the_same_pixels_and_uid(
    http: TestClient, name: str, target: str
) -> None:
    stored = store_testdata(http, name)
    source = stored.dataset()
    response = http.get(stored.url, headers={
        "Accept": f"application/dicom; transfer-syntax={target}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == f"application/dicom; transfer-syntax={target}"
    result = dcmread(BytesIO(response.content))
    assert result.file_meta.TransferSyntaxUID == target
    assert result.SOPInstanceUID == stored.sop
    assert result.file_meta.MediaStorageSOPInstanceUID == stored.sop
    assert result.StudyInstanceUID == stored.study
    assert result.PatientName == source.PatientName
    np.testing.assert_array_equal(result.pixel_array, source.pixel_array)


def test_multiframe_jpeg_to_explicit_vr(http: TestClient) -> None:
    stored = store_testdata(http, "examples_ybr_color.dcm")  # 30 frames of JPEG baseline
    response = http.get(stored.url, headers={"Accept": MULTIPART_DICOM})
    (part,) = split_multipart(response)
    result = dcmread(BytesIO(part.body))
    assert result.file_meta.TransferSyntaxUID == EXPLICIT_VR_LITTLE_ENDIAN
    assert int(result.NumberOfFrames) == 30
    assert result.SOPInstanceUID == stored.sop
    np.testing.assert_array_equal(result.pixel_array, stored.dataset().pixel_array)


@pytest.mark.parametrize("name", [
    "JPGExtended.dcm",                # JPEG extended (.51): not a transcoding source
    "MR_small_jpeg_ls_lossless.dcm",  # JPEG-LS: not a transcoding source
])
def test_untranscodable_source_is_406_but_original_works(http: TestClient, name: str) -> None:
    stored = store_testdata(http, name)
    response = http.get(stored.url, headers={"Accept": "application/dicom"})
    assert response.status_code == 406
    assert response.text == UNSUPPORTED_TRANSCODING
    assert http.get(stored.url, headers=ORIGINAL_SINGLE).content == stored.as_stored


def test_codec_failure_is_406(http: TestClient) -> None:
    # 32-bit dose grid: the JPEG 2000 encoder takes at most 24 bits.
    stored = store_testdata(http, "rtdose.dcm")
    response = http.get(stored.url, headers={
        "Accept": f"application/dicom; transfer-syntax={JPEG_2000_LOSSLESS}"})
    assert response.status_code == 406
    assert response.text == UNSUPPORTED_TRANSCODING


def test_already_in_requested_syntax_is_streamed_as_stored(http: TestClient) -> None:
    stored = store_testdata(http, "MR_small_jp2klossless.dcm")
    response = http.get(stored.url, headers={
        "Accept": f"application/dicom; transfer-syntax={JPEG_2000_LOSSLESS}"})
    assert response.content == stored.as_stored


def test_file_over_the_transcoding_limit_is_406(settings: EmulatorSettings) -> None:
    small = dataclasses.replace(settings, max_transcode_bytes=1000)
    with TestClient(create_app(small)) as http:
        stored = store_testdata(http, "MR_small_RLE.dcm")
        response = http.get(stored.url, headers={"Accept": "application/dicom"})
        assert response.status_code == 406
        assert response.text == (  # RetrieveServiceFileTooBig
            "Requested DICOM instance size is above the supported limit of 1000. The entire "
            "instance can be retrieved with the original transfer syntax by specifying "
            "'transfer-syntax=*' in the Accept header.")
        assert http.get(stored.url, headers=ORIGINAL_SINGLE).content == stored.as_stored


# -- negotiation and errors over HTTP --------------------------------------------------------


@pytest.mark.parametrize("level", ["study_url", "series_url", "url"])
def test_missing_accept_is_406(http: TestClient, instance: Stored, level: str) -> None:
    for response in (get_without_accept(http, getattr(instance, level)),
                     http.get(getattr(instance, level), headers={"Accept": ""})):
        assert response.status_code == 406
        assert response.text == NOT_ACCEPTABLE_HEADERS


@pytest.mark.parametrize("level", ["study_url", "series_url"])
def test_single_part_on_study_or_series_is_406(
    http: TestClient, instance: Stored, level: str
) -> None:
    response = http.get(getattr(instance, level), headers=ORIGINAL_SINGLE)
    assert response.status_code == 406
    assert response.text == NOT_ACCEPTABLE_HEADERS


@pytest.mark.parametrize("accept", [
    "application/dicom+json",
    "application/dicom; transfer-syntax=1.2.840.10008.1.2",
    "application/dicom; transfer-syntax=1.2.840.10008.1.2.4.50",
    "image/jpeg",
])
def test_unacceptable_instance_accept_is_406(
    http: TestClient, instance: Stored, accept: str
) -> None:
    response = http.get(instance.url, headers={"Accept": accept})
    assert response.status_code == 406
    assert response.text == NOT_ACCEPTABLE_HEADERS


def test_ranked_accept_values_pick_original(http: TestClient) -> None:
    stored = store_testdata(http, "MR_small_RLE.dcm")
    accept = "application/dicom; q=0.4, application/dicom; transfer-syntax=*; q=0.9"
    response = http.get(stored.url, headers={"Accept": accept})
    assert response.headers["content-type"].endswith("transfer-syntax=1.2.840.10008.1.2.5")
    assert response.content == stored.as_stored


def test_not_found_messages(http: TestClient, instance: Stored) -> None:
    other = generate_uid()
    cases = {
        f"/v2/studies/{other}": "The specified study cannot be found.",
        f"/v2/studies/{instance.study}/series/{other}": "The specified series cannot be found.",
        f"{instance.series_url}/instances/{other}": "The specified instance cannot be found.",
        # Named after the level asked for, whatever is missing.
        f"/v2/studies/{other}/series/{other}/instances/{other}":
            "The specified instance cannot be found.",
    }
    for url, message in cases.items():
        response = http.get(url, headers=ORIGINAL_MP)
        assert (response.status_code, response.text) == (404, message), url


@pytest.mark.parametrize(("url", "name"), [
    ("/v2/studies/1.2.abc", "StudyInstanceUid"),
    ("/v2/studies/1.2.3/series/1.2.x", "SeriesInstanceUid"),
    ("/v2/studies/1.2.3/series/1.2.3/instances/" + "1" * 65, "SopInstanceUid"),
])
def test_invalid_uid_is_400(http: TestClient, url: str, name: str) -> None:
    response = http.get(url, headers=ORIGINAL_MP)
    assert (response.status_code, response.text) == (400, INVALID_UID.format(name))


def test_file_deleted_under_the_index_is_404(http: TestClient, instance: Stored) -> None:
    svc = http.app.state.components
    (row,) = svc.index.find_instances(instance.study, instance.series, instance.sop)
    svc.blobs.path(row.blob).unlink()
    response = http.get(instance.url, headers=ORIGINAL_SINGLE)
    assert (response.status_code, response.text) == (404, "The specified instance cannot be found.")


# -- metadata ----------------------------------------------------------------------------


@pytest.fixture
def series_of_two(http: TestClient) -> tuple[Stored, Stored]:
    study, series = generate_uid(), generate_uid()
    first = store_dataset(http, make_dataset(study, series, PatientName="Meta^One"))
    second = store_dataset(http, make_dataset(study, series, PatientName="Meta^Two"))
    return first, second


def test_metadata_at_three_levels(http: TestClient, series_of_two: tuple[Stored, Stored]) -> None:
    first, second = series_of_two
    json_accept = {"Accept": "application/dicom+json"}
    for url, sops in [(first.study_url, [first.sop, second.sop]),
                      (first.series_url, [first.sop, second.sop]),
                      (second.url, [second.sop])]:
        response = http.get(url + "/metadata", headers=json_accept)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/dicom+json"
        body = json.loads(response.content)
        assert [item["00080018"]["Value"][0] for item in body] == sops
        assert "7FE00010" not in body[0]  # pixel data (OW) is never in metadata


def test_metadata_etag_and_if_none_match(
    http: TestClient, series_of_two: tuple[Stored, Stored]
) -> None:
    first, second = series_of_two
    index = http.app.state.components.index
    keys = [i.instance_key for i in index.find_instances(first.study)]
    accept = {"Accept": "application/dicom+json"}
    study = http.get(first.study_url + "/metadata", headers=accept)
    assert study.headers["etag"] == f"{max(keys)}-2"
    instance = http.get(first.url + "/metadata", headers=accept)
    assert instance.headers["etag"] == str(keys[0])
    cached = http.get(first.study_url + "/metadata",
                      headers={**accept, "If-None-Match": study.headers["etag"]})
    assert cached.status_code == 304
    assert cached.content == b""
    assert "etag" not in cached.headers
    stale = http.get(first.study_url + "/metadata", headers={**accept, "If-None-Match": "1-1"})
    assert stale.status_code == 200
    # A new instance in the study changes the study's ETag.
    store_dataset(http, make_dataset(first.study))
    fresh = http.get(first.study_url + "/metadata",
                     headers={**accept, "If-None-Match": study.headers["etag"]})
    assert fresh.status_code == 200
    assert len(json.loads(fresh.content)) == 3


@pytest.mark.parametrize("accept", ["*/*", "application/*", "application/dicom+json"])
def test_metadata_accepts_json_ranges(http: TestClient, instance: Stored, accept: str) -> None:
    assert http.get(instance.url + "/metadata", headers={"Accept": accept}).status_code == 200


@pytest.mark.parametrize("accept", ["", "application/json", MULTIPART_DICOM])
def test_metadata_other_accept_is_406_with_empty_body(
    http: TestClient, instance: Stored, accept: str
) -> None:
    response = http.get(instance.url + "/metadata", headers={"Accept": accept})
    assert (response.status_code, response.content) == (406, b"")
    missing = get_without_accept(http, instance.url + "/metadata")
    assert (missing.status_code, missing.content) == (406, b"")


def test_metadata_not_found(http: TestClient, instance: Stored) -> None:
    other = generate_uid()
    response = http.get(f"{instance.series_url}/instances/{other}/metadata",
                        headers={"Accept": "application/dicom+json"})
    assert (response.status_code, response.text) == (404, "The specified instance cannot be found.")
    response = http.get(f"/v2/studies/{other}/metadata",
                        headers={"Accept": "application/dicom+json"})
    assert (response.status_code, response.text) == (404, "The specified study cannot be found.")

