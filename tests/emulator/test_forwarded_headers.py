"""Forwarded headers (Learn, "URL manipulation", 2024): ``X-Forwarded-Host`` replaces the
host and ``X-Forwarded-Prefix`` replaces the ``v{n}`` path part of every URL the service
returns: STOW RetrieveURLs, operation hrefs and Location, extended query tag and error
links. Learn's example: ``https://api.powershare.com/newbasePath/studies/…``."""

from __future__ import annotations

import pytest
from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from tests.support.datasets import make_instance
from tests.support.extended_query_tags import paused, store, wait_for_operation
from tests.support.headers import STOW_SINGLE_PART

HOST = {"X-Forwarded-Host": "api.example.com"}
PREFIX = {"X-Forwarded-Prefix": "/newbasePath"}
BOTH = HOST | PREFIX
CASES = [({}, "http://testserver/v2"), (HOST, "http://api.example.com/v2"),
         (PREFIX, "http://testserver/newbasePath"), (BOTH, "http://api.example.com/newbasePath"),
         ({"X-Forwarded-Prefix": "/a/b/"}, "http://testserver/a/b"),
         ({"X-Forwarded-Prefix": "/"}, "http://testserver")]
IDS = ["none", "host", "prefix", "both", "prefix-with-slashes", "root-prefix"]


@pytest.mark.parametrize(("headers", "base"), CASES, ids=IDS)
def test_stow_retrieve_urls(http: TestClient, headers: dict[str, str], base: str) -> None:
    study, series, sop = generate_uid(), generate_uid(), generate_uid()
    response = http.post(f"/v2/studies/{study}", content=make_instance(study, series, sop),
                         headers=STOW_SINGLE_PART | headers)
    assert response.status_code == 200
    body = response.json()
    assert body["00081190"]["Value"] == [f"{base}/studies/{study}"]
    (item,) = body["00081199"]["Value"]
    assert item["00081190"]["Value"] == [f"{base}/studies/{study}/series/{series}/instances/{sop}"]


@pytest.mark.parametrize(("headers", "base"), CASES, ids=IDS)
def test_operation_and_extended_query_tag_links(http: TestClient, headers: dict[str, str],
                                                base: str) -> None:
    # One instance whose PatientAge is not an AS value: the reindex records an error.
    assert store(http, generate_uid(), generate_uid(), generate_uid(), version="v1",
                 PatientAge="TOO LONG") == 200
    response = http.post("/v2/extendedquerytags", json=[{"path": "PatientAge",
                                                         "level": "Instance"}],
                         headers=headers)
    assert response.status_code == 202
    operation = response.json()
    assert operation["href"] == f"{base}/operations/{operation['id']}"
    assert response.headers["location"] == operation["href"]
    path = f"/v2/operations/{operation['id']}"
    state = wait_for_operation(http, path)
    done = http.get(path, headers=headers).json()
    assert done["resources"] == [f"{base}/extendedquerytags/00101010"]
    assert state["status"] == "succeeded"
    entry = http.get("/v2/extendedquerytags/PatientAge", headers=headers).json()
    assert entry["errors"] == {"count": 1, "href": f"{base}/extendedquerytags/00101010/errors"}
    listed = http.get("/v2/extendedquerytags", headers=headers).json()
    assert listed[0]["errors"]["href"] == f"{base}/extendedquerytags/00101010/errors"


def test_running_operation_location(http: TestClient) -> None:
    """202 with Location while the operation runs: from the forwarded base as well."""
    assert store(http, generate_uid(), generate_uid(), generate_uid()) == 200
    with paused(http.app.state.components.reindexer):  # type: ignore[attr-defined]
        response = http.post("/v2/extendedquerytags", json=[{"path": "StudyID",
                                                             "level": "Study"}])
        operation_id = response.json()["id"]
        running = http.get(f"/v2/operations/{operation_id}", headers=BOTH)
        assert running.status_code == 202
        assert running.headers["location"] == (
            f"http://api.example.com/newbasePath/operations/{operation_id}")
