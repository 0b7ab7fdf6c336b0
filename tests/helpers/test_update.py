"""helpers.update against a live emulator, through the kit's dicomweb-client."""

from __future__ import annotations

import pytest
import requests
from pydicom.uid import generate_uid

from helpers.client import DICOMwebClient
from helpers.extended_query_tags import OperationFailedError
from helpers.update import (
    UpdateResults,
    bulk_update,
    change_dataset,
    retrieve_original_instance,
    retrieve_original_metadata,
    start_bulk_update,
)
from tests.support.datasets import make_dataset

pytestmark = pytest.mark.live


@pytest.fixture
def client(live_emulator: str) -> DICOMwebClient:
    return DICOMwebClient(f"{live_emulator}/v2")


def _store_study(client: DICOMwebClient, count: int = 2) -> tuple[str, str, list[str]]:
    study, series = generate_uid(), generate_uid()
    sops = [generate_uid() for _ in range(count)]
    client.store_instances([make_dataset(study, series, sop, PatientName="Wrong^Name")
                            for sop in sops])
    return study, series, sops


def test_change_dataset_is_dicom_json() -> None:
    assert change_dataset(PatientName="Right^Name", PatientID="ID-7") == {
        "00100010": {"vr": "PN", "Value": [{"Alphabetic": "Right^Name"}]},
        "00100020": {"vr": "LO", "Value": ["ID-7"]}}


def test_bulk_update_waits_and_the_original_stays(client: DICOMwebClient,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    study, series, sops = _store_study(client)
    done = bulk_update(client, [study], change_dataset(PatientName="Right^Name"))
    assert (done.type, done.status, done.percent_complete) == ("update", "succeeded", 100)
    assert UpdateResults.from_operation(done) == UpdateResults(1, 1, 0, 2, [])
    assert "update succeeded" in capsys.readouterr().err  # the progress bar's last state
    found = client.search_for_studies(search_filters={"PatientName": "Right^Name",
                                                      "StudyInstanceUID": study})
    assert len(found) == 1
    original = retrieve_original_instance(client, study, series, sops[0])
    assert str(original.PatientName) == "Wrong^Name"
    assert str(client.retrieve_instance(study, series, sops[0]).PatientName) == "Right^Name"
    names = {m["00100010"]["Value"][0]["Alphabetic"]
             for m in retrieve_original_metadata(client, study)}
    assert names == {"Wrong^Name"}
    assert len(retrieve_original_metadata(client, study, series, sops[1])) == 1


def test_a_refused_update_raises_with_the_services_message(client: DICOMwebClient) -> None:
    with pytest.raises(requests.HTTPError) as error:
        start_bulk_update(client, [f"1.2.3.{n}" for n in range(1, 52)],
                          change_dataset(PatientName="X"))
    assert error.value.response.status_code == 400
    assert error.value.response.text == "StudyInstanceUids count exceeded maximum length '50'"


def test_a_failed_operation_raises_with_its_results(client: DICOMwebClient) -> None:
    study, _, _ = _store_study(client, 1)
    taken, _, _ = _store_study(client, 1)
    with pytest.raises(OperationFailedError) as error:
        bulk_update(client, [study], change_dataset(StudyInstanceUID=taken), progress=False)
    results = UpdateResults.from_operation(error.value.operation)
    assert (results.study_failed, results.errors) == (
        1, [f"Failed to update instances for study {study}"])


def test_a_study_uid_update(client: DICOMwebClient) -> None:
    study, series, sops = _store_study(client, 1)
    new_study = generate_uid()
    bulk_update(client, [study], change_dataset(StudyInstanceUID=new_study), progress=False)
    assert client.retrieve_instance(new_study, series, sops[0]).StudyInstanceUID == new_study
    original = retrieve_original_instance(client, new_study, series, sops[0])
    assert original.StudyInstanceUID == study
