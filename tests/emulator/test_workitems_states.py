"""Change state, update and request cancellation: every transition the service allows or
refuses, with its status, message and Warning header (WorkitemService.ChangeState/Update/
Cancel, ProcedureStepStateExtensions, the workitem validators)."""

from __future__ import annotations

from typing import Any

import pytest
from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from dicom_emulator.features.workitems.states import Action, State, transition
from tests.support.workitems import (
    HEADERS,
    change_state,
    create,
    element,
    performed,
    state_of,
    stored,
)

TXN = "1.2.826.0.1.3680043.10.1"


def warning(text: str) -> str:
    return f'299 testserver: "{text}"'


def update(http: TestClient, uid: str, changes: dict[str, Any], txn: str | None = None) -> Any:
    query = f"?{txn}" if txn else ""
    return http.post(f"/v2/workitems/{uid}{query}", json=[changes], headers=HEADERS)


def cancel_request(http: TestClient, uid: str, reason: str = "No show") -> Any:
    body = {"00741238": element("LT", reason)}
    return http.post(f"/v2/workitems/{uid}/cancelrequest", json=[body], headers=HEADERS)


@pytest.fixture
def claimed(http: TestClient) -> str:
    uid = create(http)
    response = change_state(http, uid, "IN PROGRESS", TXN)
    assert response.status_code == 200
    assert response.json() == ""
    assert "warning" not in response.headers
    return uid


def test_claim_then_complete(http: TestClient, claimed: str) -> None:
    assert state_of(http, claimed) == "IN PROGRESS"
    assert update(http, claimed, performed(), TXN).status_code == 200
    response = change_state(http, claimed, "COMPLETED", TXN)
    assert response.status_code == 200
    assert state_of(http, claimed) == "COMPLETED"
    assert "00081195" not in stored(http, claimed)


# (state reached first, request, transaction UID, the service's message)
REFUSED = [
    # An unclaimed workitem has no Transaction UID to match: C301 (not C310).
    ("SCHEDULED", "COMPLETED", TXN, "The workitem instance can not transition to 'COMPLETED' "
                                    "state: C301."),
    ("SCHEDULED", "CANCELED", TXN, "The workitem instance can not transition to 'CANCELED' "
                                   "state: C301."),
    ("IN PROGRESS", "IN PROGRESS", TXN, "The workitem instance can not transition to "
                                        "'IN PROGRESS' state: C302."),
    ("IN PROGRESS", "IN PROGRESS", "1.2.3", "The workitem instance can not transition to "
                                            "'IN PROGRESS' state: C301."),
    ("IN PROGRESS", "COMPLETED", "1.2.3", "The workitem instance can not transition to "
                                          "'COMPLETED' state: C301."),
    ("COMPLETED", "IN PROGRESS", TXN, "The workitem instance can not transition to "
                                      "'IN PROGRESS' state: C300."),
    ("COMPLETED", "CANCELED", TXN, "The workitem instance can not transition to 'CANCELED' "
                                   "state: C300."),
    ("IN PROGRESS", "COMPLETED", TXN, "The value for tag '(0074,1216)' is missing."),
    ("IN PROGRESS", "CANCELED", TXN, "The value for tag '(0074,1002)' is missing."),
]


def _reach(http: TestClient, state: str) -> str:
    uid = create(http)
    if state != "SCHEDULED":
        assert change_state(http, uid, "IN PROGRESS", TXN).status_code == 200
    if state == "COMPLETED":
        assert update(http, uid, performed(), TXN).status_code == 200
        assert change_state(http, uid, "COMPLETED", TXN).status_code == 200
    return uid


@pytest.mark.parametrize(("first", "target", "txn", "message"), REFUSED)
def test_a_refused_change_is_400_with_warning_and_changes_nothing(
        http: TestClient, first: str, target: str, txn: str, message: str) -> None:
    uid = _reach(http, first)
    response = change_state(http, uid, target, txn)
    assert response.status_code == 400
    assert response.json() == message
    assert response.headers["warning"] == warning(message)
    assert state_of(http, uid) == first


def test_completing_twice_is_200_with_the_final_state_warning(http: TestClient) -> None:
    uid = _reach(http, "COMPLETED")
    response = change_state(http, uid, "COMPLETED", TXN)
    text = "The workitem instance is already in the final state 'COMPLETED'. B306."
    assert response.status_code == 200
    assert response.json() == text
    assert response.headers["warning"] == warning(text)


