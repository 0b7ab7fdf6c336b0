"""Bulk update in a real emulator process killed (SIGKILL) in the middle of an operation:
nothing is half-updated, and the restarted emulator finishes the operation."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest
import requests
from pydicom import dcmread
from pydicom.uid import generate_uid

from dicom_emulator.settings import EmulatorSettings
from dicom_emulator.storage.index import Index
from tests.support.datasets import make_instance
from tests.support.headers import STOW_SINGLE_PART
from tests.support.live_emulator import running_emulator, start_emulator
from tests.support.polling import wait_until
from tests.support.updates import patient_name

pytestmark = pytest.mark.live

STUDIES, PER_STUDY = 30, 3


def _state(url: str, href_path: str) -> requests.Response:
    return requests.get(f"{url}{href_path}", timeout=10)


def _per_study_names(settings: EmulatorSettings) -> dict[str, set[str]]:
    """What the index says each study's instances are called, checked against their files."""
    index = Index(settings.index_path)
    try:
        names: dict[str, set[str]] = {}
        rows = index.reader().execute("SELECT study_uid, blob, metadata FROM instance_uids")
        for study, blob, metadata in rows:
            name = json.loads(metadata)["00100010"]["Value"][0]["Alphabetic"]
            in_file = str(dcmread(settings.blob_dir / blob, stop_before_pixels=True).PatientName)
            assert in_file == name  # file and index agree
            names.setdefault(study, set()).add(name)
        return names
    finally:
        index.close()


def test_a_killed_update_leaves_whole_studies_and_finishes_after_a_restart(
        tmp_path: Path) -> None:
    settings = EmulatorSettings(data_dir=tmp_path)
    process, url = start_emulator(tmp_path, "--auth", "off")
    studies = [generate_uid() for _ in range(STUDIES)]
    try:
        with requests.Session() as session:
            for study in studies:
                for _ in range(PER_STUDY):  # about 300 KB each: a study takes a moment
                    stored = session.post(f"{url}/v2/studies", headers=STOW_SINGLE_PART,
                                          data=make_instance(study, rows=384, columns=384))
                    assert stored.status_code == 200
            started = session.post(f"{url}/v2/studies/$bulkUpdate", json={
                "studyInstanceUids": studies, "changeDataset": patient_name("New^Name")})
            assert started.status_code == 202
            href = started.json()["href"].removeprefix(url)
            wait_until(lambda: _state(url, href).json()["results"]["studyProcessed"] >= 1,
                       interval=0.005, what="a first study updated")
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    names = _per_study_names(settings)
    assert all(len(found) == 1 for found in names.values()), "a study is half-updated"
    updated = sum(found == {"New^Name"} for found in names.values())
    assert 1 <= updated < STUDIES, "the operation finished before the kill: use more data"

    with running_emulator(tmp_path, "--auth", "off") as emulator:
        wait_until(lambda: _state(emulator.url, href).status_code == 200, timeout=120,
                   what="the operation resumed and finished")
        done = _state(emulator.url, href).json()
        assert done["status"] == "succeeded"
        assert done["results"] == {"studyProcessed": STUDIES, "studyUpdated": STUDIES,
                                   "studyFailed": 0, "instanceUpdated": STUDIES * PER_STUDY}
        feed = requests.get(f"{emulator.url}/v2/changefeed", params={"limit": 200},
                            timeout=10).json()
        updates = [e["sopInstanceUid"] for e in feed if e["action"] == "Update"]
        assert len(updates) == len(set(updates)) == STUDIES * PER_STUDY  # each exactly once
        # Originals and latest versions, and nothing else once recovery has swept orphans
        # (the new files of the study the kill interrupted).
        wait_until(lambda: sum(1 for _ in settings.blob_dir.rglob("*.dcm"))
                   == 2 * STUDIES * PER_STUDY, what="no orphan files")
    assert set(map(frozenset, _per_study_names(settings).values())) == {
        frozenset({"New^Name"})}
