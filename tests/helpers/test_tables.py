"""dicom_table: DICOM JSON and Datasets as keyword-named DataFrame columns."""

from __future__ import annotations

import pandas as pd
import pytest
from pydicom.dataset import Dataset

from helpers.tables import dicom_table

STUDY = {
    "00100010": {"vr": "PN", "Value": [{"Alphabetic": "Doe^Jane"}]},
    "0020000D": {"vr": "UI", "Value": ["1.2.3"]},
    "00080061": {"vr": "CS", "Value": ["CT", "MR"]},
    "00080050": {"vr": "SH"},
    "00081111": {"vr": "SQ", "Value": [{}]},
    "7FE00010": {"vr": "OW", "BulkDataURI": "http://x"},
}


def test_columns_are_keywords_in_tag_order_with_plain_values() -> None:
    table = dicom_table([STUDY])
    assert list(table.columns) == ["AccessionNumber", "ModalitiesInStudy", "PatientName",
                                   "StudyInstanceUID"]
    row = table.iloc[0]
    assert row.PatientName == "Doe^Jane" and row.ModalitiesInStudy == "CT\\MR"
    assert pd.isna(row.AccessionNumber)


def test_chosen_columns_keep_their_order_and_fill_gaps() -> None:
    ds = Dataset()
    ds.PatientID = "ID1"
    table = dicom_table([STUDY, ds], ["PatientID", "StudyInstanceUID"])
    assert list(table.columns) == ["PatientID", "StudyInstanceUID"]
    assert pd.isna(table.PatientID[0]) and table.PatientID[1] == "ID1"
    assert table.StudyInstanceUID[0] == "1.2.3" and pd.isna(table.StudyInstanceUID[1])


def test_unknown_keyword_is_refused() -> None:
    with pytest.raises(ValueError, match="PatientNme"):
        dicom_table([STUDY], ["PatientNme"])
