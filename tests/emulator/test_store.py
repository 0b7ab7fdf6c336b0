"""STOW-RS through HTTP: status codes, failure reasons and the response dataset."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pydicom
import pytest
from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from dicom_emulator import EmulatorSettings, create_app
from tests.support.datasets import make_dataset, make_instance
from tests.support.headers import ACCEPT_DICOM_JSON, STOW_SINGLE_PART
from tests.support.stow import multipart_related, multipart_stow
from tests.support.uids import INVALID_UID


def values(dataset: dict, tag: str) -> list:
    return dataset.get(tag, {}).get("Value", [])


def failure_reasons(dataset: dict) -> list[int]:
    return [values(item, "00081197")[0] for item in values(dataset, "00081198")]


def stored_uids(dataset: dict) -> list[str]:
    return [values(item, "00081155")[0] for item in values(dataset, "00081199")]


def blob_files(settings: EmulatorSettings) -> list[Path]:
    return sorted(settings.blob_dir.rglob("*.dcm"))


def test_single_part_store_returns_referenced_sop_with_absolute_url(http: TestClient) -> None:
    sop = generate_uid()
    response = http.post("/v2/studies", content=make_instance(sop=sop), headers=STOW_SINGLE_PART)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/dicom+json")
    dataset = response.json()
    assert "00081190" not in dataset  # no study URL when the path has no study
    (item,) = values(dataset, "00081199")
    assert values(item, "00081155") == [sop]
    assert values(item, "00081150") == ["1.2.840.10008.5.1.4.1.1.7"]
    url = values(item, "00081190")[0]
    assert url.startswith("http://testserver/v2/studies/") and url.endswith(f"/instances/{sop}")
    assert "00081198" not in dataset


def test_multipart_store_to_study_path_adds_study_retrieve_url(http: TestClient) -> None:
    study = generate_uid()
    body, headers = multipart_stow(make_instance(study), make_instance(study))
    response = http.post(f"/v1/studies/{study}", content=body, headers=headers)
    assert response.status_code == 200
    assert values(response.json(), "0008119" + "0") == [f"http://testserver/v1/studies/{study}"]
    assert len(stored_uids(response.json())) == 2


def test_multipart_without_type_parameter_is_accepted(http: TestClient) -> None:
    body = multipart_related([("application/dicom", make_instance())], "b0undary")
    headers = {**ACCEPT_DICOM_JSON, "Content-Type": "multipart/related; boundary=b0undary"}
    assert http.post("/v2/studies", content=body, headers=headers).status_code == 200


def test_chunked_request_body_is_streamed(http: TestClient) -> None:
    body, headers = multipart_stow(make_instance(), make_instance())

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 100):
            yield body[start:start + 100]

    response = http.post("/v2/studies", content=chunks(), headers=headers)
    assert response.status_code == 200
    assert len(stored_uids(response.json())) == 2


def test_restore_is_rejected_with_45070_and_never_overwrites(
    http: TestClient, settings: EmulatorSettings
) -> None:
    ds_bytes = make_instance(PatientID="ORIGINAL")
    assert http.post("/v2/studies", content=ds_bytes, headers=STOW_SINGLE_PART).status_code == 200
    (stored,) = blob_files(settings)
    before = stored.read_bytes()
    changed = ds_bytes.replace(b"ORIGINAL", b"CHANGED!")
    response = http.post("/v2/studies", content=changed, headers=STOW_SINGLE_PART)
    assert response.status_code == 409
    assert failure_reasons(response.json()) == [45070]
    assert blob_files(settings) == [stored] and stored.read_bytes() == before


def test_partial_failure_stores_the_good_instances_and_reports_202(
    http: TestClient, settings: EmulatorSettings
) -> None:
    good = generate_uid()
    body, headers = multipart_stow(
        make_instance(sop=good),
        b"this is not a DICOM file at all",
        make_instance(SOPInstanceUID=None),
        make_instance(sop="1.2.abc"),
    )
    response = http.post("/v2/studies", content=body, headers=headers)
    assert response.status_code == 202
    dataset = response.json()
    assert stored_uids(dataset) == [good]
    assert failure_reasons(dataset) == [43264, 43264, 43264]  # unreadable: 43264 too
    unreadable, missing, _ = values(dataset, "00081198")
    assert unreadable == {"00081197": {"vr": "US", "Value": [43264]}}
    assert values(values(missing, "00741048")[0], "00000902") == [
        "DICOM100: (0008,0018) - The required tag '(0008,0018)' is missing."]
    assert len(blob_files(settings)) == 1
    assert list(settings.tmp_dir.iterdir()) == []


def test_all_failed_is_409_with_the_dataset_body(http: TestClient) -> None:
    response = http.post("/v2/studies", content=b"garbage" * 50, headers=STOW_SINGLE_PART)
    assert response.status_code == 409
    assert failure_reasons(response.json()) == [43264]


def test_study_uid_mismatch_fails_the_instance_with_43264(http: TestClient) -> None:
    path_study, other_study = generate_uid(), generate_uid()
    body, headers = multipart_stow(make_instance(other_study), make_instance(path_study))
    response = http.post(f"/v2/studies/{path_study}", content=body, headers=headers)
    assert response.status_code == 202
    (failed,) = values(response.json(), "00081198")
    assert values(failed, "00081197") == [43264]
    comment = values(values(failed, "00741048")[0], "00000902")[0]
    assert comment == ("DICOM100: (0020,000d) - The StudyInstanceUid in the payload does not "
                       "match the specified StudyInstanceUid.")


@pytest.mark.parametrize(("version", "status"), [("v1", 200), ("v2", 202)])
def test_implicit_vr_warns_45063(http: TestClient, version: str, status: int) -> None:
    response = http.post(f"/{version}/studies", content=make_instance(implicit=True),
                         headers=STOW_SINGLE_PART)
    assert response.status_code == status
    (item,) = values(response.json(), "00081199")
    assert values(item, "00081196") == [45063]


def test_v1_fails_an_invalid_indexed_attribute(http: TestClient) -> None:
    response = http.post("/v1/studies", content=make_instance(StudyDate="NotAValidDate"),
                         headers=STOW_SINGLE_PART)
    assert response.status_code == 409
    (failed,) = values(response.json(), "00081198")
    assert values(failed, "00081197") == [43264]
    comment = values(values(failed, "00741048")[0], "00000902")[0]
    assert comment == ("DICOM100: (0008,0020) - Dicom element 'StudyDate' failed validation "
                       "for VR 'DA': Value cannot be parsed as a valid date.")


def test_v2_stores_with_a_warning_and_drops_the_invalid_value(
    http: TestClient, settings: EmulatorSettings
) -> None:
    study = generate_uid()
    response = http.post("/v2/studies", content=make_instance(study, StudyDate="NotAValidDate"),
                         headers=STOW_SINGLE_PART)
    assert response.status_code == 202
    (item,) = values(response.json(), "00081199")
    assert values(item, "00081196") == [1]
    comment = values(values(item, "00741048")[0], "00000902")[0]
    assert comment == ('DICOM100: (0008,0020) - Content "NotAValidDate" does not validate VR '
                       "DA: one of the date values does not match the pattern YYYYMMDD")  # Learn
    services = http.app.state.components
    (metadata,) = [json.loads(m) for m in services.index.metadata(study)]
    assert "00080020" not in metadata  # dropped from metadata and index…
    assert metadata["00100020"]["Value"] == ["PID-1"]
    (stored,) = blob_files(settings)
    assert b"NotAValidDate" in stored.read_bytes()  # …but kept in the stored file


def test_patient_id_rules_differ_between_v1_and_v2(http: TestClient) -> None:
    empty = make_instance(PatientID="")
    v1 = http.post("/v1/studies", content=empty, headers=STOW_SINGLE_PART)
    assert failure_reasons(v1.json()) == [43264]
    assert http.post("/v2/studies", content=empty, headers=STOW_SINGLE_PART).status_code == 202
    missing = make_instance(PatientID=None)
    v2 = http.post("/v2/studies", content=missing, headers=STOW_SINGLE_PART)
    assert failure_reasons(v2.json()) == [43264]


def test_multiple_values_in_an_indexed_attribute_add_a_warning_header(http: TestClient) -> None:
    # v1: ValidateQueryTag warns; v2 fails the multiplicity instead (test_store_v2.py)
    response = http.post("/v1/studies", content=make_instance(StudyDescription=["a", "b"]),
                         headers=STOW_SINGLE_PART)
    assert response.status_code == 200
    assert "only first value is indexed" in response.headers["warning"]
    assert response.headers["warning"].startswith("299 ")


def test_the_indexed_first_value_keeps_its_own_trailing_space(
    http: TestClient, settings: EmulatorSettings
) -> None:
    # fo-dicom trims the padding of the whole value, then splits it on backslashes
    # (DicomMultiStringElement.EnsureSplitValues): the first of `CT \MR` is `CT `, and
    # GetFirstValueOrDefault<string> gives the index that. The raw DICOM JSON encoder leaves
    # the elements unconverted, so this holds only if the columns read converted values.
    response = http.post("/v1/studies", content=make_instance(Modality=["CT ", "MR"]),
                         headers=STOW_SINGLE_PART)
    assert response.status_code == 200
    with sqlite3.connect(settings.data_dir / "index.sqlite") as conn:
        assert conn.execute("SELECT modality FROM series").fetchall() == [("CT ",)]


def test_multipart_body_with_no_parts_is_204(http: TestClient) -> None:
    content, headers = multipart_related([], "E"), {
        **ACCEPT_DICOM_JSON, "Content-Type": "multipart/related; boundary=E"}
    response = http.post("/v2/studies", content=content, headers=headers)
    assert response.status_code == 204 and response.content == b""


def test_part_of_another_type_is_415_and_stores_nothing(
    http: TestClient, settings: EmulatorSettings
) -> None:
    body = multipart_related([("application/dicom", make_instance()),
                             ("application/dicom+json", b"{}")], "P")
    headers = {**ACCEPT_DICOM_JSON, "Content-Type": "multipart/related; boundary=P"}
    response = http.post("/v2/studies", content=body, headers=headers)
    assert response.status_code == 415
    assert "'application/dicom+json'" in response.text
    assert blob_files(settings) == [] and list(settings.tmp_dir.iterdir()) == []


@pytest.mark.parametrize("accept", ["application/json", "image/jpeg", None])
def test_accept_without_dicom_json_is_406(http: TestClient, accept: str | None) -> None:
    headers = {"Content-Type": "application/dicom"}
    if accept:
        headers["Accept"] = accept
    else:
        headers["Accept"] = ""
    response = http.post("/v2/studies", content=make_instance(), headers=headers)
    assert response.status_code == 406 and response.content == b""


def test_invalid_study_uid_in_path_is_400(http: TestClient) -> None:
    response = http.post("/v2/studies/1.2.abc", content=make_instance(), headers=STOW_SINGLE_PART)
    assert response.status_code == 400
    assert response.text == INVALID_UID.format("StudyInstanceUid")


def test_accept_is_checked_before_the_path_uid(http: TestClient) -> None:
    # MVC filters ([AcceptContentFilter]) run before the action binds {study} (audit M21).
    headers = {**STOW_SINGLE_PART, "Accept": "application/xml"}
    response = http.post("/v2/studies/1.2.abc", content=make_instance(), headers=headers)
    assert (response.status_code, response.content) == (406, b"")


def test_request_over_the_size_limit_is_413_and_stores_nothing(tmp_path: Path) -> None:
    settings = EmulatorSettings(data_dir=tmp_path / "e", auth=False, max_request_bytes=2000)
    with TestClient(create_app(settings)) as client:
        body, headers = multipart_stow(make_instance(), make_instance(rows=64, columns=64))
        assert client.post("/v2/studies", content=body, headers=headers).status_code == 413
    assert blob_files(settings) == [] and list(settings.tmp_dir.iterdir()) == []


def test_stored_file_has_a_zeroed_preamble_and_is_otherwise_identical(
    http: TestClient, settings: EmulatorSettings
) -> None:
    original = bytearray(make_instance())
    original[:128] = b"MZ" + b"\x90" * 126  # a preamble that could carry an executable header
    response = http.post("/v2/studies", content=bytes(original), headers=STOW_SINGLE_PART)
    assert response.status_code == 200
    (stored,) = blob_files(settings)
    data = stored.read_bytes()
    assert data[:128] == b"\0" * 128 and data[128:] == bytes(original[128:])


def test_unversioned_store_is_404_and_unsupported_version_400(http: TestClient) -> None:
    response = http.post("/studies", content=make_instance(), headers=STOW_SINGLE_PART)
    assert response.status_code == 404
    # The versioning library's answer; its body is tested in tests/emulator/test_versions.py.
    response = http.post("/v3/studies", content=make_instance(), headers=STOW_SINGLE_PART)
    assert response.status_code == 400


def test_file_meta_without_preamble_is_stored_as_part10(
    http: TestClient, settings: EmulatorSettings
) -> None:
    """What ``pydicom.dcmwrite`` makes of an in-memory dataset (dicomweb-client sends it)."""
    ds = make_dataset()
    buffer = BytesIO()
    pydicom.dcmwrite(buffer, ds)
    raw = buffer.getvalue()
    assert raw[128:132] != b"DICM"
    assert http.post("/v2/studies", content=raw, headers=STOW_SINGLE_PART).status_code == 200
    (stored,) = blob_files(settings)
    data = stored.read_bytes()
    assert data[:132] == b"\0" * 128 + b"DICM" and data[132:] == raw
    assert pydicom.dcmread(stored).SOPInstanceUID == ds.SOPInstanceUID