def test_a_performer_cancels_with_the_reason_recorded(http: TestClient, claimed: str) -> None:
    progress = {"00404052": element("DT", "20261202093000"),
                "0074100E": element("SQ", {"00080104": element("LO", "Contrast allergy")})}
    assert update(http, claimed, {"00741002": element("SQ", progress)}, TXN).status_code == 200
    assert change_state(http, claimed, "CANCELED", TXN).status_code == 200
    assert state_of(http, claimed) == "CANCELED"
    again = change_state(http, claimed, "CANCELED", TXN)
    assert again.status_code == 200
    assert again.json() == "The workitem instance is already in the final state 'CANCELED'. B304."


@pytest.mark.parametrize(("body", "message"), [
    ({"00741000": element("CS", "IN PROGRESS")}, "The required tag '(0008,1195)' is missing."),
    ({"00081195": element("UI"), "00741000": element("CS", "IN PROGRESS")},
     "The value for tag '(0008,1195)' is missing."),
    ({"00081195": element("UI", TXN)}, "The required tag '(0074,1000)' is missing."),
    ({"00081195": element("UI", TXN), "00741000": element("CS", "SCHEDULED")},
     "Expected value '(0074,1000)' to be one of the following values: "
     "[IN PROGRESS,CANCELED,COMPLETED]"),
    ({"00081195": element("UI", TXN), "00741000": element("CS", "in progress")},
     "Expected value '(0074,1000)' to be one of the following values: "
     "[IN PROGRESS,CANCELED,COMPLETED]"),
])
def test_a_change_state_dataset_the_service_refuses(http: TestClient, body: dict[str, Any],
                                                    message: str) -> None:
    uid = create(http)
    response = http.put(f"/v2/workitems/{uid}/state", json=[body], headers=HEADERS)
    assert response.status_code == 400
    assert response.json() == message
    assert state_of(http, uid) == "SCHEDULED"


def test_change_state_of_an_unknown_workitem_is_404_with_warning(http: TestClient) -> None:
    response = change_state(http, generate_uid(), "IN PROGRESS", TXN)
    assert response.status_code == 404
    assert response.headers["warning"] == warning("The workitem instance is not found.")


