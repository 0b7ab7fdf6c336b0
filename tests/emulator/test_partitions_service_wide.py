"""What data partitions leave service-wide (``docs/concepts/data-partitions.md``, "Other
APIs"): extended query tags and their reindex operation cover every partition, their
errors name the partition of each instance, and a search on a tag stays in its partition.
"""

from __future__ import annotations

from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from tests.support.extended_query_tags import add_and_wait, store
from tests.support.headers import ACCEPT_DICOM_JSON
from tests.support.partitions import PartitionClient, in_partition

__all__ = ["in_partition"]


def _search(http: TestClient, partition: str, age: str) -> int:
    """How many instances of ``partition`` a search on the tag finds."""
    response = http.get(f"/v2/partitions/{partition}/instances?PatientAge={age}",
                        headers=ACCEPT_DICOM_JSON)
    return 0 if response.status_code == 204 else len(response.json())


def test_a_tag_indexes_every_partition_and_its_errors_name_theirs(
        in_partition: PartitionClient) -> None:
    bad_sop = generate_uid()
    assert store(in_partition, generate_uid(), generate_uid(), generate_uid(),
                 PatientAge="030Y") == 200
    # v1 does not validate attributes that are not indexed: stored as it is.
    assert store(in_partition, generate_uid(), generate_uid(), bad_sop, version="v1",
                 PatientAge="TOO LONG") == 200
    in_partition.partition = "p2"
    assert store(in_partition, generate_uid(), generate_uid(), generate_uid(),
                 PatientAge="040Y") == 200

    state = add_and_wait(in_partition, {"path": "PatientAge", "level": "Instance"})
    assert state["percentComplete"] == 100
    errors = in_partition.get("/v2/extendedquerytags/PatientAge/errors").json()
    assert [(e["partitionName"], e["sopInstanceUid"]) for e in errors] == [("p1", bad_sop)]
    # The service disables a tag with errors; enabled again, it is searched per partition.
    enabled = in_partition.patch("/v2/extendedquerytags/PatientAge",
                                 json={"queryStatus": "Enabled"})
    assert enabled.status_code == 200
    assert {(p, age): _search(in_partition, p, age) for p in ("p1", "p2")
            for age in ("030Y", "040Y")} == {
        ("p1", "030Y"): 1, ("p1", "040Y"): 0, ("p2", "030Y"): 0, ("p2", "040Y"): 1}
