"""Export against a real Azurite: the operation's life, the blob layout, byte-identical
files, the error log, and a container the identity cannot write to."""

from __future__ import annotations

import json
import re

from azure.storage.blob import ContainerClient
from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from tests.export.conftest import paused
from tests.support.datasets import make_instance
from tests.support.polling import wait_until
from tests.support.stow import multipart_stow


def _store(http: TestClient, *instances: bytes) -> None:
    body, headers = multipart_stow(*instances)
    assert http.post("/v2/studies", content=body, headers=headers).status_code in (200, 202)


def _export(http: TestClient, values: list[str], container_url: str,
            version: str = "v2") -> dict[str, str]:
    response = http.post(f"/{version}/export", json={
        "source": {"type": "identifiers", "settings": {"values": values}},
        "destination": {"type": "azureblob", "settings": {
            "blobContainerUri": container_url, "useManagedIdentity": True}}})
    assert response.status_code == 202, response.text
    body: dict[str, str] = response.json()
    assert response.headers["location"] == body["href"]
    return body


def _finished(http: TestClient, href: str) -> dict[str, object]:
    wait_until(lambda: http.get(href).status_code == 200)
    state: dict[str, object] = http.get(href).json()
    return state


def _wado(http: TestClient, study: str, series: str, sop: str) -> bytes:
    response = http.get(f"/v2/studies/{study}/series/{series}/instances/{sop}",
                        headers={"Accept": "application/dicom; transfer-syntax=*"})
    assert response.status_code == 200
    return response.content


def test_a_study_a_series_and_an_instance_land_byte_identical(
        export_http: TestClient, container: ContainerClient) -> None:
    study, series, other_series = generate_uid(), generate_uid(), generate_uid()
    sops = [generate_uid() for _ in range(4)]
    lone_study, lone_series, lone_sop = generate_uid(), generate_uid(), generate_uid()
    _store(export_http, make_instance(study, series, sops[0]),
           make_instance(study, series, sops[1]), make_instance(study, other_series, sops[2]),
           make_instance(lone_study, lone_series, lone_sop, implicit=True),
           make_instance(lone_study, lone_series, sops[3]))
    body = _export(export_http, [study, f"{lone_study}/{lone_series}/{lone_sop}"],
                   container.url)
    assert re.fullmatch("[0-9a-f]{32}", body["id"])
    assert body["href"] == f"http://testserver/v2/operations/{body['id']}"
    state = _finished(export_http, body["href"])
    op = body["id"]
    assert state["status"] == "succeeded" and state["type"] == "export"
    assert state["results"] == {"errorHref": f"{container.url}/{op}/errors.log",
                                "exported": 4, "skipped": 0}
    assert list(state) == ["operationId", "type", "createdTime", "lastUpdatedTime", "status",
                           "results"]
    expected = {(study, series, sops[0]), (study, series, sops[1]),
                (study, other_series, sops[2]), (lone_study, lone_series, lone_sop)}
    names = {b.name for b in container.list_blobs(name_starts_with=f"{op}/results/")}
    assert names == {f"{op}/results/{a}/{b}/{c}.dcm" for a, b, c in expected}
    for uids in expected:
        blob = container.download_blob(f"{op}/results/{'/'.join(uids)}.dcm").readall()
        assert blob == _wado(export_http, *uids)
    assert container.download_blob(f"{op}/errors.log").readall() == b""


def test_missing_identifiers_are_skipped_into_the_error_log(
        export_http: TestClient, container: ContainerClient) -> None:
    study, series, sop = generate_uid(), generate_uid(), generate_uid()
    _store(export_http, make_instance(study, series, sop))
    missing_study, missing_series = generate_uid(), f"{study}/{generate_uid()}"
    missing_sop = f"{study}/{series}/{generate_uid()}"
    body = _export(export_http, [f"{study}/{series}", missing_study, missing_series,
                                 missing_sop], container.url)
    state = _finished(export_http, body["href"])
    assert state["status"] == "succeeded"
    assert state["results"] == {"errorHref": f"{container.url}/{body['id']}/errors.log",
                                "exported": 1, "skipped": 3}
    lines = container.download_blob(f"{body['id']}/errors.log").readall().splitlines()
    entries = [json.loads(line) for line in lines]
    assert [list(e) for e in entries] == [["timestamp", "identifier", "error"]] * 3
    assert [(e["identifier"], e["error"]) for e in entries] == [
        (missing_study, "The specified study cannot be found."),
        (missing_series, "The specified series cannot be found."),
        (missing_sop, "The specified instance cannot be found."),
    ]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00", e["timestamp"])
               for e in entries)


def test_a_file_that_cannot_be_read_is_skipped_and_logged(
        export_http: TestClient, container: ContainerClient) -> None:
    study, series = generate_uid(), generate_uid()
    sops = [generate_uid(), generate_uid()]
    _store(export_http, *(make_instance(study, series, sop) for sop in sops))
    components = export_http.app.state.components
    lost = components.index.find_instances(study, series, sops[1])[0]
    components.blobs.path(lost.blob).unlink()
    body = _export(export_http, [study], container.url)
    state = _finished(export_http, body["href"])
    assert state["results"]["exported"] == 1 and state["results"]["skipped"] == 1  # type: ignore[index]
    entry = json.loads(container.download_blob(f"{body['id']}/errors.log").readall())
    assert entry["identifier"] == f"{study}/{series}/{sops[1]}"
    assert entry["error"] == "The specified item cannot be found."


def test_results_grow_while_it_runs_and_v1_says_completed(
        export_http: TestClient, container: ContainerClient) -> None:
    studies = [generate_uid() for _ in range(3)]
    _store(export_http, *(make_instance(s) for s in studies))
    exporter = export_http.app.state.components.exporter
    exporter.batch_size = 1
    with paused(exporter) as gate:
        body = _export(export_http, studies, container.url, version="v1")
        running = export_http.get(body["href"])
        assert running.status_code == 202 and running.headers["location"] == body["href"]
        assert running.json()["results"]["exported"] == 0
        gate.release()
        wait_until(lambda: export_http.get(body["href"]).json()["results"]["exported"] == 1)
        assert export_http.get(body["href"]).json()["status"] == "running"
    state = _finished(export_http, body["href"])
    assert state["status"] == "completed"
    assert state["results"]["exported"] == 3  # type: ignore[index]
