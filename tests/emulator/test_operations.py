"""Operations: 202 while a reindex runs, 200 when done (v1 ``completed``, v2 ``succeeded``),
progress, resources, 404s; the reindex resumes after a restart and skips what a
concurrent store already indexed."""

from __future__ import annotations

import uuid
from pathlib import Path

from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from dicom_emulator import EmulatorSettings, create_app
from tests.support.extended_query_tags import (
    add_tags,
    instance_count,
    paused,
    store,
    value_rows,
    wait_for_operation,
)
from tests.support.polling import wait_until


def test_running_then_done_in_both_versions(http: TestClient) -> None:
    for _ in range(3):
        assert store(http, PatientAge="020Y") == 200
    reindexer = http.app.state.components.reindexer
    reindexer.batch_size = 1
    with paused(reindexer):
        body = add_tags(http, {"path": "PatientAge", "level": "Study"},
                        {"path": "StudyID", "level": "Study"})
        running = http.get(body["href"])
        assert running.status_code == 202
        assert running.headers["location"] == body["href"]
        state = running.json()
        assert state["status"] in ("notStarted", "running")
        assert state["percentComplete"] < 100 and state["type"] == "reindex"
        assert state["resources"] == ["http://testserver/v2/extendedquerytags/00101010",
                                      "http://testserver/v2/extendedquerytags/00200010"]
    done = wait_for_operation(http, body["href"])
    assert done["status"] == "succeeded" and done["percentComplete"] == 100
    assert list(done) == ["operationId", "type", "createdTime", "lastUpdatedTime", "status",
                          "percentComplete", "resources"]
    assert done["operationId"] == body["id"]
    assert done["createdTime"] <= done["lastUpdatedTime"]
    v1 = http.get(f"/v1/operations/{body['id']}")
    assert v1.status_code == 200 and v1.json()["status"] == "completed"
    assert v1.json()["resources"][0].startswith("http://testserver/v1/extendedquerytags/")
    hyphenated = str(uuid.UUID(body["id"]))
    assert http.get(f"/v2/operations/{hyphenated}").json()["operationId"] == body["id"]


def test_progress_is_reported_between_batches(http: TestClient) -> None:
    for _ in range(4):
        assert store(http, PatientAge="020Y") == 200
    reindexer = http.app.state.components.reindexer
    reindexer.batch_size = 1
    with paused(reindexer) as gate:
        body = add_tags(http, {"path": "PatientAge", "level": "Study"})

        def percent() -> int:
            return int(http.get(body["href"]).json()["percentComplete"])

        assert percent() == 0
        for expected in (25, 50, 75, 99):
            gate.release()  # one batch of one instance
            wait_until(lambda expected=expected: percent() == expected)
            assert http.get(body["href"]).status_code == 202
        assert len(value_rows(http, "00101010")) == 4
        gate.release()  # the last, empty batch completes the operation
        assert wait_for_operation(http, body["href"])["percentComplete"] == 100


def test_unknown_operations_are_404(http: TestClient) -> None:
    for path in (f"/v2/operations/{uuid.uuid4().hex}", "/v2/operations/1",
                 "/v1/operations/not-a-guid"):
        response = http.get(path)
        assert response.status_code == 404
        assert response.text == ""


def test_store_during_reindex_indexes_each_instance_once(http: TestClient) -> None:
    before = [generate_uid() for _ in range(6)]
    for sop in before:
        assert store(http, generate_uid(), generate_uid(), sop, PatientAge="030Y") == 200
    reindexer = http.app.state.components.reindexer
    reindexer.batch_size = 2
    with paused(reindexer):
        body = add_tags(http, {"path": "PatientAge", "level": "Instance"})
        # Stored while the tag is Adding: indexed by the store itself, not by the reindex.
        for _ in range(3):
            assert store(http, PatientAge="031Y") == 200
    wait_for_operation(http, body["href"])
    rows = value_rows(http, "00101010")
    keys = [r[0] for r in rows]
    assert len(keys) == len(set(keys)) == instance_count(http) == 9
    assert sorted(r[1] for r in rows) == ["030Y"] * 6 + ["031Y"] * 3


def test_reindex_resumes_after_a_restart(tmp_path: Path) -> None:
    settings = EmulatorSettings(data_dir=tmp_path / "emulator", auth=False)
    with TestClient(create_app(settings), base_url="http://testserver") as first:
        for age in range(5):
            assert store(first, PatientAge=f"{age:03d}Y") == 200
        reindexer = first.app.state.components.reindexer
        reindexer.batch_size = 2
        with paused(reindexer) as gate:
            body = add_tags(first, {"path": "PatientAge", "level": "Series"})
            # Running: the worker has picked the operation up and waits at the gate.
            wait_until(lambda: first.get(body["href"]).json()["status"] == "running")
            reindexer.request_stop()
            gate.release()  # one more batch, then the worker stops
            wait_until(lambda: len(value_rows(first, "00101010")) == 2)
            reindexer.stop()
        assert first.get(body["href"]).status_code == 202
        assert len(value_rows(first, "00101010")) == 2
    with TestClient(create_app(settings), base_url="http://testserver") as second:
        state = wait_for_operation(second, body["href"])
        assert state["status"] == "succeeded"
        rows = value_rows(second, "00101010")
        assert sorted(r[1] for r in rows) == [f"{age:03d}Y" for age in range(5)]
        assert second.get("/v2/extendedquerytags/PatientAge").json()["status"] == "ready"


def test_deleting_a_tag_during_its_reindex_finishes_the_operation(http: TestClient) -> None:
    for _ in range(3):
        assert store(http, PatientAge="020Y") == 200
    reindexer = http.app.state.components.reindexer
    reindexer.batch_size = 1
    with paused(reindexer):
        body = add_tags(http, {"path": "PatientAge", "level": "Study"})
        assert http.delete("/v2/extendedquerytags/PatientAge").status_code == 204
    assert wait_for_operation(http, body["href"])["status"] == "succeeded"
    assert value_rows(http, "00101010") == []
    assert http.get("/v2/extendedquerytags").json() == []
