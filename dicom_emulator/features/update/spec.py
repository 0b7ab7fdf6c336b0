"""The bulk update request (``UpdateSpecification``), read and checked as the service does.

In the service's order (``StoreController.UpdateAsync``, ``UpdateInstanceHandler``,
``UpdateInstanceOperationService``, ``UpdateRequestValidator`` at eeefbe4): a body that
does not bind (not JSON, not an object, a ``changeDataset`` that is not DICOM JSON) leaves
the specification null, and EnsureThat's ``ArgumentNullException`` is a 400; then the
change dataset must be given; then ``studyInstanceUids`` (1 to 50 valid UIDs); then each
attribute of the change dataset must be updatable (``UpdateTags``) and valid, every
problem listed in a FailedAttributesSequence (a 400 whose body is that dataset).

UID updates are newer than that code (Learn, "Update DICOM files", 2025): StudyInstanceUID,
SeriesInstanceUID and SOPInstanceUID may change, for one study per operation; a series
or instance is named by ``seriesInstanceUid`` / ``sopInstanceUid`` beside the study, and
a SOPInstanceUID update needs ``seriesInstanceUid`` (else 400). Learn gives no message
texts for these rules; the ones here state them in Learn's words.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydicom.dataset import Dataset

from dicom_emulator.dicom.dicom_json import DicomJson, to_metadata
from dicom_emulator.dicom.tags import keyword_tag
from dicom_emulator.dicom.validation import (
    AttributeProblem,
    check_element,
    is_valid_uid,
)
from dicom_emulator.errors import BadRequestError, InvalidIdentifierError

# UpdateTags.MaxStudyInstanceUidLimit
MAX_STUDIES = 50

# UpdateTags.UpdateStudyFilterTags: patient identification and demographics, and three
# attributes of the general study module; none is a sequence.
UPDATABLE = frozenset(keyword_tag(k) for k in (
    "PatientName", "PatientID", "OtherPatientIDs", "TypeOfPatientID", "OtherPatientNames",
    "PatientBirthName", "PatientMotherBirthName", "MedicalRecordLocator", "PatientAge",
    "Occupation", "ConfidentialityConstraintOnPatientDataDescription", "PatientBirthDate",
    "PatientBirthTime", "PatientSex", "QualityControlSubject", "PatientSize",
    "PatientWeight", "PatientAddress", "MilitaryRank", "BranchOfService",
    "CountryOfResidence", "RegionOfResidence", "PatientTelephoneNumbers", "EthnicGroup",
    "PatientReligiousPreference", "PatientComments", "ResponsiblePerson",
    "ResponsiblePersonRole", "ResponsibleOrganization", "PatientSpeciesDescription",
    "PatientBreedDescription", "BreedRegistrationNumber", "IssuerOfPatientID",
    "AccessionNumber", "ReferringPhysicianName", "StudyDescription",
))
STUDY_UID, SERIES_UID, SOP_UID = (keyword_tag(k) for k in (
    "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"))
UID_TAGS = frozenset({STUDY_UID, SERIES_UID, SOP_UID})

NOT_SUPPORTED = "Updating the tag is not supported"  # DicomUpdateTagValidationFailed
# Not in the service's code (Learn states the rules, not the texts):
NULL_VALUE = "Updating a value to null is not supported"
ONE_STUDY_FOR_UIDS = ("For updates involving UID changes, only one study can be updated in "
                      "a single operation.")
SOP_NEEDS_SERIES = "SOP Instance UID updates require seriesInstanceUid."
SERIES_NEEDS_SERIES = "Series Instance UID updates require seriesInstanceUid."
SCOPE_NEEDS_UID_CHANGE = ("seriesInstanceUid and sopInstanceUid are only used by updates "
                          "of UIDs.")


def null_argument(name: str) -> BadRequestError:
    """EnsureThat's ``ArgumentNullException`` (the middleware's 400, its message)."""
    return BadRequestError(f"Value can not be null. (Parameter '{name}')")


class FailedAttributesError(BadRequestError):
    """400 with a dataset: the FailedAttributesSequence of ``ValidateDicomDataset``."""

    def __init__(self, problems: list[AttributeProblem]):
        super().__init__("")
        self.dataset: DicomJson = {"00741048": {"vr": "SQ", "Value": [
            {"00000902": {"vr": "LO", "Value": [p.comment()]}} for p in problems]}}


@dataclass(frozen=True)
class UpdateSpec:
    """A checked request: the studies, what to change, and a UID update's scope."""

    study_uids: list[str]
    change: Dataset
    change_json: DicomJson
    series_uid: str | None = None
    sop_uid: str | None = None

    @property
    def changes_uids(self) -> bool:
        return any(tag in UID_TAGS for tag in self.change.keys())


