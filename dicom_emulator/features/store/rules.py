"""STOW-RS validation rules: which attributes an instance needs, and what fails it.

The service's ``StoreDatasetValidator``:

- required (both versions): SOPClassUID, StudyInstanceUID, SeriesInstanceUID and
  SOPInstanceUID with a value, the StudyInstanceUID of the path if one is given, and
  PatientID (v1: with a value; v2: present). Only the first of these problems is found
  (``ValidateRequiredCoreTags`` throws).
- v1: every indexed attribute (core and Ready extended query tags) through the minimum
  validator (:mod:`dicom_emulator.dicom.minimum`); any problem fails the instance.
- v2: the required tags through the minimum validator, leniently (a problem fails the
  instance); every other element through fo-dicom's full validation, VM included (a
  problem is a warning and the attribute is dropped from index and metadata). An empty
  PatientID is such a warning.
"""

from __future__ import annotations

import io
import os
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydicom import dcmread
from pydicom.dataset import Dataset

from dicom_emulator.dicom.attributes import SEARCHABLE, Level, Searchable, normalize_person_name
from dicom_emulator.dicom.minimum import minimum_problem
from dicom_emulator.dicom.tags import keyword_tag
from dicom_emulator.dicom.validation import (
    AttributeProblem,
    check_value_and_multiplicity,
    first_value,
    missing_tag,
    uid_value,
)

# In the order ValidateRequiredCoreTags checks them.
REQUIRED_UIDS = ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "SOPClassUID")
_CHECK_ORDER = ("SOPClassUID", "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID")
PATIENT_ID = 0x00100020
# StoreDatasetValidator.RequiredCoreTags (v2: minimum-validated, a problem fails).
REQUIRED_CORE_TAGS = tuple(keyword_tag(k) for k in REQUIRED_UIDS) + (PATIENT_ID,)
# The indexed columns a store writes (the UIDs are keys, ModalitiesInStudy is computed).
STUDY_COLUMNS = [s for s in SEARCHABLE if s.level is Level.STUDY and s.column not in
                 ("study_uid", "modalities_in_study")]
SERIES_COLUMNS = [s for s in SEARCHABLE if s.level is Level.SERIES and s.column != "series_uid"]
INDEXED_TAGS = [keyword_tag(s.keyword) for s in STUDY_COLUMNS + SERIES_COLUMNS]
# v1's query tags: the core searchable attributes, the three instance UIDs among them.
V1_VALIDATED_TAGS = [keyword_tag(k) for k in REQUIRED_UIDS[:3]] + INDEXED_TAGS

# A part up to this size is read whole and parsed from memory (one read, no system call
# per element); a larger one is parsed from disk, so that memory stays bounded.
HEADER_IN_MEMORY_BYTES = 2 * 1024 * 1024

STUDY_MISMATCH = (
    "The StudyInstanceUid in the payload does not match the specified StudyInstanceUid."
)


def index_columns(ds: Dataset, searchables: Iterable[Searchable],
                  dropped: Collection[int] = ()) -> tuple[dict[str, str | None], bool]:
    """The index columns of ``searchables`` from ``ds`` (the first value, person names
    normalized; ``dropped`` tags are None), and whether a value had several."""
    columns: dict[str, str | None] = {}
    several = False
    for searchable in searchables:
        tag = int(searchable.tag, 16)
        value, multiple = (None, False) if tag in dropped else first_value(ds, tag)
        several |= multiple
        if value is not None and searchable.vr == "PN":
            value = normalize_person_name(value)
        columns[searchable.column] = value
    return columns, several


def read_header(path: Path) -> Dataset:
    """The header of a Part 10 file, pixel data left unread.

    A file meta group without the 128-byte preamble and ``DICM`` prefix is accepted too:
    it is what ``pydicom.dcmwrite`` makes of an in-memory dataset, so what dicomweb-client's
    ``store_instances`` sends for one.
    """
    with open(path, "rb") as f:
        in_memory = os.fstat(f.fileno()).st_size <= HEADER_IN_MEMORY_BYTES
        content = f.read() if in_memory else f.read(132)
        no_preamble = content[128:132] != b"DICM" and content[:2] == b"\x02\x00"
        f.seek(0)
        # A deferred value is read later from the BytesIO (kept as the dataset's buffer),
        # or from the file by its name.
        source = io.BytesIO(content) if in_memory else f
        return dcmread(source, stop_before_pixels=True, defer_size=4096, force=no_preamble)


@dataclass
class Validation:
    """What validation found: ``errors`` fail the instance, ``warnings`` drop attributes."""

    errors: list[AttributeProblem] = field(default_factory=list)
    warnings: list[AttributeProblem] = field(default_factory=list)

    def add(self, problem: AttributeProblem | None, error: bool) -> None:
        # StoreValidationResultBuilder keeps the first problem per tag (TryAdd).
        if problem is None or any(p.tag == problem.tag for p in self.errors + self.warnings):
            return
        (self.errors if error else self.warnings).append(problem)

    @property
    def comments(self) -> list[str]:
        return [p.comment() for p in self.errors + self.warnings]


def _core_problem(ds: Dataset, study_uid: str | None, api: int) -> AttributeProblem | None:
    for keyword in _CHECK_ORDER:
        if not uid_value(ds, keyword):
            return missing_tag(keyword_tag(keyword), "UI")
    study = uid_value(ds, "StudyInstanceUID") or ""
    if study_uid is not None and study.rstrip().lower() != study_uid.rstrip().lower():
        return AttributeProblem(keyword_tag("StudyInstanceUID"), "UI", study, "mismatch",
                                message=STUDY_MISMATCH)
    if PATIENT_ID not in ds or (api < 2 and not first_value(ds, PATIENT_ID)[0]):
        return missing_tag(PATIENT_ID, "LO")
    return None


def _full_problem(ds: Dataset, tag: int) -> AttributeProblem | None:
    """fo-dicom's ``DicomElement.Validate()``: the value, then the multiplicity."""
    try:
        return check_value_and_multiplicity(ds, tag)
    except Exception as exc:  # a value pydicom cannot even convert is invalid too
        return AttributeProblem(tag, str(ds[tag].VR), "", str(exc))


def validate(ds: Dataset, study_uid: str | None, api: int,
             v1_extra: list[AttributeProblem] | None = None) -> Validation:
    """Validate a dataset as the service's version ``api`` does.

    ``v1_extra`` are other features' v1 problems (Ready extended query tags).
    """
    result = Validation()
    result.add(_core_problem(ds, study_uid, api), error=True)
    if api < 2:
        for tag in V1_VALIDATED_TAGS:
            result.add(minimum_problem(ds, tag), error=True)
        for problem in v1_extra or []:
            result.add(problem, error=True)
        return result
    for tag in REQUIRED_CORE_TAGS:
        result.add(minimum_problem(ds, tag, lenient=True), error=True)
    required_uids = set(REQUIRED_CORE_TAGS) - {PATIENT_ID}
    for tag in (int(t) for t in ds.keys()):
        if tag in required_uids:
            continue
        if tag == PATIENT_ID and not (first_value(ds, tag)[0] or "").strip(" \0"):
            result.add(missing_tag(PATIENT_ID, "LO"), error=False)
        else:
            result.add(_full_problem(ds, tag), error=False)
    return result
