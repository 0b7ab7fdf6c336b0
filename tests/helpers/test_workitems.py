"""The worklist helpers against the emulator in-process: each call does what it says."""

from __future__ import annotations

import pytest
import requests
from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from helpers import workitems

BASE = "http://testserver/v2"


def schedule(http: TestClient, **fields: object) -> str:
    uid = generate_uid()
    dataset = workitems.build_workitem("Doe^Jane", "PID-7", "CT head", "20261202090000",
                                       **fields)  # type: ignore[arg-type]
    location = workitems.create_workitem(http, BASE, dataset, uid)
    assert location == f"{BASE}/workitems/{uid}"
    return uid


def test_a_built_workitem_is_scheduled_and_found(http: TestClient) -> None:
    uid = schedule(http, station_name=("CT1", "CT 1"), accession_number="A-7")
    found = workitems.search_for_workitems(http, BASE, **{
        "ReferencedRequestSequence.AccessionNumber": "A-7"})
    assert [workitems.workitem_summary(item) for item in found] == [{
        "workitem": uid, "patient": "Doe^Jane", "patient_id": "PID-7", "label": "CT head",
        "start": "20261202090000", "state": "SCHEDULED"}]
    assert workitems.search_for_workitems(http, BASE, PatientID="nobody") == []


def test_claim_update_complete(http: TestClient) -> None:
    uid = schedule(http)
    transaction_uid = workitems.claim_workitem(http, BASE, uid)
    workitems.update_workitem(http, BASE, uid, {"00741204": {"vr": "LO", "Value": ["CT 2"]}},
                              transaction_uid)
    workitems.complete_workitem(http, BASE, uid, transaction_uid, station_name=("CT1", "CT 1"),
                                output_sop_class_uid="1.2.840.10008.5.1.4.1.1.2",
                                output_sop_instance_uid=generate_uid(),
                                started="20261202090500", ended="20261202091000")
    item = workitems.retrieve_workitem(http, BASE, uid)
    assert workitems.workitem_summary(item)["state"] == "COMPLETED"
    assert workitems.workitem_summary(item)["label"] == "CT 2"


def test_cancel_as_performer_and_by_request(http: TestClient) -> None:
    claimed = schedule(http)
    transaction_uid = workitems.claim_workitem(http, BASE, claimed)
    workitems.cancel_workitem(http, BASE, claimed, transaction_uid, "Contrast allergy")
    requested = schedule(http)
    message = workitems.request_workitem_cancellation(http, BASE, requested, "No show",
                                                      contact_name="Front desk",
                                                      contact_uri="mailto:desk@example.org")
    assert message == "The workitem instance has been cancelled."
    for uid in (claimed, requested):
        state = workitems.retrieve_workitem(http, BASE, uid)["00741000"]["Value"]
        assert state == ["CANCELED"]


def test_a_refusal_raises_with_the_services_message(http: TestClient) -> None:
    uid = schedule(http)
    with pytest.raises(requests.HTTPError, match="C301"):
        workitems.change_workitem_state(http, BASE, uid, "COMPLETED", generate_uid())