def _bind(raw: bytes) -> tuple[Any, Dataset | None, dict[str, Any]] | None:
    """Model binding: (studyInstanceUids, changeDataset, other fields), or None when the
    body does not bind (the action then gets a null specification)."""
    try:
        body = json.loads(raw) if raw.strip() else None
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(body, dict):
        return None
    fields = {str(k).lower(): v for k, v in body.items()}  # PropertyNameCaseInsensitive
    uids = fields.get("studyinstanceuids")
    if uids is not None and not (isinstance(uids, list)
                                 and all(isinstance(u, str) for u in uids)):
        return None
    change = fields.get("changedataset")
    dataset = None
    if change is not None:
        if not isinstance(change, dict):
            return None
        try:
            dataset = Dataset.from_json(change)
        except Exception:  # any malformed DICOM JSON fails binding, whatever pydicom raises
            return None
    return uids, dataset, fields


def _optional_uid(fields: dict[str, Any], key: str, name: str) -> str | None:
    value = fields.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not is_valid_uid(value.rstrip(" ")):
        raise InvalidIdentifierError(name)
    return value.rstrip(" ")


def _problems(change: Dataset) -> list[AttributeProblem]:
    problems = []
    for elem in change:
        tag = int(elem.tag)
        vr = str(elem.VR)
        if tag not in UPDATABLE and tag not in UID_TAGS:
            problems.append(AttributeProblem(tag, vr, "", "", message=NOT_SUPPORTED))
        elif elem.VM == 0:
            problems.append(AttributeProblem(tag, vr, "", "", message=NULL_VALUE))
        elif (problem := check_element(change, tag)) is not None:
            problems.append(problem)
    return problems


def parse_update(raw: bytes) -> UpdateSpec:
    """The checked specification of a ``$bulkUpdate`` body.

    Raises
    ------
    BadRequestError
        The service's 400s (``FailedAttributesError`` carries the dataset to answer).
    """
    bound = _bind(raw)
    if bound is None:
        raise null_argument("UpdateSpec")
    uids, change, fields = bound
    if change is None:
        raise null_argument("ChangeDataset")
    if not uids:
        raise BadRequestError("The required field 'StudyInstanceUids' is missing or empty.")
    if len(uids) > MAX_STUDIES:
        raise BadRequestError(
            f"StudyInstanceUids count exceeded maximum length '{MAX_STUDIES}'")
    for uid in uids:
        if not is_valid_uid(uid.rstrip(" ")):
            raise InvalidIdentifierError("StudyInstanceUid")
    problems = _problems(change)
    if problems:
        raise FailedAttributesError(problems)
    spec = UpdateSpec([u.rstrip(" ") for u in uids], change, to_metadata(change),
                      _optional_uid(fields, "seriesinstanceuid", "SeriesInstanceUid"),
                      _optional_uid(fields, "sopinstanceuid", "SopInstanceUid"))
    _check_uid_rules(spec)
    return spec


def _check_uid_rules(spec: UpdateSpec) -> None:
    """Learn's rules for UID updates (newer than the code)."""
    tags = set(spec.change.keys())
    if not spec.changes_uids:
        if spec.series_uid is not None or spec.sop_uid is not None:
            raise BadRequestError(SCOPE_NEEDS_UID_CHANGE)
        return
    if len(spec.study_uids) > 1:
        raise BadRequestError(ONE_STUDY_FOR_UIDS)
    if (SOP_UID in tags or spec.sop_uid is not None) and (
            spec.series_uid is None or spec.sop_uid is None):
        raise BadRequestError(SOP_NEEDS_SERIES)
    if SERIES_UID in tags and spec.series_uid is None:
        raise BadRequestError(SERIES_NEEDS_SERIES)
