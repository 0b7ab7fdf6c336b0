"""Workitem datasets between DICOM JSON and pydicom, and the edits the service makes to them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from dicom_emulator.dicom.reading import json_dict_without_invalid
from dicom_emulator.dicom.tags import format_tag, keyword_tag

__all__ = ["from_json", "merged", "now_date_time", "text", "to_json", "without_transaction_uid"]


def from_json(item: dict[str, Any]) -> Dataset:
    """A pydicom dataset from one DICOM JSON dataset (``ValueError`` if it is none)."""
    try:
        return Dataset.from_json(item)
    except (TypeError, KeyError, AttributeError, ValueError) as exc:
        raise ValueError(str(exc)) from exc


def to_json(ds: Dataset) -> dict[str, Any]:
    return json_dict_without_invalid(ds)


def text(ds: Dataset, keyword: str) -> str | None:
    """An attribute's value as one string (values joined by ``\\``), None when absent."""
    if keyword not in ds:
        return None
    value = ds[keyword].value
    if value is None:
        return ""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        return str(value)
    return "\\".join(str(v) for v in value)


def now_date_time() -> str:
    """The service's ``DateTime.UtcNow`` as a DT value."""
    return datetime.now(UTC).strftime("%Y%m%d%H%M%S.%f")


def merged(existing: Dataset, changes: Dataset) -> Dataset:
    """``existing`` with each top-level attribute of ``changes`` added or replaced
    (a sequence replaced whole), as the service's update merges."""
    out = Dataset()
    out.update(existing)
    for elem in changes:
        out[elem.tag] = elem
    return out


def without_transaction_uid(dataset: dict[str, Any]) -> dict[str, Any]:
    """A stored dataset as the service returns it: never with its Transaction UID."""
    key = format_tag(keyword_tag("TransactionUID"))
    return {k: v for k, v in dataset.items() if k != key}


def sequence(*items: Dataset) -> Sequence:
    return Sequence(list(items))
