"""The crash trial's updating client and what it checks: bulk updates under SIGKILLs.

The client stores studies of a few instances (no other client deletes them), then renames
their patient (``$bulkUpdate`` of PatientName) and polls the operation to its end, across
restarts: the worker resumes an operation a kill cut. An update is *acknowledged* when
its operation says succeeded; one whose request was cut may or may not have been queued,
and its study is updated no more. After recovery, and every time the client looks while
the trial runs, each study has one name in all its instances, file and metadata alike:
the last acknowledged one (or the cut one, applied whole). An updated instance differs
from what was stored only in that name (and in the file meta the writer names); its
original version is kept byte for byte; the change feed has one Update entry per instance
per applied update (``EndUpdateInstanceV54`` inserts action 2 for each updated instance).
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from io import BytesIO
from typing import TYPE_CHECKING

import requests
from pydicom import dcmread

from tests.reliability.integrity import PREAMBLE
from tests.support.datasets import make_instance
from tests.support.stow import multipart_stow

if TYPE_CHECKING:
    from tests.reliability.crash import Figures, Key, Ledger, Server

DICOM = "application/dicom"
ORIGINAL = {"msdicom-request-original": "true"}  # retrieve the version first stored
STORED_NAME = "Doe^Jane"  # make_instance's PatientName
INSTANCES_PER_STUDY = 3
FINISHED = ("succeeded", "failed", "canceled")
POLL_FOR = 120.0  # seconds an operation may take, restarts included


@dataclass
class UpdatedStudy:
    """A study of the updating client and the names it was given."""

    uid: str
    keys: list[Key]
    names: list[str] = field(default_factory=lambda: [STORED_NAME])  # acknowledged, in order
    cut: str | None = None  # the name of an update whose request was cut: applied or not

    def allowed_names(self) -> set[str]:
        return {self.names[-1]} | ({self.cut} if self.cut else set())


def _store_study(url: str, ledger: Ledger, rng: random.Random) -> UpdatedStudy | None:
    study = f"2.25.{rng.getrandbits(100)}"
    instances = [make_instance(study) for _ in range(INSTANCES_PER_STUDY)]
    keys = []
    with ledger.lock:
        for data in instances:
            ds = dcmread(BytesIO(data), stop_before_pixels=True)
            key = (ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)
            ledger.data[key] = data
            ledger.unsure.add(key)
            keys.append(key)
    body, headers = multipart_stow(*instances)
    response = requests.post(f"{url}/v2/studies", data=body, headers=headers, timeout=30)
    if response.status_code != 200:
        return None
    with ledger.lock:
        ledger.unsure.difference_update(keys)
    return UpdatedStudy(study, keys)


def _change(name: str) -> dict[str, object]:
    return {"00100010": {"vr": "PN", "Value": [{"Alphabetic": name}]}}


def _poll(server: Server, operation_id: str) -> str | None:
    """The operation's final status, asked again across restarts; None if it never ends."""
    deadline = time.time() + POLL_FOR
    while time.time() < deadline:
        try:
            response = requests.get(f"{server.url}/v2/operations/{operation_id}", timeout=30)
            status = str(response.json().get("status")) if response.status_code < 300 else ""
            if status in FINISHED:
                return status
        except (requests.RequestException, ValueError):
            pass  # the server is being restarted
        time.sleep(0.1)
    return None


def _update(server: Server, ledger: Ledger, figures: Figures, study: UpdatedStudy,
            name: str) -> None:
    try:
        response = requests.post(
            f"{server.url}/v2/studies/$bulkUpdate", timeout=30,
            json={"studyInstanceUids": [study.uid], "changeDataset": _change(name)})
    except requests.RequestException:
        with ledger.lock:
            study.cut = name  # queued or not: this study is updated no more
            figures.cut_requests += 1
        return
    if response.status_code != 202:
        with ledger.lock:
            figures.problems.append(f"bulk update of {study.uid}: {response.status_code}")
        return
    status = _poll(server, response.json()["id"])
    with ledger.lock:
        if status == "succeeded":
            study.names.append(name)
            figures.updates_acknowledged += 1
        else:
            figures.problems.append(f"update operation of {study.uid} ended {status}")


