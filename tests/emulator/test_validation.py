"""Unit tests of the service's validation rules: UIDs and attribute values."""

from __future__ import annotations

import pytest
from pydicom import config
from pydicom.dataset import Dataset

from dicom_emulator.dicom.validation import check_element, check_path_uid, first_value, is_valid_uid
from dicom_emulator.errors import InvalidIdentifierError


@pytest.mark.parametrize(
    ("uid", "valid"),
    [
        ("1.2.840.10008.1.2.1", True),
        ("1.2.3 ", True),  # trailing padding is allowed
        ("1." + "2" * 62, True),  # 64 characters
        ("1." + "2" * 63, False),  # 65 characters
        ("1.2.", False),  # must end with a digit
        ("1.2.a", False),
        ("1-2-3", False),  # the docs' "alphanumeric and -" is outdated; the code is digits/dots
        ("", False),
    ],
)
def test_uid_rule_is_the_service_code_regex(uid: str, valid: bool) -> None:
    assert is_valid_uid(uid) is valid


def test_path_uid_error_names_the_identifier() -> None:
    assert check_path_uid("1.2.3  ", "StudyInstanceUid") == "1.2.3"
    with pytest.raises(InvalidIdentifierError) as error:
        check_path_uid("1.2.x", "StudyInstanceUid")
    assert error.value.status_code == 400
    assert error.value.message == (
        "Dicom element 'StudyInstanceUid' failed validation for VR 'UI': DICOM Identifier is "
        "invalid. Value length should not exceed the maximum length of 64 characters. Value "
        "should contain characters in '0'-'9' and '.'. Each component must start with non-zero "
        "number.")


@pytest.fixture(autouse=True)
def _pydicom_does_not_judge(monkeypatch: pytest.MonkeyPatch) -> None:
    """Invalid values on purpose: pydicom's own warnings are off, as in the emulator."""
    monkeypatch.setattr(config.settings, "writing_validation_mode", config.IGNORE)
    monkeypatch.setattr(config.settings, "reading_validation_mode", config.IGNORE)


def _dataset(**values: object) -> Dataset:
    ds = Dataset()
    for keyword, value in values.items():
        setattr(ds, keyword, value)
    return ds


@pytest.mark.parametrize(
    ("keyword", "value", "fragment"),
    [
        ("StudyDate", "NotAValidDate", "VR DA"),
        ("StudyDate", "20201301", "VR DA"),
        ("Modality", "X" * 17, "maximum length of 16"),
        ("PatientID", "X" * 65, "maximum length of 64"),
        ("PatientName", "a^b^c^d^e^f", "VR PN: value contains too many components"),
        ("PatientName", "a=b=c=d", "VR PN: value contains too many groups"),
        ("SeriesInstanceUID", "1.2.abc",
         "VR UI: value contains invalid characters other than '0'-'9' and '.'"),
        ("FrameOfReferenceUID", "1.02.3", "VR UI: components must not have leading zeros"),
        ("Modality", "mr", "VR CS: value contains invalid character. Only uppercase"),
    ],
)
def test_invalid_values_are_reported_with_the_service_comment(
    keyword: str, value: str, fragment: str
) -> None:
    ds = _dataset(**{keyword: value})
    problem = check_element(ds, ds.data_element(keyword).tag)
    assert problem is not None and fragment in problem.comment()
    assert problem.comment().startswith("DICOM100: (")


@pytest.mark.parametrize(
    ("keyword", "value"),
    [("StudyDate", "20200229"), ("Modality", "CT"), ("PatientName", "Doe^John^^^"),
     ("PatientID", ""), ("SeriesInstanceUID", "1.2.3")],
)
def test_valid_values_pass(keyword: str, value: str) -> None:
    ds = _dataset(**{keyword: value})
    assert check_element(ds, ds.data_element(keyword).tag) is None


def test_first_value_reports_multiple_values() -> None:
    ds = _dataset(StudyDescription=["first", "second"], PatientID="P1")
    assert first_value(ds, ds.data_element("StudyDescription").tag) == ("first", True)
    assert first_value(ds, ds.data_element("PatientID").tag) == ("P1", False)
    assert first_value(ds, 0x00081030 + 1) == (None, False)
