"""The worklist (UPS-RS): schedule procedure steps, find them, claim, update, complete, cancel.

A *workitem* is one Unified Procedure Step: SCHEDULED when created, IN PROGRESS once a
performer claims it with a Transaction UID of its own, then COMPLETED or CANCELED (final).
Anyone may *request* the cancellation of a SCHEDULED workitem; only its performer, with the
Transaction UID, may update, complete or cancel one IN PROGRESS. The service never returns
the Transaction UID: keep the one :func:`claim_workitem` gives you.

:func:`build_workitem` makes a create dataset from a few fields: the service demands
every attribute of PS3.4 Table CC.2.5-3 that is "required" at create, many of them empty,
so the builder fills those in. Functions take a ``requests.Session`` (or anything with
``get``/``post``/``put``) and the versioned base URL, e.g. ``client.base_url``; an error
answer raises :class:`requests.HTTPError` with the service's message.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydicom.uid import generate_uid

from helpers._http import checked

__all__ = [
    "DICOM_JSON",
    "build_workitem",
    "cancel_workitem",
    "change_workitem_state",
    "claim_workitem",
    "complete_workitem",
    "create_workitem",
    "request_workitem_cancellation",
    "retrieve_workitem",
    "search_for_workitems",
    "update_workitem",
    "workitem_summary",
]

DICOM_JSON = "application/dicom+json"
HEADERS = {"Accept": DICOM_JSON, "Content-Type": DICOM_JSON}
Json = dict[str, Any]


def _el(vr: str, *values: Any) -> Json:
    return {"vr": vr, "Value": list(values)} if values else {"vr": vr}


def _code(value: str, meaning: str, scheme: str = "99LOCAL") -> Json:
    return {"00080100": _el("SH", value), "00080102": _el("SH", scheme),
            "00080104": _el("LO", meaning)}


def _dt(value: datetime | str) -> str:
    return value.strftime("%Y%m%d%H%M%S") if isinstance(value, datetime) else value


def build_workitem(
    patient_name: str, patient_id: str, procedure_step_label: str,
    scheduled_start: datetime | str, *, sop_instance_uid: str | None = None,
    priority: str = "MEDIUM", station_name: tuple[str, str] | None = None,
    accession_number: str | None = None, requested_procedure_id: str | None = None,
    study_instance_uid: str | None = None, patient_birth_date: str = "19700101",
    patient_sex: str = "O", admission_id: str = "1",
    admitting_diagnoses: str = "None given",
) -> Json:
    """A create dataset (DICOM JSON) for one scheduled procedure step.

    ``station_name`` is a (code value, code meaning) pair for the station that should do
    it; ``accession_number`` and ``requested_procedure_id`` describe the imaging request
    it serves (both searchable). The patient's birth date, sex, admission ID and admitting
    diagnoses have defaults because the service refuses them empty.
    """
    ds: Json = {
        "00081195": _el("UI"),  # TransactionUID: present, and empty, at create
        "00741200": _el("CS", priority),
        "00741204": _el("LO", procedure_step_label),
        "00404005": _el("DT", _dt(scheduled_start)),
        "00404041": _el("CS", "READY"),  # InputReadinessState
        "00400400": _el("LT"),  # CommentsOnTheScheduledProcedureStep
        "00100010": _el("PN", {"Alphabetic": patient_name}),
        "00100020": _el("LO", patient_id),
        "00100021": _el("LO"),  # IssuerOfPatientID
        "00100030": _el("DA", patient_birth_date),
        "00100040": _el("CS", patient_sex),
        "00380010": _el("LO", admission_id),
        "00081080": _el("LO", admitting_diagnoses),
        "00081084": _el("SQ", _code("UNK", admitting_diagnoses)),
        "00380014": _el("SQ", {}),  # IssuerOfAdmissionIDSequence: one empty item
    }
    for empty_sequence in ("00741210", "00404026", "00404027", "00404018", "00404021",
                           "00100024", "00101002", "00741002", "00741216"):
        ds[empty_sequence] = _el("SQ")
    ds["00404025"] = _el("SQ", _code(*station_name)) if station_name else _el("SQ")
    request: list[Json] = []
    if accession_number or requested_procedure_id:
        request.append({
            "0020000D": _el("UI", study_instance_uid or generate_uid()),
            "00080050": _el("SH", *([accession_number] if accession_number else [])),
            "00401001": _el("SH", *([requested_procedure_id] if requested_procedure_id else [])),
            "00321060": _el("LO"), "00321064": _el("SQ"), "00080051": _el("SQ"),
            "00400026": _el("SQ"), "00400027": _el("SQ"),
        })
    ds["0040A370"] = _el("SQ", *request)
    if study_instance_uid:
        ds["0020000D"] = _el("UI", study_instance_uid)
    if sop_instance_uid:
        ds["00080018"] = _el("UI", sop_instance_uid)
    return ds


def create_workitem(session: Any, base_url: str, dataset: Json,
                    workitem_uid: str | None = None) -> str:
    """Schedule a workitem (``POST /workitems[?{uid}]``, 201); its URL (Location)."""
    url = f"{base_url}/workitems" + (f"?{workitem_uid}" if workitem_uid else "")
    response = checked(session.post(url, json=[dataset], headers=HEADERS))
    return str(response.headers["Location"])


def retrieve_workitem(session: Any, base_url: str, workitem_uid: str) -> Json:
    """A workitem's dataset (``GET /workitems/{uid}``), without its Transaction UID."""
    response = checked(session.get(f"{base_url}/workitems/{workitem_uid}",
                                   headers={"Accept": DICOM_JSON}))
    found: Json = response.json()
    return found


