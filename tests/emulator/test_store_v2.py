"""STOW-RS validation per version, with the service's literal answers (``StoreDatasetValidator``).

v1 checks the indexed attributes with the minimum validator (``ElementMinimumValidator``);
v2 fails only on required attributes and turns every other problem into a warning that
drops the attribute. ErrorComments are ``DICOM100: {fo-dicom's lower-case tag} - {message}``.
"""

from __future__ import annotations

import json

import pytest
from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from tests.support.datasets import make_dataset, make_instance, to_bytes
from tests.support.headers import STOW_SINGLE_PART

EMPTY_SQ = {"vr": "SQ"}


def _post(http: TestClient, version: str, data: bytes) -> tuple[int, dict]:
    response = http.post(f"/{version}/studies", content=data, headers=STOW_SINGLE_PART)
    return response.status_code, response.json()


def _item(dataset: dict, key: str) -> dict:
    (item,) = dataset[key]["Value"]
    return item


def _comments(item: dict) -> list[str]:
    return [c["00000902"]["Value"][0] for c in item["00741048"].get("Value", [])]


def test_v2_success_items_always_carry_a_failed_attributes_sequence(http: TestClient) -> None:
    """``StoreTransactionTestsLatest``: ``Assert.Empty(...FailedAttributesSequence)`` after 200."""
    status, dataset = _post(http, "v2", make_instance())
    assert status == 200
    assert _item(dataset, "00081199")["00741048"] == EMPTY_SQ


def test_v1_success_items_have_no_failed_attributes_sequence(http: TestClient) -> None:
    status, dataset = _post(http, "v1", make_instance())
    assert status == 200 and "00741048" not in _item(dataset, "00081199")


def test_v2_empty_patient_id_is_a_warning_and_is_dropped(http: TestClient) -> None:
    study = generate_uid()
    status, dataset = _post(http, "v2", make_instance(study, PatientID=""))
    assert status == 202
    item = _item(dataset, "00081199")
    assert item["00081196"] == {"vr": "US", "Value": [1]}
    assert _comments(item) == [
        "DICOM100: (0010,0020) - The required tag '(0010,0020)' is missing."]
    (metadata,) = [json.loads(m) for m in http.app.state.components.index.metadata(study)]
    assert "00100020" not in metadata
    found = http.get(f"/v2/studies?StudyInstanceUID={study}&includefield=00100020",
                     headers={"Accept": "application/dicom+json"}).json()
    assert "00100020" not in found[0] or "Value" not in found[0]["00100020"]


@pytest.mark.parametrize(("patient_id", "message"), [
    ("P" * 65, "Value length exceeds maximum length of 64."),
    ("P\x01D", "Value contains invalid character."),
])
@pytest.mark.parametrize("version", ["v1", "v2"])
def test_an_invalid_patient_id_fails_the_instance(http: TestClient, version: str,
                                                  patient_id: str, message: str) -> None:
    status, dataset = _post(http, version, make_instance(PatientID=patient_id))
    assert status == 409
    failed = _item(dataset, "00081198")
    assert failed["00081197"] == {"vr": "US", "Value": [43264]}
    assert _comments(failed)[0] == ("DICOM100: (0010,0020) - Dicom element 'PatientID' failed "
                                    f"validation for VR 'LO': {message}")


@pytest.mark.parametrize(("keyword", "value", "vr", "vm"), [
    ("StudyDescription", ["A", "B"], "LO", "Study Description"),
    ("SeriesDescription", ["A", "B"], "LO", "Series Description"),
    ("PatientID", "A\\B", "LO", "Patient ID"),
])
def test_v2_value_multiplicity_is_a_warning_that_drops_the_attribute(
    http: TestClient, keyword: str, value: object, vr: str, vm: str
) -> None:
    study = generate_uid()
    status, dataset = _post(http, "v2", make_instance(study, **{keyword: value}))
    assert status == 202
    item = _item(dataset, "00081199")
    (comment,) = _comments(item)
    tag = {"StudyDescription": "(0008,1030)", "SeriesDescription": "(0008,103e)",
           "PatientID": "(0010,0020)"}[keyword]
    assert comment == (f'DICOM100: {tag} - Content "{tag} {vr} {vm}" does not validate VR {vr}: '
                       "Number of items 2 does not match ValueMultiplicity 1")
    (metadata,) = [json.loads(m) for m in http.app.state.components.index.metadata(study)]
    assert tag.strip("()").replace(",", "").upper() not in metadata


def test_v1_stores_a_lower_case_modality(http: TestClient) -> None:
    """CS is checked for length only (``ElementMaxLengthValidation``)."""
    status, _ = _post(http, "v1", make_instance(Modality="mr"))
    assert status == 200


@pytest.mark.parametrize(("keyword", "value", "vr", "message"), [
    ("Modality", "A" * 17, "CS", "Value length exceeds maximum length of 16."),
    ("AccessionNumber", "A" * 17, "SH", "Value length exceeds maximum length of 16."),
    ("StudyDate", "2024-01-02", "DA", "Value cannot be parsed as a valid date."),
    ("StudyDescription", "x" * 65, "LO", "Value length exceeds maximum length of 64."),
    ("PatientName", "a^b^c^d^e^f", "PN", "Value contains more than 5 components."),
    ("PatientName", "a=b=c=d", "PN", "Value contains more than 5 components."),
    ("ReferringPhysicianName", "x" * 65, "PN",
     "One or more group of person name exceeds maxium length of 64."),
])
def test_v1_indexed_attributes_fail_with_the_service_message(
    http: TestClient, keyword: str, value: str, vr: str, message: str
) -> None:
    status, dataset = _post(http, "v1", make_instance(**{keyword: value}))
    assert status == 409
    failed = _item(dataset, "00081198")
    assert failed["00081197"] == {"vr": "US", "Value": [43264]}
    (comment,) = _comments(failed)
    assert comment.endswith(f"- Dicom element '{keyword}' failed validation for VR '{vr}': "
                            f"{message}")
    assert comment.startswith("DICOM100: (00")


def test_v1_an_invalid_uid_fails_with_the_identifier_text(http: TestClient) -> None:
    status, dataset = _post(http, "v1", make_instance(sop="1.2.abc"))
    assert status == 409
    (comment,) = _comments(_item(dataset, "00081198"))
    assert comment == (
        "DICOM100: (0008,0018) - Dicom element 'SOPInstanceUID' failed validation for VR 'UI': "
        "DICOM Identifier is invalid. Value length should not exceed the maximum length of 64 "
        "characters. Value should contain characters in '0'-'9' and '.'. Each component must "
        "start with non-zero number.")


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_a_missing_required_tag_names_it(http: TestClient, version: str) -> None:
    status, dataset = _post(http, version, make_instance(SOPClassUID=None))
    assert status == 409
    assert _comments(_item(dataset, "00081198")) == [
        "DICOM100: (0008,0016) - The required tag '(0008,0016)' is missing."]


def test_v1_an_indexed_attribute_with_another_vr_fails(http: TestClient) -> None:
    """``ValidateDicomTag``: ``ErrorMessageUnexpectedVR``, worded for extended query tags."""
    ds = make_dataset()
    ds.add_new(0x00080060, "LO", "CT")
    status, dataset = _post(http, "v1", to_bytes(ds))
    assert status == 409
    assert _comments(_item(dataset, "00081198")) == [
        "DICOM100: (0008,0060) - Dicom element 'Modality' failed validation for VR 'LO': The "
        "extended query tag 'Modality' is expected to have VR 'CS' but has 'LO' in file."]
