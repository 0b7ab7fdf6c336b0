"""Workitems in data partitions: /partitions/{name}/workitems, UIDs unique per partition
(the service's Workitem table), a create that adds the partition it names."""

from __future__ import annotations

from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from tests.support.partitions import partitions_http
from tests.support.workitems import DICOM_JSON, HEADERS, scheduled

__all__ = ["partitions_http"]


def test_workitems_live_in_their_partition(partitions_http: TestClient) -> None:
    uid = generate_uid()
    created = partitions_http.post(f"/v2/partitions/p1/workitems?{uid}", json=[scheduled()],
                                   headers=HEADERS)
    assert created.status_code == 201
    assert created.headers["location"] == f"http://testserver/v2/partitions/p1/workitems/{uid}"
    # The same UID is another workitem in another partition (which the create adds).
    again = partitions_http.post(f"/v2/partitions/p2/workitems?{uid}",
                                 json=[scheduled(procedure_step_label="p2")], headers=HEADERS)
    assert again.status_code == 201
    accept = {"Accept": DICOM_JSON}
    for name, label in (("p1", "CT head"), ("p2", "p2")):
        found = partitions_http.get(f"/v2/partitions/{name}/workitems/{uid}", headers=accept)
        assert found.json()["00741204"]["Value"] == [label]
    searched = partitions_http.get("/v2/partitions/p2/workitems?ProcedureStepLabel=x",
                                   headers=accept)
    assert searched.status_code == 400  # not a worklist attribute, in any partition
    listed = partitions_http.get("/v2/partitions/p2/workitems", headers=accept).json()
    assert [item["00741204"]["Value"] for item in listed] == [["p2"]]
    names = [p["partitionName"] for p in partitions_http.get("/v2/partitions").json()]
    assert {"p1", "p2"} <= set(names)


def test_with_partitions_off_the_partition_routes_answer_400(http: TestClient) -> None:
    response = http.get("/v2/partitions/p1/workitems", headers={"Accept": DICOM_JSON})
    assert response.status_code == 400
    assert response.text == "Data partitions feature is disabled."
