"""The upsert: ``PUT /v2/studies[/{study}]`` replaces what POST refuses (45070).

Learn, DICOM conformance statement v2 (2024): "For upsert (PUT) requests, the existing
data is replaced by the new data received." The replacement is one index transaction;
the replaced file goes after the commit. In the change feed the new instance has its own
Create entry and watermark, so the earlier entry reads as Replaced
(``ChangeFeedState.Replaced``, ``SqlChangeFeedStoreV4.ConvertWatermarkToCurrentState``).
"""

from __future__ import annotations

import httpx
import pytest
from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from dicom_emulator import EmulatorSettings
from dicom_emulator.settings import DEFAULT_MAX_REQUEST_BYTES
from tests.support.datasets import make_instance
from tests.support.headers import ACCEPT_DICOM_JSON, STOW_SINGLE_PART
from tests.support.live_emulator import start_emulator, stop_emulator
from tests.support.stow import multipart_stow


def _patient_ids(client: TestClient | httpx.Client, study: str) -> list[str]:
    found = client.get(f"/v2/studies?StudyInstanceUID={study}", headers=ACCEPT_DICOM_JSON)
    return [r["00100020"]["Value"][0] for r in found.json()] if found.status_code == 200 else []


def test_post_refuses_and_put_replaces(http: TestClient, settings: EmulatorSettings) -> None:
    study, series, sop = generate_uid(), generate_uid(), generate_uid()
    first = make_instance(study, series, sop, PatientID="OLD")
    assert http.post("/v2/studies", content=first, headers=STOW_SINGLE_PART).status_code == 200
    (old_file,) = settings.blob_dir.rglob("*.dcm")
    again = make_instance(study, series, sop, PatientID="NEW")
    refused = http.post("/v2/studies", content=again, headers=STOW_SINGLE_PART)
    assert refused.status_code == 409
    assert refused.json()["00081198"]["Value"][0]["00081197"] == {"vr": "US", "Value": [45070]}
    replaced = http.put(f"/v2/studies/{study}", content=again, headers=STOW_SINGLE_PART)
    assert replaced.status_code == 200
    (item,) = replaced.json()["00081199"]["Value"]
    assert item["00081155"] == {"vr": "UI", "Value": [sop]}
    assert _patient_ids(http, study) == ["NEW"]
    metadata = http.get(f"/v2/studies/{study}/series/{series}/instances/{sop}/metadata",
                        headers=ACCEPT_DICOM_JSON).json()
    assert metadata[0]["00100020"]["Value"] == ["NEW"]
    (new_file,) = settings.blob_dir.rglob("*.dcm")
    assert new_file != old_file and not old_file.exists()


def test_put_stores_a_new_instance_and_validates_as_post_does(http: TestClient) -> None:
    study = generate_uid()
    created = http.put("/v2/studies", content=make_instance(study), headers=STOW_SINGLE_PART)
    assert created.status_code == 200
    mismatch = http.put(f"/v2/studies/{generate_uid()}", content=make_instance(study),
                        headers=STOW_SINGLE_PART)
    assert mismatch.status_code == 409
    assert mismatch.json()["00081198"]["Value"][0]["00081197"]["Value"] == [43264]


def test_the_change_feed_reads_the_replaced_entry_as_replaced(http: TestClient) -> None:
    study, series, sop = generate_uid(), generate_uid(), generate_uid()
    http.post("/v2/studies", content=make_instance(study, series, sop), headers=STOW_SINGLE_PART)
    http.put("/v2/studies", content=make_instance(study, series, sop, PatientID="NEW"),
             headers=STOW_SINGLE_PART)
    entries = http.get("/v1/changefeed?includemetadata=true").json()
    assert [(e["action"], e["state"]) for e in entries] == [("Create", "Replaced"),
                                                            ("Create", "Current")]
    assert entries[0]["metadata"]["00100020"]["Value"] == ["NEW"]  # the instance as it is now


def test_the_same_instance_twice_in_one_put_keeps_the_second(
    http: TestClient, settings: EmulatorSettings
) -> None:
    study, series, sop = generate_uid(), generate_uid(), generate_uid()
    body, headers = multipart_stow(make_instance(study, series, sop, PatientID="FIRST"),
                                   make_instance(study, series, sop, PatientID="SECOND"))
    response = http.put("/v2/studies", content=body, headers=headers)
    assert response.status_code == 200 and len(response.json()["00081199"]["Value"]) == 2
    assert _patient_ids(http, study) == ["SECOND"]
    assert len(list(settings.blob_dir.rglob("*.dcm"))) == 1


@pytest.mark.parametrize("prefix", ["v1", "v1.0-prerelease"])
def test_put_is_not_in_v1(http: TestClient, prefix: str) -> None:
    response = http.put(f"/{prefix}/studies", content=make_instance(), headers=STOW_SINGLE_PART)
    assert response.status_code == 405


def test_the_request_limit_is_4_gb_and_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    assert DEFAULT_MAX_REQUEST_BYTES == 4 * 1024**3
    assert EmulatorSettings.from_env().max_request_bytes == 4 * 1024**3
    monkeypatch.setenv("DICOM_EMULATOR_MAX_REQUEST_BYTES", "1000")
    assert EmulatorSettings.from_env().max_request_bytes == 1000


@pytest.mark.live
def test_an_acknowledged_replacement_survives_sigkill(tmp_path_factory: pytest.TempPathFactory
                                                      ) -> None:
    data_dir = tmp_path_factory.mktemp("upsert-kill")
    study, series, sop = generate_uid(), generate_uid(), generate_uid()
    process, url = start_emulator(data_dir, "--auth", "off")
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            for patient_id in ("OLD", "NEW"):
                stored = client.put("/v2/studies", headers=STOW_SINGLE_PART,
                                    content=make_instance(study, series, sop, PatientID=patient_id))
                assert stored.status_code == 200
    finally:
        process.kill()  # SIGKILL: no shutdown, no checkpoint
        process.wait(timeout=10)
    process, url = start_emulator(data_dir, "--auth", "off")
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            assert _patient_ids(client, study) == ["NEW"]
    finally:
        stop_emulator(process)
