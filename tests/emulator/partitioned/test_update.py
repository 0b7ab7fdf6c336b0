"""``tests/emulator/test_update.py`` in partition p1 (see ``conftest.py``), and a bulk
update in one partition beside a study with the same UID in another."""

from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from tests.emulator import test_update as source
from tests.support.datasets import make_instance
from tests.support.extended_query_tags import wait_for_operation
from tests.support.headers import DICOM_JSON, STOW_SINGLE_PART
from tests.support.partitions import copied_tests, partitions_http
from tests.support.updates import patient_name

# Not inside a partition: one builds an app of its own (with auth on); the others send a
# bulk update to a partition no store made yet (the partition's 400 comes first, as in
# the service: bulk update does not create a partition).
LEAVE_OUT = {
    "test_bulk_update_needs_the_write_data_action",
    "test_a_body_that_is_not_json_is_415",
    "test_a_body_that_does_not_bind_is_a_null_specification",
    "test_the_change_dataset_is_required",
    "test_the_studies_are_required",
    "test_at_most_50_studies",
    "test_an_invalid_study_uid",
    "test_a_sequence_and_a_private_tag_cannot_change",
    "test_an_unknown_study_completes_with_nothing_updated",
}
globals().update(copied_tests(source, LEAVE_OUT))
__all__ = ["partitions_http"]


def test_an_update_in_one_partition_leaves_the_other_alone(partitions_http: TestClient) -> None:
    http = partitions_http
    study = generate_uid()
    for prefix in ("/v2/partitions/p2", "/v2/partitions/p1"):
        stored = http.post(f"{prefix}/studies", content=make_instance(study),
                           headers=STOW_SINGLE_PART)
        assert stored.status_code == 200
    started = http.post("/v2/partitions/p1/studies/$bulkUpdate", json={
        "studyInstanceUids": [study], "changeDataset": patient_name("In^P1")})
    assert started.status_code == 202
    href = started.json()["href"]
    assert href == f"http://testserver/v2/operations/{started.json()['id']}"
    done = wait_for_operation(http, href)
    assert done["results"]["instanceUpdated"] == 1

    def names(prefix: str) -> list[str]:
        found = http.get(f"{prefix}/studies/{study}/metadata", headers={"Accept": DICOM_JSON})
        return [m["00100010"]["Value"][0]["Alphabetic"] for m in found.json()]

    assert names("/v2/partitions/p1") == ["In^P1"]
    assert names("/v2/partitions/p2") == ["Doe^Jane"]
    missing = http.post("/v2/partitions/nowhere/studies/$bulkUpdate", json={
        "studyInstanceUids": [study], "changeDataset": patient_name("X")})
    assert (missing.status_code, missing.text) == (400, "Specified PartitionName does not exist.")
