"""Index records for the storage tests: ``NewInstance`` objects as STOW would hand them over."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from dicom_emulator.dicom.dicom_json import DicomJson
from dicom_emulator.storage.index import Index, NewInstance

SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"
EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1"


def new_instance(study: str, series: str, sop: str, *, patient_name: str = "doe^jane",
                 modality: str = "CT", blob: str | None = None,
                 extra: DicomJson | None = None) -> NewInstance:
    """A record for one instance; ``extra`` adds DICOM JSON elements to its metadata."""
    metadata: DicomJson = {
        "0020000D": {"vr": "UI", "Value": [study]},
        "0020000E": {"vr": "UI", "Value": [series]},
        "00080018": {"vr": "UI", "Value": [sop]},
        **(extra or {}),
    }
    return NewInstance(
        study_uid=study, series_uid=series, sop_uid=sop, sop_class_uid=SECONDARY_CAPTURE,
        transfer_syntax=EXPLICIT_VR_LITTLE_ENDIAN, blob=blob or f"ab/{sop}.dcm", size=1234,
        number_of_frames=1,
        study_columns={"patient_name": patient_name, "patient_id": "PID-1"},
        series_columns={"modality": modality},
        study_attributes=json.dumps({"00100010": {"vr": "PN", "Value": [
            {"Alphabetic": patient_name}]}}),
        series_attributes=json.dumps({"00080060": {"vr": "CS", "Value": [modality]}}),
        instance_attributes=json.dumps({"00080018": {"vr": "UI", "Value": [sop]}}),
        metadata=json.dumps(metadata), parsed_metadata=metadata,
    )


def rows(index: Index, sql: str, *params: object) -> list[tuple[object, ...]]:
    """The rows of a query on the index, as plain tuples."""
    return [tuple(row) for row in index.reader().execute(sql, params)]


def schema_objects(path: Path) -> set[tuple[str, str]]:
    """``(type, name)`` of every table, index, trigger and view in the file."""
    conn = sqlite3.connect(path)
    try:
        return {(kind, name) for kind, name in conn.execute(
            "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")}
    finally:
        conn.close()
