"""Workitem test data and calls shared by the worklist tests (in-process HTTP)."""

from __future__ import annotations

from typing import Any

from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from helpers.workitems import build_workitem

DICOM_JSON = "application/dicom+json"
HEADERS = {"Accept": DICOM_JSON, "Content-Type": DICOM_JSON}


def element(vr: str, *values: Any) -> dict[str, Any]:
    return {"vr": vr, "Value": list(values)} if values else {"vr": vr}


def scheduled(**fields: Any) -> dict[str, Any]:
    """A valid create dataset (the kit's builder), with ``fields`` overriding its defaults."""
    args: dict[str, Any] = {"patient_name": "Doe^Jane", "patient_id": "PID-1",
                            "procedure_step_label": "CT head", "scheduled_start": "20261202090000"}
    args.update(fields)
    return build_workitem(**args)


def create(http: TestClient, dataset: dict[str, Any] | None = None, uid: str | None = None,
           version: str = "v2") -> str:
    """Create a workitem (201 asserted); its UID."""
    uid = uid or generate_uid()
    response = http.post(f"/{version}/workitems?{uid}", json=[dataset or scheduled()],
                         headers=HEADERS)
    assert response.status_code == 201, response.text
    return uid


def change_state(http: TestClient, uid: str, state: str, transaction_uid: str | None,
                 version: str = "v2") -> Any:
    body: dict[str, Any] = {"00741000": element("CS", state)}
    if transaction_uid is not None:
        body["00081195"] = element("UI", transaction_uid)
    return http.put(f"/{version}/workitems/{uid}/state", json=[body], headers=HEADERS)


def stored(http: TestClient, uid: str) -> dict[str, Any]:
    response = http.get(f"/v2/workitems/{uid}", headers={"Accept": DICOM_JSON})
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def state_of(http: TestClient, uid: str) -> str:
    return str(stored(http, uid)["00741000"]["Value"][0])


def performed(station: str = "CT1") -> dict[str, Any]:
    """An update that records what was performed: what COMPLETED needs."""
    code = {"00080100": element("SH", station), "00080104": element("LO", "Station")}
    return {"00741216": element("SQ", {
        "00404028": element("SQ", code),
        "00404050": element("DT", "20261202090500"),
        "00404019": element("SQ", {"00080104": element("LO", "Done")}),
        "00404051": element("DT", "20261202091500"),
        "00404033": element("SQ", {
            "0040E020": element("CS", "DICOM"),
            "00081199": element("SQ", {"00081150": element("UI", "1.2.840.10008.5.1.4.1.1.2"),
                                       "00081155": element("UI", generate_uid())}),
        }),
    })}