def test_without_accept_the_message_is_plain_text(http: TestClient) -> None:
    uid = create(http)
    body = {"00741000": element("CS", "COMPLETED"), "00081195": element("UI", TXN)}
    response = http.put(f"/v2/workitems/{uid}/state", json=[body],
                        headers={"Content-Type": "application/dicom+json"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text == "The workitem instance can not transition to 'COMPLETED' state: C301."


# -- update ----------------------------------------------------------------------------

LABEL = {"00741204": element("LO", "CT head, contrast")}


def test_a_scheduled_workitem_is_updated_without_a_transaction_uid(http: TestClient) -> None:
    uid = create(http)
    before = stored(http, uid)["00404010"]["Value"][0]
    response = update(http, uid, LABEL)
    assert response.status_code == 200
    assert response.headers["content-location"] == f"http://testserver/v2/workitems/{uid}"
    assert "warning" not in response.headers
    after = stored(http, uid)
    assert after["00741204"]["Value"] == ["CT head, contrast"]
    assert after["00404010"]["Value"][0] >= before  # the modification date time moves on
    assert after["00100010"]["Value"] == [{"Alphabetic": "Doe^Jane"}]  # the rest is kept


@pytest.mark.parametrize(("first", "txn", "status", "message"), [
    ("SCHEDULED", TXN, 400, "Invalid TransactionUID for the specified Workitem Instance UID."),
    ("IN PROGRESS", None, 400, "The target URI did not reference a claimed Workitem."),
    ("IN PROGRESS", "1.2.3", 400, "The target URI did not reference a claimed Workitem."),
    ("COMPLETED", TXN, 400, "The submitted request is inconsistent with the current state of "
                            "the Workitem. The UPS is already COMPLETED."),
])
def test_an_update_the_state_refuses(http: TestClient, first: str, txn: str | None,
                                     status: int, message: str) -> None:
    uid = _reach(http, first)
    response = update(http, uid, LABEL, txn)
    assert response.status_code == status
    assert response.json() == message
    assert response.headers["warning"] == warning(message)
    assert stored(http, uid)["00741204"]["Value"] == ["CT head"]


def test_an_update_of_a_canceled_workitem_is_a_409(http: TestClient) -> None:
    uid = create(http)
    assert cancel_request(http, uid).status_code == 202
    response = update(http, uid, LABEL)
    assert response.status_code == 409  # the service's "update conflict" code is 0xC304 too
    assert response.json() == ("The submitted request is inconsistent with the current state "
                               "of the Workitem. The UPS is already in the requested state of "
                               "CANCELED.")


def test_an_update_of_an_unknown_workitem_is_400(http: TestClient) -> None:
    response = update(http, generate_uid(), LABEL)
    assert response.status_code == 400
    assert response.json() == "The target URI did not reference a claimed Workitem."


@pytest.mark.parametrize(("changes", "message"), [
    ({"00741000": element("CS", "COMPLETED")},
     "The attribute with tag '(0074,1000)' cannot be present."),
    ({"00100010": element("PN", {"Alphabetic": "Other^Name"})},
     "The attribute with tag '(0010,0010)' cannot be present."),
    ({"00080018": element("UI", "1.2.3")},
     "The attribute with tag '(0008,0018)' cannot be present."),
    ({"00741204": element("LO")}, "The value for tag '(0074,1204)' is missing."),
])
def test_an_update_the_update_table_refuses(http: TestClient, changes: dict[str, Any],
                                            message: str) -> None:
    uid = create(http)
    response = update(http, uid, changes)
    assert response.status_code == 400
    assert response.json() == message
    assert state_of(http, uid) == "SCHEDULED"


def test_an_invalid_transaction_uid_in_the_query_is_400(http: TestClient, claimed: str) -> None:
    response = update(http, claimed, LABEL, "1.2.x")
    assert response.status_code == 400
    assert response.text.startswith("Dicom element 'TransactionUid' failed validation")


# -- request cancellation --------------------------------------------------------------


def test_a_scheduled_workitem_is_canceled_on_request(http: TestClient) -> None:
    uid = create(http)
    response = cancel_request(http, uid, "Patient did not come")
    assert response.status_code == 202
    assert response.text == '"The workitem instance has been cancelled."'
    assert "warning" not in response.headers
    item = stored(http, uid)
    assert item["00741000"]["Value"] == ["CANCELED"]
    reason = item["0074100E"]["Value"][0]["00741238"]["Value"]
    assert reason == ["Patient did not come"]


def test_a_second_cancellation_request_is_409_with_the_warning(http: TestClient) -> None:
    uid = create(http)
    assert cancel_request(http, uid).status_code == 202
    response = cancel_request(http, uid)
    text = "The UPS is already in the requested state of CANCELED."
    assert response.status_code == 409
    assert response.json() == text
    assert response.headers["warning"] == warning(text)


@pytest.mark.parametrize(("first", "code"), [("IN PROGRESS", "C312"), ("COMPLETED", "C311")])
def test_cancellation_requests_for_claimed_or_completed_are_400(http: TestClient, first: str,
                                                                 code: str) -> None:
    uid = _reach(http, first)
    response = cancel_request(http, uid)
    assert response.status_code == 400
    # As ASP.NET's JSON formatter writes it: ' escaped.
    assert response.text == ('"The workitem instance can not transition to \\u0027Canceled'
                             f'\\u0027 state: {code}."')
    assert "warning" not in response.headers
    assert state_of(http, uid) == first


def test_a_cancellation_request_for_an_unknown_workitem_is_404(http: TestClient) -> None:
    response = cancel_request(http, generate_uid())
    assert response.status_code == 404
    assert response.json() == "The workitem instance is not found."


# -- the transition table --------------------------------------------------------------


@pytest.mark.parametrize(("current", "action", "matching", "expected"), [
    (State.SCHEDULED, Action.TO_IN_PROGRESS, True, (State.IN_PROGRESS, "", False)),
    (State.IN_PROGRESS, Action.TO_COMPLETED, True, (State.COMPLETED, "", False)),
    (State.IN_PROGRESS, Action.TO_CANCELED, True, (State.NONE, "", False)),
    (State.SCHEDULED, Action.REQUEST_CANCEL, True, (State.CANCELED, "", False)),
    (State.CANCELED, Action.REQUEST_CANCEL, True, (State.NONE, "B304", False)),
    (State.COMPLETED, Action.TO_COMPLETED, False, (State.NONE, "C301", True)),
    (State.CANCELED, Action.TO_IN_PROGRESS, True, (State.NONE, "C300", True)),
    (State.NONE, Action.TO_IN_PROGRESS, True, (State.NONE, "C307", True)),
])
def test_transition_table(current: State, action: Action, matching: bool,
                          expected: tuple[State, str, bool]) -> None:
    found = transition(current, action, matching)
    assert (found.state, found.code, found.is_error) == expected


def test_the_final_states_are_final() -> None:
    for state in (State.COMPLETED, State.CANCELED):
        for action in (Action.TO_IN_PROGRESS, Action.REQUEST_CANCEL):
            found = transition(state, action)
            assert found.state is State.NONE and (found.is_error or found.warning)
