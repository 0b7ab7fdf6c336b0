"""Checking a workitem dataset against the UPS requirement codes, the service's way.

The tables are text (:mod:`.requirement_modules`, :mod:`.requirement_macros`), read once
into :class:`Requirement` trees for create and for update. The semantics are the
service's (``DicomDatasetExtensions.ValidateAllRequirements``): codes 1/1, 2/1 and 2/2
need the attribute present; 1/1, 3/x and 1C/x need any attribute that is present to have
a value (a string VR also something besides spaces); ``-`` forbids it, ``empty`` forbids a
value. A top-level sequence's items are checked only when it has items or is 1/1, and
never under a ``-`` code; nested sequences' items are always checked. The first failure
wins, in table order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from pydicom.datadict import dictionary_VR
from pydicom.dataset import Dataset

from dicom_emulator.dicom.tags import keyword_tag
from dicom_emulator.dicom.validation import tag_text
from dicom_emulator.features.workitems.failures import Failure, WorkitemFailure
from dicom_emulator.features.workitems.messages import (
    MISSING_TAG,
    MISSING_VALUE,
    MUST_BE_EMPTY,
    MUST_NOT_BE_EMPTY,
    NOT_ALLOWED,
)
from dicom_emulator.features.workitems.requirement_macros import MACROS
from dicom_emulator.features.workitems.requirement_modules import MODULES

__all__ = ["Requirement", "check_present", "check_requirements", "requirements_for", "value_count"]

_MANDATORY = frozenset({"1/1", "2/1", "2/2"})
_NON_ZERO = frozenset({"1/1", "3/1", "3/2", "3/3", "1C/1", "1C/1C", "1C/2"})
# The VRs whose value is also refused when it is only spaces (the service's StringVRs).
_STRING_VRS = frozenset({"AE", "AS", "CS", "DA", "DT", "LO", "LT", "PN", "SH", "ST", "TM", "UC",
                         "UI", "UR", "UT"})


class Transaction(StrEnum):
    CREATE = "Create"
    UPDATE = "Update"


@dataclass(frozen=True)
class Requirement:
    """One attribute's requirement code, and its items' requirements if a sequence."""

    tag: int
    code: str
    items: tuple[Requirement, ...] | None = None


# -- the table -------------------------------------------------------------------------


def _blocks() -> dict[str, list[str]]:
    blocks: dict[str, list[str]] = {}
    current: list[str] = []
    for line in (MODULES + MACROS).splitlines():
        if line.startswith("["):
            current = blocks.setdefault(line.strip("[]"), [])
        elif line.strip():
            current.append(line)
    return blocks


def _parse(lines: list[str], blocks: dict[str, list[str]], update: bool,
           depth: int = 0) -> tuple[Requirement, ...]:
    out: list[Requirement] = []
    i = 0
    while i < len(lines):
        text = lines[i][2 * depth:]
        i += 1
        # The lines below at deeper indent are this attribute's items.
        nested: list[str] = []
        while i < len(lines) and lines[i].startswith("  " * (depth + 1)):
            nested.append(lines[i])
            i += 1
        words = text.split()
        if words[0].startswith("@"):
            out.extend(_parse(blocks[words[0][1:]], blocks, update))
            continue
        keyword, codes = words[0], words[1].split("|")
        code = codes[-1] if update else codes[0]
        items: tuple[Requirement, ...] | None = None
        if len(words) > 2:
            items = _parse(blocks[words[2][1:]], blocks, update)
        elif nested:
            items = _parse(nested, blocks, update, depth + 1)
        out.append(Requirement(keyword_tag(keyword), code, items))
    return tuple(out)


@cache
def requirements_for(transaction: Transaction) -> tuple[Requirement, ...]:
    """The requirements a create or an update dataset is checked against."""
    blocks = _blocks()
    return _parse(blocks[transaction.value], blocks, transaction is Transaction.UPDATE)


# -- the checks ------------------------------------------------------------------------


def value_count(ds: Dataset, tag: int) -> int:
    """fo-dicom's ``GetValueCount``: items of a sequence, values of an element."""
    value = ds[tag].value
    if value is None or value == "" or value == b"":
        return 0
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        return 1
    return len(list(value))


def _text(ds: Dataset, tag: int) -> str:
    value = ds[tag].value
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        return str(value)
    return "\\".join(str(v) for v in value)


def check_present(ds: Dataset, tag: int, mandatory: bool = True, non_zero: bool = True) -> None:
    """The service's ``ValidateRequiredAttribute``.

    Raises
    ------
    WorkitemFailure
        ``The required tag '…' is missing.`` (288), ``The value for tag '…' is missing.``
        (289), or ``The attribute with tag '…' must not be empty.`` (43264).
    """
    if mandatory and tag not in ds:
        raise WorkitemFailure(Failure.MISSING_ATTRIBUTE, MISSING_TAG.format(tag_text(tag)))
    if non_zero and tag in ds:
        if value_count(ds, tag) < 1:
            raise WorkitemFailure(Failure.MISSING_ATTRIBUTE_VALUE,
                                  MISSING_VALUE.format(tag_text(tag)))
        if dictionary_VR(tag) in _STRING_VRS and not _text(ds, tag).strip():
            raise WorkitemFailure(Failure.VALIDATION, MUST_NOT_BE_EMPTY.format(tag_text(tag)))


def _check_one(ds: Dataset, requirement: Requirement) -> None:
    tag, code = requirement.tag, requirement.code
    if code == "-":
        if tag in ds:
            raise WorkitemFailure(Failure.VALIDATION, NOT_ALLOWED.format(tag_text(tag)))
    elif code == "empty":
        if tag in ds and value_count(ds, tag) > 0:
            raise WorkitemFailure(Failure.VALIDATION, MUST_BE_EMPTY.format(tag_text(tag)))
    else:
        check_present(ds, tag, code in _MANDATORY, code in _NON_ZERO)


def _check_items(ds: Dataset, tag: int, requirements: Sequence[Requirement]) -> None:
    if tag not in ds or ds[tag].VR != "SQ":
        return
    for item in ds[tag].value:
        for requirement in requirements:
            _check_one(item, requirement)
            if requirement.items is not None:
                _check_items(item, requirement.tag, requirement.items)


def check_requirements(ds: Dataset, requirements: Sequence[Requirement]) -> None:
    """Check ``ds`` against a create or update table (see the module docstring).

    Raises
    ------
    WorkitemFailure
        The first requirement ``ds`` does not meet, with the service's message.
    """
    for requirement in requirements:
        _check_one(ds, requirement)
        if requirement.items is None or requirement.code == "-":
            continue
        has_items = requirement.tag in ds and value_count(ds, requirement.tag) > 0
        if requirement.code == "1/1" or has_items:
            _check_items(ds, requirement.tag, requirement.items)
