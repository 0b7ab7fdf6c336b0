"""The worklist (UPS-RS) transactions, without HTTP: create, retrieve, update, change
state, request cancellation, search.

Each transaction answers an :class:`Answer`: an :class:`Outcome` and the service's message,
decided per transaction from the failure reason as the service's ``WorkitemResponseBuilder``
does (its quirks included: an update of a missing workitem is a plain failure, an update
of a CANCELED one a conflict). Bad input never changes what is stored: every check runs
before the one write, and the write happens only if the workitem is as it was read
(``storage.workitems``). Every transaction takes the partition's key.
Sources: ``WorkitemService.*.cs``, ``WorkitemDatasetValidator.*.cs`` at eeefbe4.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from pydicom.dataset import Dataset

from dicom_emulator.dicom.tags import keyword_tag
from dicom_emulator.dicom.validation import tag_text
from dicom_emulator.errors import BadRequestError
from dicom_emulator.features.workitems import datasets, messages
from dicom_emulator.features.workitems.datasets import now_date_time, text
from dicom_emulator.features.workitems.failures import Failure, WorkitemFailure
from dicom_emulator.features.workitems.final_state import check_final_state
from dicom_emulator.features.workitems.requirements import (
    Transaction,
    check_present,
    check_requirements,
    requirements_for,
)
from dicom_emulator.features.workitems.search import (
    WorkitemQuery,
    parse_workitem_query,
    query_values,
    result,
)
from dicom_emulator.features.workitems.states import Action, State, transition
from dicom_emulator.storage.workitems import StoredWorkitem, WorkitemExistsError, WorkitemStore

__all__ = ["Answer", "Outcome", "WorkitemService"]

UPS_PUSH_SOP_CLASS = "1.2.840.10008.5.1.4.34.6.1"
WORKLIST_LABEL = "worklist"  # what the service writes at create, whatever was sent
# The states a change-state request may name, as the service lists them in its message.
TARGET_STATES = ("IN PROGRESS", "CANCELED", "COMPLETED")
_CANCEL_CONFLICTS = (Failure.UPDATE_NOT_ALLOWED, Failure.PERFORMER_CHOOSES_NOT_TO_CANCEL,
                     Failure.ALREADY_CANCELED, Failure.ALREADY_COMPLETED)


class Outcome(Enum):
    SUCCESS = "success"
    FAILURE = "failure"
    CONFLICT = "conflict"
    NOT_FOUND = "not found"


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    message: str | None = None
    uid: str | None = None  # the workitem a success refers to (Location headers)
    dataset: dict[str, Any] | None = None


def _item(stored: StoredWorkitem) -> Dataset:
    return datasets.from_json(stored.dataset)


class WorkitemService:
    def __init__(self, store: WorkitemStore):
        self.store = store

    def _write(self, stored: StoredWorkitem, ds: Dataset, state: str,
               transaction_uid: str | None) -> bool:
        return self.store.replace(stored, state, transaction_uid, datasets.to_json(ds),
                                  query_values(ds))

    # -- create ------------------------------------------------------------------------

    def create(self, partition_key: int, ds: Dataset, uid: str | None) -> Answer:
        """``POST /workitems[?{uid}]``; ``uid`` is the query's (already a valid UID)."""
        ds.SOPClassUID = UPS_PUSH_SOP_CLASS
        if uid:
            if "SOPInstanceUID" in ds and text(ds, "SOPInstanceUID") != uid:
                # Outside the response builder: the error handler's plain-text 400.
                raise BadRequestError(messages.UID_MISMATCH)
            ds.SOPInstanceUID = uid
        ds.ScheduledProcedureStepModificationDateTime = now_date_time()
        ds.WorklistLabel = WORKLIST_LABEL
        ds.ProcedureStepState = State.SCHEDULED.value
        try:
            check_requirements(ds, requirements_for(Transaction.CREATE))
        except WorkitemFailure as failure:
            return Answer(Outcome.FAILURE, failure.message)
        workitem_uid = text(ds, "SOPInstanceUID") or ""
        try:
            self.store.add(partition_key, workitem_uid, State.SCHEDULED.value,
                           datasets.to_json(ds), query_values(ds))
        except WorkitemExistsError:
            return Answer(Outcome.CONFLICT, messages.ALREADY_EXISTS)
        return Answer(Outcome.SUCCESS, None, uid=workitem_uid)

    # -- retrieve ----------------------------------------------------------------------

    def retrieve(self, partition_key: int, uid: str) -> Answer:
        """``GET /workitems/{uid}``: the dataset without its Transaction UID."""
        stored = self.store.get(partition_key, uid)
        if stored is None:
            return Answer(Outcome.NOT_FOUND, messages.NOT_FOUND)
        return Answer(Outcome.SUCCESS, dataset=datasets.without_transaction_uid(stored.dataset))

    # -- update ------------------------------------------------------------------------

    def update(self, partition_key: int, uid: str, transaction_uid: str | None,
               ds: Dataset) -> Answer:
        """``POST /workitems/{uid}[?{transaction}]``: merge ``ds`` into the workitem."""
        stored = self.store.get(partition_key, uid)
        if stored is None:
            return Answer(Outcome.FAILURE, messages.NOT_CLAIMED)
        ds.ScheduledProcedureStepModificationDateTime = now_date_time()
        try:
            _check_update_allowed(stored, transaction_uid)
            check_requirements(ds, requirements_for(Transaction.UPDATE))
        except WorkitemFailure as failure:
            conflict = failure.code == Failure.UPDATE_CONFLICT
            return Answer(Outcome.CONFLICT if conflict else Outcome.FAILURE, failure.message)
        updated = datasets.merged(_item(stored), ds)
        if not self._write(stored, updated, stored.state, stored.transaction_uid):
            return Answer(Outcome.CONFLICT, messages.INCONSISTENT_STATE)
        return Answer(Outcome.SUCCESS, "", uid=uid)

    # -- change state ------------------------------------------------------------------

    def change_state(self, partition_key: int, uid: str, ds: Dataset) -> Answer:
        """``PUT /workitems/{uid}/state``: claim, complete or cancel with the Transaction UID."""
        try:
            target_text = _check_change_state_request(ds)
            stored = self.store.get(partition_key, uid)
            if stored is None:
                return Answer(Outcome.NOT_FOUND, messages.NOT_FOUND)
            target = State.parse(target_text)
            request_uid = text(ds, "TransactionUID")
            claim = not stored.transaction_uid and target is State.IN_PROGRESS
            action = {State.IN_PROGRESS: Action.TO_IN_PROGRESS, State.COMPLETED:
                      Action.TO_COMPLETED}.get(target, Action.TO_CANCELED)
            outcome = transition(State.parse(stored.state), action,
                                 claim or stored.transaction_uid == request_uid)
            if outcome.is_error:
                raise WorkitemFailure(Failure.VALIDATION, messages.TRANSITION_REFUSED.format(
                    target_text, outcome.code))
            prepared = _item(stored)
            prepared.TransactionUID = request_uid
            prepared.ProcedureStepState = target_text
            check_final_state(prepared)
        except WorkitemFailure as failure:
            return Answer(Outcome.FAILURE, failure.message)
        if outcome.warning:
            warning = messages.IN_FINAL_STATE.format(stored.state, outcome.code)
            return Answer(Outcome.SUCCESS, warning)
        if not self._write(stored, prepared, target.value, request_uid):
            return Answer(Outcome.FAILURE, messages.DATA_STORE_FAILED)
        return Answer(Outcome.SUCCESS, "")

    # -- request cancellation ----------------------------------------------------------

    def request_cancellation(self, partition_key: int, uid: str, ds: Dataset) -> Answer:
        """``POST /workitems/{uid}/cancelrequest``: cancel a SCHEDULED workitem."""
        stored = self.store.get(partition_key, uid)
        if stored is None:
            return Answer(Outcome.NOT_FOUND, messages.NOT_FOUND)
        current = State.parse(stored.state)
        outcome = transition(current, Action.REQUEST_CANCEL)
        prepared = _cancelled(_item(stored), ds, outcome.state)
        try:
            if outcome.is_error:
                # The service names the target by its enum name here: 'Canceled'.
                raise WorkitemFailure(Failure.VALIDATION, messages.TRANSITION_REFUSED.format(
                    "Canceled", outcome.code))
            if current is State.CANCELED:
                raise WorkitemFailure(Failure.ALREADY_CANCELED, messages.ALREADY_CANCELED)
            check_final_state(prepared)
        except WorkitemFailure as failure:
            conflict = failure.code in _CANCEL_CONFLICTS
            return Answer(Outcome.CONFLICT if conflict else Outcome.FAILURE, failure.message)
        if not self._write(stored, prepared, State.CANCELED.value, stored.transaction_uid):
            return Answer(Outcome.FAILURE, messages.DATA_STORE_FAILED)
        return Answer(Outcome.SUCCESS, messages.CANCELED)

    # -- search ------------------------------------------------------------------------

    def search(self, partition_key: int, params: list[tuple[str, str]]) -> list[dict[str, Any]]:
        """``GET /workitems?…``: matching workitems, newest first (``QueryParseError``)."""
        query: WorkitemQuery = parse_workitem_query(params)
        found = self.store.search(partition_key, query.filters, query.limit, query.offset)
        return [result(dataset, query) for dataset in found]


