"""Helpers for the bulk update tests (in-process app): store a study, update it, wait."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from dicom_emulator.features.update.worker import Updater
from tests.support.datasets import make_dataset
from tests.support.extended_query_tags import store_dataset, wait_for_operation

BULK_UPDATE = "/v2/studies/$bulkUpdate"


def patient_name(name: str) -> dict[str, Any]:
    """A change dataset that sets PatientName."""
    return {"00100010": {"vr": "PN", "Value": [{"Alphabetic": name}]}}


def store_study(http: TestClient, count: int = 2, series_count: int = 1,
                **attributes: Any) -> tuple[str, list[tuple[str, str]]]:
    """Store ``count`` instances per series of a new study; (study, [(series, sop)…])."""
    study = generate_uid()
    instances = []
    for _ in range(series_count):
        series = generate_uid()
        for _ in range(count):
            sop = generate_uid()
            assert store_dataset(http, make_dataset(study, series, sop, **attributes)) == 200
            instances.append((series, sop))
    return study, instances


def start_update(http: TestClient, studies: list[str], change: dict[str, Any],
                 **more: Any) -> dict[str, Any]:
    response = http.post(BULK_UPDATE, json={"studyInstanceUids": studies,
                                            "changeDataset": change, **more})
    assert response.status_code == 202, response.text
    return response.json()


def update_and_wait(http: TestClient, studies: list[str], change: dict[str, Any],
                    **more: Any) -> dict[str, Any]:
    return wait_for_operation(http, start_update(http, studies, change, **more)["href"])


@contextmanager
def held(updater: Updater) -> Iterator[threading.Semaphore]:
    """Hold the update worker before each study's index switch; ``release()`` lets one
    switch through. On exit the worker runs freely again."""
    gate = threading.Semaphore(0)
    reached = threading.Event()

    def wait() -> None:
        reached.set()
        gate.acquire()

    updater.before_switch = wait
    gate.reached = reached  # type: ignore[attr-defined]
    try:
        yield gate
    finally:
        updater.before_switch = lambda: None
        gate.release(1000)