def updating_client(server: Server, ledger: Ledger, figures: Figures, stop: threading.Event,
                    seed: int) -> None:
    """Store studies, rename their patient, and look that acknowledged names stay."""
    rng = random.Random(seed)
    renames = 0
    while not stop.is_set():
        with ledger.lock:
            ready = [s for s in ledger.studies.values() if s.cut is None]
        try:
            if ready and rng.random() < 0.3:  # an acknowledged name, after any restarts
                study = rng.choice(ready)
                problems = name_problems(server.url, study)
                with ledger.lock:
                    figures.problems += problems
            elif ready and rng.random() < 0.7:
                renames += 1
                _update(server, ledger, figures, rng.choice(ready), f"Crash^{seed}^{renames}")
            elif (study := _store_study(server.url, ledger, rng)) is not None:
                with ledger.lock:
                    ledger.studies[study.uid] = study
                    figures.stores_acknowledged += len(study.keys)
        except requests.RequestException:
            with ledger.lock:
                figures.cut_requests += 1
            time.sleep(0.05)  # the server is being restarted


def _metadata_names(url: str, study: UpdatedStudy) -> dict[str, str]:
    """PatientName per SOP instance UID in the study's metadata."""
    response = requests.get(f"{url}/v2/studies/{study.uid}/metadata", timeout=30,
                            headers={"Accept": "application/dicom+json"})
    if response.status_code != 200:
        return {}
    return {item["00080018"]["Value"][0]: item["00100010"]["Value"][0]["Alphabetic"]
            for item in response.json()}


def name_problems(url: str, study: UpdatedStudy) -> list[str]:
    """What is wrong with the name in ``study``'s metadata: not one for all its instances,
    or not the last acknowledged one (or the cut one)."""
    names = _metadata_names(url, study)
    problems = []
    if set(names) != {key[2] for key in study.keys}:
        problems.append(f"study {study.uid} has instances {sorted(names)} in its metadata")
    if len(set(names.values())) > 1:
        problems.append(f"study {study.uid} half updated: {sorted(set(names.values()))}")
    if not set(names.values()) <= study.allowed_names():
        problems.append(f"study {study.uid} is named {sorted(set(names.values()))}, "
                        f"expected one of {sorted(study.allowed_names())}")
    return problems


def study_problems(url: str, study: UpdatedStudy, stored: dict[Key, bytes]
                   ) -> tuple[list[str], int]:
    """After recovery: the name problems, then each file against what was ``stored`` (with
    the study's name) and each original against it byte for byte; and how many updates
    the study's name says were applied."""
    problems = name_problems(url, study)
    names = _metadata_names(url, study)
    for key in study.keys:
        name = names.get(key[2], study.names[-1])
        response = requests.get(instance_url(url, key), timeout=30,
                                headers={"Accept": f"{DICOM}; transfer-syntax=*"})
        if response.status_code != 200:
            problems.append(f"updated instance {key[2]}: {response.status_code}")
            continue
        if name == STORED_NAME:  # never updated: as stored, byte for byte
            if response.content[PREAMBLE:] != stored[key][PREAMBLE:]:
                problems.append(f"instance {key[2]} changed")
            continue
        problems += [f"{key[2]} differs in {d}"
                     for d in file_differences(stored[key], response.content, name)]
        original = requests.get(instance_url(url, key), timeout=30, headers={
            "Accept": f"{DICOM}; transfer-syntax=*", **ORIGINAL})
        if original.content[PREAMBLE:] != stored[key][PREAMBLE:]:
            problems.append(f"original of {key[2]} changed: {original.status_code}")
    name = next(iter(names.values()), study.names[-1])
    return problems, len(study.names) - 1 + (name == study.cut)


def instance_url(url: str, key: Key) -> str:
    return f"{url}/v2/studies/{key[0]}/series/{key[1]}/instances/{key[2]}"


def file_differences(stored: bytes, retrieved: bytes, name: str) -> list[str]:
    """How ``retrieved`` differs from ``stored`` with PatientName set to ``name``: the
    dataset must be equal element for element; of the file meta only the transfer syntax
    and SOP class must stay (the writer names itself, and follows the SOP instance)."""
    expected, got = dcmread(BytesIO(stored)), dcmread(BytesIO(retrieved))
    expected.PatientName = name
    differences = [str(elem.keyword or elem.tag) for elem in expected
                   if elem.tag not in got or got[elem.tag] != elem]
    differences += [f"extra {elem.keyword or elem.tag}" for elem in got
                    if elem.tag not in expected]
    for keyword in ("TransferSyntaxUID", "MediaStorageSOPClassUID"):
        if expected.file_meta.get(keyword) != got.file_meta.get(keyword):
            differences.append(f"file meta {keyword}")
    return differences
