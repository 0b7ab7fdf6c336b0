"""DICOM JSON (QIDO results, metadata) as pandas tables with keyword column names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from pydicom.datadict import keyword_for_tag, tag_for_keyword
from pydicom.dataset import Dataset

__all__ = ["dicom_table"]


def dicom_table(items: Sequence[Mapping[str, Any] | Dataset],
                keywords: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per dataset, one column per attribute (named by keyword).

    Parameters
    ----------
    items : sequence of DICOM JSON dicts or pydicom Datasets
        For example the result of ``client.search_for_studies()``.
    keywords : sequence of str, optional
        Columns to show, in this order; by default every attribute present, in tag order.
        Sequences and binary values are left out.

    Returns
    -------
    pandas.DataFrame
        Person names as their alphabetic form, several values joined with ``\\``,
        absent or empty values missing (``None`` or ``NaN``).

    Examples
    --------
    >>> dicom_table([{"00100020": {"vr": "LO", "Value": ["ID1"]}}])
      PatientID
    0       ID1
    """
    rows = [_row(item.to_json_dict() if isinstance(item, Dataset) else item) for item in items]
    if keywords is None:
        tags = sorted({tag for row in rows for tag in row})
    else:
        tags = [_tag_of(keyword) for keyword in keywords]
    columns = [keyword_for_tag(int(tag, 16)) or tag for tag in tags]
    return pd.DataFrame([[row.get(tag) for tag in tags] for row in rows], columns=columns)


def _tag_of(keyword: str) -> str:
    tag = tag_for_keyword(keyword)
    if tag is None:
        raise ValueError(f"unknown DICOM keyword {keyword!r}")
    return f"{tag:08X}"


def _row(item: Mapping[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for tag, element in item.items():
        if element.get("vr") == "SQ" or "InlineBinary" in element or "BulkDataURI" in element:
            continue
        values = element.get("Value") or []
        values = [v.get("Alphabetic", "") if isinstance(v, dict) else v for v in values]
        if not values:
            row[tag.upper()] = None
        elif len(values) == 1:
            row[tag.upper()] = values[0]
        else:
            row[tag.upper()] = "\\".join(str(v) for v in values)
    return row
