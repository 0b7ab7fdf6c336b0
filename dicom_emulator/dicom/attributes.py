"""Which DICOM attributes live at which level, and which the service indexes.

One table of facts from the service (``QueryLimit.cs`` and the v2 conformance
statement) shared by STOW (what to index) and QIDO (what to match and return).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from pydicom.datadict import dictionary_VR

from dicom_emulator.dicom.tags import tag_hex

__all__ = [
    "COMPUTED",
    "INDEX_ROW_ATTRIBUTES",
    "LEVEL_ATTRIBUTES",
    "SEARCHABLE",
    "Level",
    "Searchable",
    "all_attributes",
    "default_attributes",
    "normalize_person_name",
]


class Level(StrEnum):
    STUDY = "study"
    SERIES = "series"
    INSTANCE = "instance"


@dataclass(frozen=True)
class Searchable:
    """A core searchable attribute: its level and the index column that holds it."""

    keyword: str
    level: Level
    column: str

    @property
    def tag(self) -> str:
        return tag_hex(self.keyword)

    @property
    def vr(self) -> str:
        return dictionary_VR(self.tag)


SEARCHABLE: tuple[Searchable, ...] = (
    Searchable("StudyInstanceUID", Level.STUDY, "study_uid"),
    Searchable("PatientName", Level.STUDY, "patient_name"),
    Searchable("PatientID", Level.STUDY, "patient_id"),
    Searchable("PatientBirthDate", Level.STUDY, "patient_birth_date"),
    Searchable("AccessionNumber", Level.STUDY, "accession_number"),
    Searchable("ReferringPhysicianName", Level.STUDY, "referring_physician_name"),
    Searchable("StudyDate", Level.STUDY, "study_date"),
    Searchable("StudyDescription", Level.STUDY, "study_description"),
    # Not a column: computed from the study's series (see storage.index).
    Searchable("ModalitiesInStudy", Level.STUDY, "modalities_in_study"),
    Searchable("SeriesInstanceUID", Level.SERIES, "series_uid"),
    Searchable("Modality", Level.SERIES, "modality"),
    Searchable("PerformedProcedureStepStartDate", Level.SERIES, "pps_start_date"),
    Searchable("ManufacturerModelName", Level.SERIES, "manufacturer_model_name"),
    Searchable("SOPInstanceUID", Level.INSTANCE, "sop_uid"),
)

_STUDY_V2_DEFAULT = (
    "StudyDate", "AccessionNumber", "StudyDescription", "ReferringPhysicianName",
    "PatientName", "PatientID", "PatientBirthDate", "StudyInstanceUID",
)
_STUDY_FIRST_EXTRA = (
    "SpecificCharacterSet", "StudyTime", "InstanceAvailability", "TimezoneOffsetFromUTC",
    "PatientSex", "StudyID",
)
_STUDY_MORE_EXTRA = (
    "AnatomicRegionsInStudyCodeSequence", "ProcedureCodeSequence",
    "NameOfPhysiciansReadingStudy", "AdmittingDiagnosesDescription", "ReferencedStudySequence",
    "PatientAge", "PatientSize", "PatientWeight", "Occupation", "AdditionalPatientHistory",
)
_SERIES_V2_DEFAULT = (
    "Modality", "ManufacturerModelName", "SeriesInstanceUID", "PerformedProcedureStepStartDate",
)
_SERIES_FIRST_EXTRA = (
    "SpecificCharacterSet", "TimezoneOffsetFromUTC", "SeriesDescription",
    "PerformedProcedureStepStartTime", "RequestAttributesSequence",
)
_SERIES_MORE_EXTRA = ("SeriesNumber", "Laterality", "SeriesDate", "SeriesTime")
_INSTANCE_V2_DEFAULT = ("SOPInstanceUID",)
_INSTANCE_FIRST_EXTRA = (
    "SpecificCharacterSet", "SOPClassUID", "InstanceAvailability", "TimezoneOffsetFromUTC",
    "InstanceNumber", "Rows", "Columns", "BitsAllocated", "NumberOfFrames",
)

# Attributes whose values are kept per level (the union of everything QIDO can return).
LEVEL_ATTRIBUTES: dict[Level, tuple[str, ...]] = {
    Level.STUDY: _STUDY_V2_DEFAULT + _STUDY_FIRST_EXTRA + _STUDY_MORE_EXTRA,
    Level.SERIES: _SERIES_V2_DEFAULT + _SERIES_FIRST_EXTRA + _SERIES_MORE_EXTRA,
    Level.INSTANCE: _INSTANCE_V2_DEFAULT + _INSTANCE_FIRST_EXTRA,
}


def default_attributes(level: Level, api_version: int) -> tuple[str, ...]:
    """Keywords QIDO returns at ``level`` without ``includefield``."""
    if level is Level.STUDY:
        if api_version >= 2:
            return _STUDY_V2_DEFAULT
        return tuple(k for k in _STUDY_V2_DEFAULT if k != "StudyDescription") + _STUDY_FIRST_EXTRA
    if level is Level.SERIES:
        if api_version >= 2:
            return _SERIES_V2_DEFAULT
        return tuple(k for k in _SERIES_V2_DEFAULT if k != "ManufacturerModelName") + (
            _SERIES_FIRST_EXTRA
        )
    return _INSTANCE_V2_DEFAULT if api_version >= 2 else _INSTANCE_V2_DEFAULT + (
        _INSTANCE_FIRST_EXTRA
    )


def all_attributes(level: Level) -> tuple[str, ...]:
    """Keywords ``includefield=all`` returns at ``level`` (``QueryResponseBuilder``'s
    ``All*Tags``: the v1 defaults and more). At series level that is the v1 defaults and
    SeriesNumber, Laterality, SeriesDate, SeriesTime: ManufacturerModelName, a v2 default
    only, is not among them."""
    if level is Level.SERIES:
        return tuple(k for k in LEVEL_ATTRIBUTES[level] if k != "ManufacturerModelName")
    return LEVEL_ATTRIBUTES[level]


# Computed attributes: not in any file, derived from the index (QueryLimit's
# StudyResultComputedTags and SeriesResultComputedTags).
COMPUTED = {
    "ModalitiesInStudy": Level.STUDY,
    "NumberOfStudyRelatedInstances": Level.STUDY,
    "NumberOfSeriesRelatedInstances": Level.SERIES,
}

# What the service's index rows hold (``StudyResult.AvailableTags`` and
# ``SeriesResult.AvailableTags``): a result whose every returned attribute is here is
# served from those rows, not from the stored metadata.
INDEX_ROW_ATTRIBUTES = frozenset({
    "StudyInstanceUID", "PatientID", "PatientName", "ReferringPhysicianName", "StudyDate",
    "StudyDescription", "AccessionNumber", "PatientBirthDate", "ModalitiesInStudy",
    "NumberOfStudyRelatedInstances",
    "SeriesInstanceUID", "Modality", "PerformedProcedureStepStartDate",
    "ManufacturerModelName", "NumberOfSeriesRelatedInstances",
})


def normalize_person_name(value: str) -> str:
    """Case- and accent-insensitive form of a PN value, as the service compares names."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold().strip().rstrip("^=").strip()
