"""The UPS requirement tables as read from their text, and the code semantics, checked on
small datasets (``DicomDatasetExtensions.ValidateAllRequirements`` at eeefbe4)."""

from __future__ import annotations

import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from dicom_emulator.dicom.tags import keyword_tag
from dicom_emulator.features.workitems.failures import Failure, WorkitemFailure
from dicom_emulator.features.workitems.final_state import check_final_state
from dicom_emulator.features.workitems.requirements import (
    Requirement,
    Transaction,
    check_requirements,
    requirements_for,
)


def _find(requirements: tuple[Requirement, ...], keyword: str) -> list[Requirement]:
    return [r for r in requirements if r.tag == keyword_tag(keyword)]


def test_create_and_update_differ_where_the_table_says() -> None:
    create, update = requirements_for(Transaction.CREATE), requirements_for(Transaction.UPDATE)
    assert [r.code for r in _find(create, "TransactionUID")] == ["2/2", "empty"]
    assert _find(update, "TransactionUID") == []
    assert [r.code for r in _find(create, "ProcedureStepState")] == ["1/1"]
    assert [r.code for r in _find(update, "ProcedureStepState")] == ["-"]
    # PatientBirthDate is in two modules, and both rules apply.
    assert [r.code for r in _find(create, "PatientBirthDate")] == ["2/2", "3/3"]
    [performed] = _find(update, "UnifiedProcedureStepPerformedProcedureSequence")
    assert performed.items is not None
    [output] = _find(performed.items, "OutputInformationSequence")
    assert output.code == "2/2" and output.items is not None
    assert [r.code for r in _find(output.items, "TypeOfInstances")] == ["1/1"]


def _checked(ds: Dataset, *requirements: Requirement) -> str | None:
    try:
        check_requirements(ds, requirements)
    except WorkitemFailure as failure:
        return failure.message
    return None


NAME = keyword_tag("PatientName")
SEQ, CODE = keyword_tag("ScheduledWorkitemCodeSequence"), keyword_tag("CodeMeaning")


@pytest.mark.parametrize(("code", "absent", "empty"), [
    ("1/1", "The required tag '(0010,0010)' is missing.",
     "The value for tag '(0010,0010)' is missing."),
    ("2/2", "The required tag '(0010,0010)' is missing.", None),
    ("2/1", "The required tag '(0010,0010)' is missing.", None),
    ("3/3", None, "The value for tag '(0010,0010)' is missing."),
    ("1C/2", None, "The value for tag '(0010,0010)' is missing."),
    ("2C/2C", None, None),
    ("empty", None, None),
])
def test_what_each_code_asks(code: str, absent: str | None, empty: str | None) -> None:
    assert _checked(Dataset(), Requirement(NAME, code)) == absent
    ds = Dataset()
    ds.PatientName = ""
    assert _checked(ds, Requirement(NAME, code)) == empty


def test_items_are_checked_only_when_the_sequence_has_some_or_is_1_1() -> None:
    items = (Requirement(CODE, "1/1"),)
    ds = Dataset()
    ds.ScheduledWorkitemCodeSequence = Sequence([])
    assert _checked(ds, Requirement(SEQ, "2/2", items)) is None
    ds.ScheduledWorkitemCodeSequence = Sequence([Dataset()])
    assert _checked(ds, Requirement(SEQ, "2/2", items)) == (
        "The required tag '(0008,0104)' is missing.")
    assert _checked(ds, Requirement(SEQ, "3/3", items)) == (
        "The required tag '(0008,0104)' is missing.")


def test_a_forbidden_sequence_is_refused_without_looking_inside() -> None:
    ds = Dataset()
    ds.ScheduledWorkitemCodeSequence = Sequence([Dataset()])
    message = _checked(ds, Requirement(SEQ, "-", (Requirement(CODE, "1/1"),)))
    assert message == "The attribute with tag '(0040,4018)' cannot be present."


def test_the_failure_codes_are_the_services() -> None:
    with pytest.raises(WorkitemFailure) as missing:
        check_requirements(Dataset(), (Requirement(NAME, "1/1"),))
    assert missing.value.code is Failure.MISSING_ATTRIBUTE
    assert Failure.UPDATE_CONFLICT is Failure.ALREADY_CANCELED  # both 0xC304 in the service


def test_the_final_state_rules_depend_on_the_state_named() -> None:
    ds = Dataset()
    for keyword in ("SOPClassUID", "SOPInstanceUID", "ScheduledProcedureStepPriority",
                    "ScheduledProcedureStepModificationDateTime",
                    "ScheduledProcedureStepStartDateTime", "InputReadinessState"):
        setattr(ds, keyword, "1")
    ds.ProcedureStepState = "IN PROGRESS"
    check_final_state(ds)  # not a final state: nothing is required
    ds.ProcedureStepState = "COMPLETED"
    with pytest.raises(WorkitemFailure, match=r"'\(0074,1216\)' is missing"):
        check_final_state(ds)
    ds.ProcedureStepState = "CANCELED"
    with pytest.raises(WorkitemFailure, match=r"'\(0074,1002\)' is missing"):
        check_final_state(ds)