def _check_update_allowed(stored: StoredWorkitem, transaction_uid: str | None) -> None:
    """SCHEDULED: no Transaction UID; IN PROGRESS: the one it was claimed with; final
    states: never (``UpdateWorkitemDatasetValidator.ValidateWorkitemStateAndTransactionUid``)."""
    state = State.parse(stored.state)
    if state is State.SCHEDULED and transaction_uid:
        raise WorkitemFailure(Failure.TRANSACTION_UID_INCORRECT, messages.WRONG_TRANSACTION_UID)
    if state is State.IN_PROGRESS and not transaction_uid:
        raise WorkitemFailure(Failure.TRANSACTION_UID_ABSENT, messages.NOT_CLAIMED)
    if state is State.IN_PROGRESS and transaction_uid != stored.transaction_uid:
        raise WorkitemFailure(Failure.TRANSACTION_UID_INCORRECT, messages.NOT_CLAIMED)
    if state is State.COMPLETED:
        raise WorkitemFailure(Failure.ALREADY_COMPLETED,
                              f"{messages.INCONSISTENT_STATE} {messages.ALREADY_COMPLETED}")
    if state is State.CANCELED:
        raise WorkitemFailure(Failure.ALREADY_CANCELED,
                              f"{messages.INCONSISTENT_STATE} {messages.ALREADY_CANCELED}")


