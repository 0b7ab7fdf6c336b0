"""What a workitem must hold before it may become COMPLETED or CANCELED (PS3.4 Table CC.2.5-3,
"Final State" column; ``WorkitemFinalStateValidatorExtension.cs``).

Codes: R required in both final states, P only to complete, X only to cancel, O never;
RC is conditional, and the service never finds its condition true. Each listed attribute
must be present with a value; the items of a present sequence are checked in turn.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydicom.dataset import Dataset

from dicom_emulator.dicom.tags import keyword_tag
from dicom_emulator.features.workitems.requirements import check_present
from dicom_emulator.features.workitems.states import State, state_of

__all__ = ["check_final_state"]


@dataclass(frozen=True)
class _Final:
    keyword: str
    code: str
    items: tuple[_Final, ...] = ()


_TABLE = (
    _Final("TransactionUID", "O"),
    _Final("SpecificCharacterSet", "O"),  # the service relaxed it until it supports charsets
    _Final("SOPClassUID", "R"),
    _Final("SOPInstanceUID", "R"),
    _Final("ScheduledProcedureStepPriority", "R"),
    _Final("ScheduledProcedureStepModificationDateTime", "R"),
    _Final("ScheduledProcedureStepStartDateTime", "R"),
    _Final("InputReadinessState", "R"),
    _Final("ProcedureStepState", "R"),
    _Final("ProcedureStepProgressInformationSequence", "X", (
        _Final("ProcedureStepCancellationDateTime", "X"),
        _Final("ProcedureStepDiscontinuationReasonCodeSequence", "X"),
    )),
    _Final("UnifiedProcedureStepPerformedProcedureSequence", "P", (
        _Final("ActualHumanPerformersSequence", "RC", (
            _Final("HumanPerformerCodeSequence", "RC"),
            _Final("HumanPerformerName", "RC"),
        )),
        _Final("PerformedStationNameCodeSequence", "P"),
        _Final("PerformedProcedureStepStartDateTime", "P"),
        _Final("PerformedWorkitemCodeSequence", "P"),
        _Final("PerformedProcedureStepEndDateTime", "P"),
        _Final("OutputInformationSequence", "P"),
    )),
)


def _required(code: str, state: State) -> bool:
    return code == "R" or (code == "P" and state is State.COMPLETED) or (
        code == "X" and state is State.CANCELED)


def _check(ds: Dataset, entries: tuple[_Final, ...], state: State) -> None:
    for entry in entries:
        tag = keyword_tag(entry.keyword)
        if _required(entry.code, state):
            check_present(ds, tag)
        if entry.items and tag in ds and ds[tag].VR == "SQ":
            for item in ds[tag].value:
                _check(item, entry.items, state)


def check_final_state(ds: Dataset) -> None:
    """Check ``ds`` against the final-state column for the state it names (only when it
    names COMPLETED or CANCELED).

    Raises
    ------
    WorkitemFailure
        The first attribute that is missing or has no value.
    """
    state = state_of(ds)
    if state.final:
        _check(ds, _TABLE, state)