def search_for_workitems(session: Any, base_url: str, **params: Any) -> list[Json]:
    """Workitems matching ``params`` (``GET /workitems?…``; attribute keywords or tag
    paths as names, plus ``limit``, ``offset``, ``fuzzymatching``, ``includefield``)."""
    response = checked(session.get(f"{base_url}/workitems", params=params,
                                   headers={"Accept": DICOM_JSON}))
    return [] if response.status_code == 204 else list(response.json())


def update_workitem(session: Any, base_url: str, workitem_uid: str, changes: Json,
                    transaction_uid: str | None = None) -> None:
    """Change a workitem's attributes (``POST /workitems/{uid}[?{txn}]``); one that is
    IN PROGRESS needs its Transaction UID, one SCHEDULED must not get one."""
    url = f"{base_url}/workitems/{workitem_uid}"
    url += f"?{transaction_uid}" if transaction_uid else ""
    checked(session.post(url, json=[changes], headers=HEADERS))


def change_workitem_state(session: Any, base_url: str, workitem_uid: str, state: str,
                          transaction_uid: str) -> str:
    """``PUT /workitems/{uid}/state`` to ``IN PROGRESS``, ``COMPLETED`` or ``CANCELED``;
    the service's message (a warning when nothing changed)."""
    body = {"00081195": _el("UI", transaction_uid), "00741000": _el("CS", state)}
    response = checked(session.put(f"{base_url}/workitems/{workitem_uid}/state", json=[body],
                                   headers=HEADERS))
    return str(response.json()) if response.content else ""


def claim_workitem(session: Any, base_url: str, workitem_uid: str,
                   transaction_uid: str | None = None) -> str:
    """Take a SCHEDULED workitem (to IN PROGRESS); the Transaction UID to keep."""
    transaction_uid = transaction_uid or generate_uid()
    change_workitem_state(session, base_url, workitem_uid, "IN PROGRESS", transaction_uid)
    return transaction_uid


def complete_workitem(session: Any, base_url: str, workitem_uid: str, transaction_uid: str,
                      *, station_name: tuple[str, str], output_sop_class_uid: str,
                      output_sop_instance_uid: str, started: datetime | str,
                      ended: datetime | str) -> None:
    """Record what was performed (an update), then complete (``COMPLETED``): a workitem
    completes only with its performed station, workitem code, times and outputs."""
    performed = {
        "00404028": _el("SQ", _code(*station_name)),  # PerformedStationNameCodeSequence
        "00404050": _el("DT", _dt(started)),
        "00404019": _el("SQ", _code("DONE", "Performed as scheduled")),
        "00404051": _el("DT", _dt(ended)),
        "00404033": _el("SQ", {  # OutputInformationSequence: what it made
            "0040E020": _el("CS", "DICOM"),
            "00081199": _el("SQ", {"00081150": _el("UI", output_sop_class_uid),
                                   "00081155": _el("UI", output_sop_instance_uid)}),
        }),
    }
    update_workitem(session, base_url, workitem_uid, {"00741216": _el("SQ", performed)},
                    transaction_uid)
    change_workitem_state(session, base_url, workitem_uid, "COMPLETED", transaction_uid)


def cancel_workitem(session: Any, base_url: str, workitem_uid: str, transaction_uid: str,
                    reason: str) -> None:
    """As its performer, stop a workitem IN PROGRESS: record why (an update), then
    ``CANCELED``."""
    progress = {
        "00404052": _el("DT", datetime.now().strftime("%Y%m%d%H%M%S")),
        "0074100E": _el("SQ", _code("CANCELED", reason)),
        "00741238": _el("LT", reason),  # ReasonForCancellation
    }
    update_workitem(session, base_url, workitem_uid, {"00741002": _el("SQ", progress)},
                    transaction_uid)
    change_workitem_state(session, base_url, workitem_uid, "CANCELED", transaction_uid)


def request_workitem_cancellation(session: Any, base_url: str, workitem_uid: str, reason: str,
                                  contact_name: str = "", contact_uri: str = "") -> str:
    """Ask for a SCHEDULED workitem to be canceled (``POST …/cancelrequest``, 202); the
    service's message."""
    body = {"00741238": _el("LT", reason)}  # ReasonForCancellation
    if contact_name:
        body["0074100C"] = _el("LO", contact_name)  # ContactDisplayName
    if contact_uri:
        body["0074100A"] = _el("UR", contact_uri)  # ContactURI
    response = checked(session.post(f"{base_url}/workitems/{workitem_uid}/cancelrequest",
                                    json=[body], headers=HEADERS))
    return str(response.json())


def _value(ds: Json, tag: str) -> Any:
    values = ds.get(tag, {}).get("Value") or [None]
    first = values[0]
    return first.get("Alphabetic") if isinstance(first, dict) else first


def workitem_summary(ds: Json) -> dict[str, Any]:
    """The few fields of a workitem a worklist shows, for a table."""
    return {"workitem": _value(ds, "00080018"), "patient": _value(ds, "00100010"),
            "patient_id": _value(ds, "00100020"), "label": _value(ds, "00741204"),
            "start": _value(ds, "00404005"), "state": _value(ds, "00741000")}