def _check_change_state_request(ds: Dataset) -> str:
    """The target state a change-state dataset names (``ChangeWorkitemStateDatasetValidator``)."""
    check_present(ds, keyword_tag("TransactionUID"))
    check_present(ds, keyword_tag("ProcedureStepState"))
    target = text(ds, "ProcedureStepState") or ""
    if target not in TARGET_STATES:
        # The service's text names the tag where it means the value.
        raise WorkitemFailure(Failure.VALIDATION, messages.UNEXPECTED_VALUE.format(
            tag_text(keyword_tag("ProcedureStepState")), ",".join(TARGET_STATES)))
    return target


def _cancelled(ds: Dataset, request: Dataset, state: State) -> Dataset:
    """The workitem with a cancellation request's attributes, in state ``state``."""
    now = now_date_time()
    reason = text(request, "ReasonForCancellation") or ""
    ds.ProcedureStepCancellationDateTime = now
    ds.ProcedureStepState = state.value
    ds.ProcedureStepDiscontinuationReasonCodeSequence = [_with(ReasonForCancellation=reason)]
    ds.ProcedureStepProgressInformationSequence = [_with(
        ProcedureStepCancellationDateTime=now,
        ProcedureStepDiscontinuationReasonCodeSequence=[_with(ReasonForCancellation=reason)],
        ProcedureStepCommunicationsURISequence=[_with(
            ContactURI=text(request, "ContactURI") or "",
            ContactDisplayName=text(request, "ContactDisplayName") or "")])]
    if "UnifiedProcedureStepPerformedProcedureSequence" in request:
        ds.UnifiedProcedureStepPerformedProcedureSequence = (
            request.UnifiedProcedureStepPerformedProcedureSequence)
    return ds


def _with(**attributes: Any) -> Dataset:
    item = Dataset()
    for keyword, value in attributes.items():
        setattr(item, keyword, value)
    return item
