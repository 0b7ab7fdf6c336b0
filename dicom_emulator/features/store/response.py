"""STOW-RS, the response: outcomes as the service's dataset and status (``StoreResponseBuilder``).

200 when every instance was stored, 202 when some failed (or, in v2, carry warnings), 409
when none was stored. Stored instances are listed in ReferencedSOPSequence with their
RetrieveURL, failed ones in FailedSOPSequence with their FailureReason.
"""

from __future__ import annotations

from dicom_emulator.dicom.dicom_json import DicomJson, element
from dicom_emulator.features.store.service import Outcome
from dicom_emulator.web.urls import instance_url, study_url

MULTIPLE_VALUES_WARNING = (
    "One or more indexed Dicom tag(s) have multiple values, only first value is indexed."
)


def _comments(outcome: Outcome) -> DicomJson:
    return element("SQ", *({"00000902": element("LO", c)} for c in outcome.comments))


def response_dataset(outcomes: list[Outcome], study_uid: str | None, base: str,
                     api: int) -> DicomJson:
    """The response body; ``base`` is the versioned service URL the RetrieveURLs start with."""
    referenced, failed = [], []
    for o in outcomes:
        if o.failure is None:
            item = {
                "00081150": element("UI", o.sop_class_uid),
                "00081155": element("UI", o.sop_uid),
                "00081190": element("UR", instance_url(base, o.study_uid or "",
                                                       o.series_uid or "", o.sop_uid or "")),
            }
            if o.warning is not None:
                item["00081196"] = element("US", o.warning)
            if o.report_attributes:  # v2: always, empty when there is nothing to report
                item["00741048"] = _comments(o)
            referenced.append(item)
        else:
            item = {"00081197": element("US", o.failure)}
            if o.sop_class_uid:
                item["00081150"] = element("UI", o.sop_class_uid)
            if o.sop_uid:
                item["00081155"] = element("UI", o.sop_uid)
            if o.comments:
                item["00741048"] = _comments(o)
            failed.append(item)
    dataset: DicomJson = {}
    if study_uid is not None and referenced:
        dataset["00081190"] = element("UR", study_url(base, study_uid))
    if referenced:
        dataset["00081199"] = element("SQ", *referenced)
    if failed:
        dataset["00081198"] = element("SQ", *failed)
    return dataset


def response_status(outcomes: list[Outcome], api: int) -> int:
    stored = [o for o in outcomes if o.failure is None]
    if not stored:
        return 409
    if len(stored) < len(outcomes):
        return 202
    if api >= 2 and any(o.warning is not None for o in stored):
        return 202
    return 200


def has_multiple_values(outcomes: list[Outcome]) -> bool:
    """Whether the ``Warning: 299`` header is due (a stored instance had a multi-valued
    indexed attribute)."""
    return any(o.multiple_values and o.failure is None for o in outcomes)
