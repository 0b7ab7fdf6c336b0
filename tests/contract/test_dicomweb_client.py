"""Contract tests: the real ``dicomweb_client.DICOMwebClient`` against a live emulator process.

dicomweb-client is the conformance oracle: if it can store, search, retrieve and delete
through the emulator with its defaults, so can a workshop participant.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import numpy as np
import pydicom
import pytest
from dicomweb_client import DICOMwebClient
from PIL import Image
from pydicom.data import get_testdata_file
from pydicom.encaps import generate_frames
from pydicom.uid import generate_uid
from requests import HTTPError

from tests.support.datasets import make_dataset, make_instance, to_bytes
from tests.support.headers import EXPLICIT_VR_LITTLE_ENDIAN
from tests.support.wado import read_pydicom_test_file, with_new_uids

pytestmark = pytest.mark.live

ORIGINAL = (("application/dicom", "*"),)  # transfer-syntax=*: the file as stored


@pytest.fixture(scope="module")
def client(live_emulator: str) -> DICOMwebClient:
    return DICOMwebClient(url=f"{live_emulator}/v2")


@pytest.fixture(scope="module")
def study(client: DICOMwebClient) -> dict[str, object]:
    """One study: a two-instance series and a one-instance multi-frame series."""
    study_uid, series_a, series_b = generate_uid(), generate_uid(), generate_uid()
    first = make_dataset(study_uid, series_a, PatientName="Contract^Carol", Modality="CT",
                         StudyDate="20230405", InstanceNumber=1)
    second = make_dataset(study_uid, series_a, PatientName="Contract^Carol", Modality="CT",
                          StudyDate="20230405", InstanceNumber=2)
    frames = make_dataset(study_uid, series_b, rows=4, columns=5, Modality="MR",
                          PatientName="Contract^Carol", StudyDate="20230405")
    pixels = np.arange(3 * 4 * 5, dtype=np.uint16).reshape(3, 4, 5)
    frames.NumberOfFrames = 3
    frames.PixelData = pixels.tobytes()
    response = client.store_instances([first, second, frames])
    stored = [item.ReferencedSOPInstanceUID for item in response.ReferencedSOPSequence]
    assert stored == [first.SOPInstanceUID, second.SOPInstanceUID, frames.SOPInstanceUID]
    assert "FailedSOPSequence" not in response
    return {"study": study_uid, "series": series_a, "multiframe_series": series_b,
            "instances": [first, second], "multiframe": frames, "pixels": pixels}


def test_store_to_a_study_path(client: DICOMwebClient, live_emulator: str) -> None:
    ds = make_dataset()
    response = client.store_instances([ds], study_instance_uid=ds.StudyInstanceUID)
    # dicomweb-client's Host header has no port; the URL must still point at the emulator.
    assert response.RetrieveURL == f"{live_emulator}/v2/studies/{ds.StudyInstanceUID}"


def test_restore_raises_409(client: DICOMwebClient, study: dict) -> None:
    with pytest.raises(HTTPError) as error:
        client.store_instances([study["instances"][0]])
    assert error.value.response.status_code == 409


def test_search_at_every_level(client: DICOMwebClient, study: dict) -> None:
    studies = client.search_for_studies(search_filters={"PatientName": "contract^carol"})
    assert [s["0020000D"]["Value"][0] for s in studies] == [study["study"]]
    series = client.search_for_series(study["study"])
    assert {s["0020000E"]["Value"][0] for s in series} == {study["series"],
                                                           study["multiframe_series"]}
    ct = client.search_for_series(search_filters={"Modality": "CT",
                                                  "StudyInstanceUID": study["study"]})
    assert [s["0020000E"]["Value"][0] for s in ct] == [study["series"]]
    instances = client.search_for_instances(study["study"], study["series"])
    assert {i["00080018"]["Value"][0] for i in instances} == {
        ds.SOPInstanceUID for ds in study["instances"]}
    ranged = client.search_for_studies(
        search_filters={"StudyDate": "20230401-20230430", "PatientName": "Contract^Carol"},
        fields=["NumberOfStudyRelatedInstances"])
    assert ranged[0]["00201208"]["Value"] == [3]


def test_search_paging_with_get_remaining(client: DICOMwebClient, study: dict) -> None:
    page = client.search_for_instances(study["study"], limit=1)
    assert len(page) == 1
    everything = client.search_for_instances(study["study"], limit=1, get_remaining=True)
    assert len(everything) == 3


def test_retrieve_instance_series_and_study(client: DICOMwebClient, study: dict) -> None:
    first = study["instances"][0]
    instance = client.retrieve_instance(study["study"], study["series"], first.SOPInstanceUID)
    assert instance.SOPInstanceUID == first.SOPInstanceUID
    assert instance.PixelData == first.PixelData
    series = client.retrieve_series(study["study"], study["series"], media_types=ORIGINAL)
    assert sorted(ds.SOPInstanceUID for ds in series) == sorted(
        ds.SOPInstanceUID for ds in study["instances"])
    whole = client.retrieve_study(study["study"], media_types=ORIGINAL)
    assert len(whole) == 3


def test_series_retrieve_without_transfer_syntax_is_406(
    client: DICOMwebClient, study: dict
) -> None:
    """Azure transcodes only single instances: several need ``transfer-syntax=*`` (§13)."""
    with pytest.raises(HTTPError) as error:
        client.retrieve_series(study["study"], study["series"])
    assert error.value.response.status_code == 406


def test_retrieve_with_original_transfer_syntax(client: DICOMwebClient, study: dict) -> None:
    first = study["instances"][0]
    instance = client.retrieve_instance(
        study["study"], study["series"], first.SOPInstanceUID, media_types=ORIGINAL)
    assert instance.file_meta.TransferSyntaxUID == first.file_meta.TransferSyntaxUID


def test_metadata_at_every_level(client: DICOMwebClient, study: dict) -> None:
    first = study["instances"][0]
    assert len(client.retrieve_study_metadata(study["study"])) == 3
    assert len(client.retrieve_series_metadata(study["study"], study["series"])) == 2
    metadata = client.retrieve_instance_metadata(study["study"], study["series"],
                                                 first.SOPInstanceUID)
    assert metadata["00100010"]["Value"] == [{"Alphabetic": "Contract^Carol"}]
    assert "7FE00010" not in metadata  # bulk data is left out, as on Azure


def test_frames_come_back_as_the_stored_pixel_bytes(client: DICOMwebClient, study: dict) -> None:
    frames = client.retrieve_instance_frames(
        study["study"], study["multiframe_series"], study["multiframe"].SOPInstanceUID,
        frame_numbers=[1, 3])
    expected = study["pixels"]
    assert frames == [expected[0].tobytes(), expected[2].tobytes()]


def test_rendered_instance_and_frame_come_as_the_image_type_asked_for(
        client: DICOMwebClient, study: dict) -> None:
    first = study["instances"][0]
    jpeg = client.retrieve_instance_rendered(study["study"], study["series"],
                                             first.SOPInstanceUID, media_types=("image/jpeg",))
    assert Image.open(BytesIO(jpeg)).format == "JPEG"
    png = client.retrieve_instance_frames_rendered(
        study["study"], study["multiframe_series"], study["multiframe"].SOPInstanceUID,
        frame_numbers=[2], media_types=("image/png",))
    image = Image.open(BytesIO(png))
    assert image.format == "PNG" and image.size == (5, 4)


def test_compressed_frames_come_as_stored_by_default_and_decoded_on_request(
        client: DICOMwebClient) -> None:
    ds = pydicom.dcmread(BytesIO(to_bytes(with_new_uids(
        read_pydicom_test_file("SC_rgb_rle_2frame.dcm")))))
    client.store_instances([ds])
    uids = (ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)
    compressed = list(generate_frames(ds.PixelData, number_of_frames=2))
    # The default Accept is multipart/related; type="*/*": frames as stored.
    assert client.retrieve_instance_frames(*uids, frame_numbers=[2, 1]) == [
        compressed[1], compressed[0]]
    decoded = client.retrieve_instance_frames(
        *uids, frame_numbers=[1],
        media_types=(("application/octet-stream", EXPLICIT_VR_LITTLE_ENDIAN),))
    first = ds.pixel_array[0]
    assert decoded == [first.astype(first.dtype.newbyteorder("<")).tobytes()]


def test_part10_files_store_and_come_back_at_every_level(client: DICOMwebClient) -> None:
    study, series = generate_uid(), generate_uid()
    # Read back from Part 10 bytes: a dataset made in memory has no preamble, and
    # dicomweb-client writes it as it is.
    datasets = [pydicom.dcmread(BytesIO(make_instance(study, series))) for _ in range(2)]
    client.store_instances(datasets)
    one = client.retrieve_instance(study, series, datasets[0].SOPInstanceUID)
    assert one.SOPInstanceUID == datasets[0].SOPInstanceUID
    everything = client.retrieve_study(study, media_types=ORIGINAL)
    assert {d.SOPInstanceUID for d in everything} == {d.SOPInstanceUID for d in datasets}
    # Without transfer-syntax=* the service refuses to transcode several instances.
    with pytest.raises(HTTPError) as info:
        client.retrieve_study(study)
    assert info.value.response.status_code == 406
    metadata = client.retrieve_series_metadata(study, series)
    assert len(metadata) == 2


def test_compressed_example_round_trips_and_transcodes(client: DICOMwebClient) -> None:
    path = Path(get_testdata_file("JPEG2000.dcm"))
    original = pydicom.dcmread(path)
    client.store_instances([original])
    uids = (original.StudyInstanceUID, original.SeriesInstanceUID, original.SOPInstanceUID)
    as_stored = client.retrieve_instance(*uids, media_types=ORIGINAL)
    assert as_stored.file_meta.TransferSyntaxUID == original.file_meta.TransferSyntaxUID
    transcoded = client.retrieve_instance(
        *uids, media_types=(("application/dicom", "1.2.840.10008.1.2.1"),))
    assert transcoded.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1"
    assert transcoded.SOPInstanceUID == original.SOPInstanceUID
    assert np.array_equal(transcoded.pixel_array, original.pixel_array)


def test_delete_instance_series_and_study(client: DICOMwebClient) -> None:
    study_uid, series_uid = generate_uid(), generate_uid()
    datasets = [make_dataset(study_uid, series_uid) for _ in range(2)]
    datasets.append(make_dataset(study_uid))
    client.store_instances(datasets)
    client.delete_instance(study_uid, series_uid, datasets[0].SOPInstanceUID)
    assert len(client.search_for_instances(study_uid)) == 2
    client.delete_series(study_uid, series_uid)
    assert len(client.search_for_instances(study_uid)) == 1
    client.delete_study(study_uid)
    assert client.search_for_studies(search_filters={"StudyInstanceUID": study_uid}) == []
    with pytest.raises(HTTPError) as error:
        client.delete_study(study_uid)
    assert error.value.response.status_code == 404
