"""Helpers for the extended query tag, operation and reindex tests (in-process app)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydicom.dataset import Dataset
from starlette.testclient import TestClient

from dicom_emulator.features.extended_query_tags.reindex import Reindexer
from tests.support.datasets import make_instance, to_bytes
from tests.support.headers import STOW_SINGLE_PART


def store(http: TestClient, *args: Any, version: str = "v2", **attributes: Any) -> int:
    """Store one instance made by ``make_instance``; returns the status code."""
    body = make_instance(*args, **attributes)
    return http.post(f"/{version}/studies", content=body, headers=STOW_SINGLE_PART).status_code


def store_dataset(http: TestClient, ds: Dataset, version: str = "v2") -> int:
    response = http.post(f"/{version}/studies", content=to_bytes(ds), headers=STOW_SINGLE_PART)
    return response.status_code


def add_tags(http: TestClient, *tags: dict[str, Any], version: str = "v2") -> dict[str, Any]:
    response = http.post(f"/{version}/extendedquerytags", json=list(tags))
    assert response.status_code == 202, response.text
    return response.json()


def wait_for_operation(http: TestClient, href: str, timeout: float = 60) -> dict[str, Any]:
    """Poll an operation until it answers 200; returns its final state."""
    deadline = time.monotonic() + timeout
    while True:
        response = http.get(href)
        if response.status_code == 200:
            return response.json()
        assert response.status_code == 202, response.text
        assert time.monotonic() < deadline, f"operation still running: {response.json()}"
        time.sleep(0.02)


def add_and_wait(http: TestClient, *tags: dict[str, Any]) -> dict[str, Any]:
    return wait_for_operation(http, add_tags(http, *tags)["href"])


def value_rows(http: TestClient, path: str) -> list[tuple]:
    """``(instance_key, text, int, real)`` of a tag's index rows, by instance."""
    conn = http.app.state.components.index.reader()
    return conn.execute(
        "SELECT v.instance_key, v.text_value, v.int_value, v.real_value"
        " FROM extended_query_tag_value v JOIN extended_query_tag t ON t.tag_key = v.tag_key"
        " WHERE t.path = ? ORDER BY v.instance_key", (path,),
    ).fetchall()


def instance_count(http: TestClient) -> int:
    return http.app.state.components.index.reader().execute(
        "SELECT COUNT(*) FROM instance").fetchone()[0]


@contextmanager
def paused(reindexer: Reindexer) -> Iterator[threading.Semaphore]:
    """Hold the reindex worker before each batch; ``release()`` lets one batch through.

    On exit the worker runs freely again.
    """
    gate = threading.Semaphore(0)
    reindexer.before_batch = gate.acquire
    try:
        yield gate
    finally:
        reindexer.before_batch = lambda: None
        gate.release(1000)
