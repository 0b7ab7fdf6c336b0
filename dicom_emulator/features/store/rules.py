"""STOW-RS validation rules: which attributes an instance needs, and what fails it.

The service's ``StoreDatasetValidator``: the four UIDs and PatientID are required (their
absence or invalidity fails the instance with 43264); in v1 the indexed attributes are
validated too and fail the instance, in v2 every other attribute is validated and a
problem only becomes a warning (the attribute is dropped from index and metadata).
"""

from __future__ import annotations

from pathlib import Path

from pydicom import dcmread
from pydicom.dataset import Dataset

from dicom_emulator.dicom.attributes import SEARCHABLE, Level
from dicom_emulator.dicom.tags import keyword_tag
from dicom_emulator.dicom.validation import (
    AttributeProblem,
    check_element,
    first_value,
    is_valid_uid,
    uid_value,
)

REQUIRED_UIDS = ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "SOPClassUID")
# The indexed columns a store writes (the UIDs are keys, ModalitiesInStudy is computed).
STUDY_COLUMNS = [s for s in SEARCHABLE if s.level is Level.STUDY and s.column not in
                 ("study_uid", "modalities_in_study")]
SERIES_COLUMNS = [s for s in SEARCHABLE if s.level is Level.SERIES and s.column != "series_uid"]
INDEXED_TAGS = [keyword_tag(s.keyword) for s in STUDY_COLUMNS + SERIES_COLUMNS]


def read_header(path: Path) -> Dataset:
    """The header of a Part 10 file, pixel data left unread.

    A file meta group without the 128-byte preamble and ``DICM`` prefix is accepted too:
    it is what ``pydicom.dcmwrite`` makes of an in-memory dataset, so what dicomweb-client's
    ``store_instances`` sends for one.
    """
    with open(path, "rb") as f:
        head = f.read(132)
    no_preamble = head[128:132] != b"DICM" and head[:2] == b"\x02\x00"
    return dcmread(path, stop_before_pixels=True, defer_size=4096, force=no_preamble)


def required_problems(ds: Dataset, api: int) -> list[AttributeProblem]:
    problems = []
    for keyword in REQUIRED_UIDS:
        tag = keyword_tag(keyword)
        value = uid_value(ds, keyword)
        if tag not in ds or not value:
            problems.append(AttributeProblem(tag, "UI", "", "Value is missing."))
        elif not is_valid_uid(value):
            problems.append(AttributeProblem(tag, "UI", value, "DICOM Identifier is invalid."))
    patient_id = ds.get_item(0x00100020)
    if patient_id is None or (api < 2 and not first_value(ds, 0x00100020)[0]):
        problems.append(AttributeProblem(0x00100020, "LO", "", "Value is missing."))
    return problems


def optional_problems(ds: Dataset, api: int) -> list[AttributeProblem]:
    """v1: problems with indexed attributes (they fail the instance). v2: with any attribute
    other than the required ones (they become warnings)."""
    required = {keyword_tag(k) for k in REQUIRED_UIDS}
    tags = INDEXED_TAGS if api < 2 else [int(t) for t in ds.keys() if int(t) not in required]
    problems = []
    for tag in tags:
        try:
            problem = check_element(ds, tag)
        except Exception as exc:  # a value pydicom cannot even convert is invalid too
            problem = AttributeProblem(tag, ds[tag].VR, "", str(exc))
        if problem is not None:
            problems.append(problem)
    return problems
