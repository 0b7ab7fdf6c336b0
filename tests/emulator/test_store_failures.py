"""STOW-RS failures as the service gives them: unreadable parts, duplicates, content types.

Every parse error of a part is fo-dicom's ``DicomFileException``, which the service turns
into ``InvalidInstanceException`` (a ``ValidationException``): failure 43264, never a 5xx,
and the request's other parts are stored. 272 is left for storage and processing errors.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from starlette.testclient import TestClient

from dicom_emulator import EmulatorSettings
from dicom_emulator.features.retrieve.service import dicom_content_type
from dicom_emulator.launcher import launch
from helpers import samples
from tests.support.datasets import make_instance
from tests.support.headers import ACCEPT_DICOM_JSON, STOW_SINGLE_PART
from tests.support.paths import REPO
from tests.support.stow import multipart_related, multipart_stow

# The kit's own red triangle (generated on first use: a fresh clone has none yet).
REAL = samples.azure_shapes()["red-triangle"].read_bytes()
UNREADABLE = {"00081197": {"vr": "US", "Value": [43264]}}


def _at(tag: int) -> int:
    """Where the element ``tag`` starts in the real file (explicit VR little endian)."""
    return REAL.index(struct.pack("<HH", tag >> 16, tag & 0xFFFF), 132)


def _patched(offset: int, data: bytes) -> bytes:
    out = bytearray(REAL)
    out[offset:offset + len(data)] = data
    return bytes(out)


def _nested(depth: int) -> bytes:
    """A ContentSequence nested ``depth`` deep, undefined lengths throughout."""
    sequence = struct.pack("<HH", 0x0040, 0xA730) + b"SQ\0\0" + struct.pack("<I", 0xFFFFFFFF)
    item = struct.pack("<HHI", 0xFFFE, 0xE000, 0xFFFFFFFF)
    ends = struct.pack("<HHI", 0xFFFE, 0xE00D, 0) + struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)
    return (sequence + item) * depth + ends * depth


PATIENT_NAME, STUDY_UID, SOP_CLASS = 0x00100010, 0x0020000D, 0x00080016
PIXEL_DATA = REAL.index(struct.pack("<HH", 0x7FE0, 0x0010), 132)
MUTATIONS: dict[str, Callable[[], bytes]] = {
    "empty": lambda: b"",
    "cut in the file meta": lambda: REAL[:150],
    "cut inside PatientName": lambda: REAL[:_at(PATIENT_NAME) + 10],
    "cut inside StudyInstanceUID": lambda: REAL[:_at(STUDY_UID) + 12],
    "DICM prefix flipped": lambda: _patched(128, b"DXCM"),
    "unknown VR": lambda: _patched(_at(PATIENT_NAME) + 4, b"ZZ"),
    "SQ for a UI element": lambda: _patched(_at(SOP_CLASS) + 4, b"SQ"),
    "PatientName length 0xFFFF": lambda: _patched(_at(PATIENT_NAME) + 6, b"\xff\xff"),
    "SpecificCharacterSet length 0xFFF0": lambda: _patched(_at(0x00080005) + 6, b"\xf0\xff"),
    "StudyInstanceUID length 0x8000": lambda: _patched(_at(STUDY_UID) + 6, b"\x00\x80"),
    "sequences nested 200 deep": lambda: REAL[:PIXEL_DATA] + _nested(200) + REAL[PIXEL_DATA:],
    "nested 200 deep mid-header": lambda: (REAL[:_at(0x00204000)] + _nested(200)
                                           + REAL[_at(0x00204000):]),
}


def _failed(dataset: dict) -> list[dict]:
    return dataset.get("00081198", {}).get("Value", [])


def _stored(dataset: dict) -> list[dict]:
    return dataset.get("00081199", {}).get("Value", [])


# pydicom warns about what the mutations broke; the assertions are about the answer.
@pytest.mark.filterwarnings("ignore:VR lookup failed", "ignore:Failed to decode byte string")
@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_a_broken_part_fails_with_43264_and_the_good_part_is_stored(
    http: TestClient, settings: EmulatorSettings, mutation: str
) -> None:
    body, headers = multipart_stow(make_instance(), MUTATIONS[mutation]())
    response = http.post("/v2/studies", content=body, headers=headers)
    assert response.status_code == 202
    (failed,) = _failed(response.json())
    assert failed["00081197"] == {"vr": "US", "Value": [43264]}
    assert len(_stored(response.json())) == 1
    assert len(list(settings.blob_dir.rglob("*.dcm"))) == 1  # the broken part left nothing
    assert list(settings.tmp_dir.iterdir()) == []


def test_garbage_fails_with_43264_and_only_the_failure_reason(http: TestClient) -> None:
    response = http.post("/v2/studies", content=b"this is not a DICOM file",
                         headers=STOW_SINGLE_PART)
    assert response.status_code == 409
    assert response.json() == {"00081198": {"vr": "SQ", "Value": [UNREADABLE]}}


@pytest.mark.parametrize("syntax", [b"1.2.840\r\nX-Inject:1\x00", b"1.2.840.1\x00008.1.2.1\x00"])
def test_a_transfer_syntax_uid_that_is_no_uid_fails_with_43264(http: TestClient,
                                                                syntax: bytes) -> None:
    # It would be written raw into every retrieve's part headers (header injection).
    # pydicom refuses to write such a file, so the stored bytes are patched (same length).
    good = b"1.2.840.10008.1.2.1\x00"
    assert len(syntax) == len(good)
    data = make_instance()
    response = http.post("/v2/studies", content=data.replace(good, syntax, 1),
                         headers=STOW_SINGLE_PART)
    assert response.status_code == 409
    assert response.json()["00081198"]["Value"][0]["00081197"]["Value"] == [43264]
    assert http.get("/v2/studies", headers=ACCEPT_DICOM_JSON).status_code == 204


def test_a_stored_syntax_that_is_no_uid_never_reaches_a_header() -> None:
    # A data dir from a kit that did not check it at store time.
    assert dicom_content_type("application/dicom", "1.2\r\nX: y") == "application/dicom"
    assert dicom_content_type("application/dicom", "1.2.840.10008.1.2.1") == (
        "application/dicom; transfer-syntax=1.2.840.10008.1.2.1")


def test_empty_single_part_body_is_409_with_43264(http: TestClient) -> None:
    """``StoreTransactionTests.GivenEmptyContent_WhenStoring_TheServerShouldReturnConflict``."""
    response = http.post("/v1/studies", content=b"", headers=STOW_SINGLE_PART)
    assert response.status_code == 409
    assert response.json() == {"00081198": {"vr": "SQ", "Value": [UNREADABLE]}}


def test_a_storage_error_is_272(http: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(path: Path, has_preamble: bool, folder: str) -> str:
        raise OSError("disk full")

    monkeypatch.setattr(http.app.state.components.store.blobs, "place", refuse)
    response = http.post("/v2/studies", content=make_instance(), headers=STOW_SINGLE_PART)
    assert response.status_code == 409
    assert [item["00081197"]["Value"] for item in _failed(response.json())] == [[272]]


def test_a_folder_that_cannot_be_fsynced_fails_the_request_s_instances_with_272(
        http: TestClient, settings: EmulatorSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(path: Path) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr("dicom_emulator.storage.blobs.fsync_dir", refuse)
    body, headers = multipart_stow(make_instance(), make_instance())
    response = http.post("/v2/studies", content=body, headers=headers)
    assert response.status_code == 409
    assert [item["00081197"]["Value"] for item in _failed(response.json())] == [[272], [272]]
    assert list(settings.blob_dir.rglob("*.dcm")) == []  # not durable: no file is left
    assert http.get("/v2/studies", headers=ACCEPT_DICOM_JSON).status_code == 204


def test_the_same_instance_twice_in_one_request_fails_the_second_with_45070(
    http: TestClient, settings: EmulatorSettings
) -> None:
    instance = make_instance()
    body, headers = multipart_stow(instance, instance)
    response = http.post("/v2/studies", content=body, headers=headers)
    assert response.status_code == 202
    (failed,) = _failed(response.json())
    assert failed["00081197"] == {"vr": "US", "Value": [45070]}
    assert len(_stored(response.json())) == 1
    assert len(list(settings.blob_dir.rglob("*.dcm"))) == 1


# -- content types (M18) -----------------------------------------------------------------

@pytest.mark.parametrize("content_type", ["application/json", "multipart/form-data; boundary=X",
                                          "application/dicom+json"])
def test_a_type_consumes_refuses_is_415_with_no_body(http: TestClient, content_type: str) -> None:
    headers = {**ACCEPT_DICOM_JSON, "Content-Type": content_type}
    response = http.post("/v2/studies", content=make_instance(), headers=headers)
    assert response.status_code == 415 and response.content == b""


@pytest.mark.parametrize(("content_type", "status", "text"), [
    ("multipart/related", 415,
     "The content type 'multipart/related' is either not multipart or is missing boundary."),
    ('multipart/related; type="application/dicom"', 415,
     "The content type 'multipart/related; type=\"application/dicom\"' is either not multipart "
     "or is missing boundary."),
    ("multipart/related; boundary=B; start=<a@b>", 400,
     "The start parameter in multipart/related request is not supported."),
    ("application/dicom; transfer-syntax=1.2.840.10008.1.2.1", 415,
     "The specified content type 'application/dicom; transfer-syntax=1.2.840.10008.1.2.1' "
     "is not supported."),
    (None, 415, "The specified content type '' is not supported."),
])
def test_content_type_texts(http: TestClient, content_type: str | None, status: int,
                            text: str) -> None:
    headers = dict(ACCEPT_DICOM_JSON)
    if content_type is not None:
        headers["Content-Type"] = content_type
    body = multipart_related([("application/dicom", make_instance())], "B")
    response = http.post("/v2/studies", content=body, headers=headers)
    assert (response.status_code, response.text) == (status, text)


def test_a_part_with_media_type_parameters_is_415(http: TestClient) -> None:
    part_type = "application/dicom; transfer-syntax=1.2.840.10008.1.2.1"
    body = multipart_related([(part_type, make_instance())], "B")
    headers = {**ACCEPT_DICOM_JSON, "Content-Type": "multipart/related; boundary=B"}
    response = http.post("/v2/studies", content=body, headers=headers)
    assert response.status_code == 415
    assert response.text == f"The specified content type '{part_type}' is not supported."



@pytest.mark.live
def test_a_client_that_leaves_mid_body_stores_nothing_and_logs_no_error(tmp_path: Path) -> None:
    # A real server: the client sends a tenth of the body it announced, then hangs up.
    log = tmp_path / "emulator.log"
    with open(log, "wb") as stderr:
        process, url = launch(tmp_path / "emulator", "--auth", "off", stderr=stderr, cwd=REPO)
        try:
            host, port = url.removeprefix("http://").split(":")
            with socket.create_connection((host, int(port))) as sock:
                sock.sendall(b"POST /v2/studies HTTP/1.1\r\nHost: x\r\n"
                             b"Accept: application/dicom+json\r\nContent-Type: application/dicom"
                             b"\r\nContent-Length: 100000\r\n\r\n" + b"\0" * 10000)
            response = requests.get(f"{url}/v2/studies", headers=ACCEPT_DICOM_JSON, timeout=10)
            assert response.status_code == 204  # nothing stored, and it still answers
        finally:
            process.terminate()
            process.wait(timeout=10)
    assert "Traceback" not in log.read_text()
    assert not any((tmp_path / "emulator" / "tmp").iterdir())  # no spooled part left
