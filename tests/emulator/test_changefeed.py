"""Change feed: v1 sequence paging, v2 time windows, entry shape, state, parameter errors."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from dicom_emulator.features.changefeed.service import written_timestamp
from tests.support.datasets import make_instance
from tests.support.headers import STOW_SINGLE_PART


def store(http: TestClient, study: str, series: str, sop: str) -> None:
    response = http.post("/v2/studies", content=make_instance(study, series, sop),
                         headers=STOW_SINGLE_PART)
    assert response.status_code == 200, response.text


@pytest.fixture
def uids(http: TestClient) -> list[tuple[str, str, str]]:
    """Five instances stored one by one (sequences 1-5)."""
    study, series = generate_uid(), generate_uid()
    stored = [(study, series, generate_uid()) for _ in range(5)]
    for triple in stored:
        store(http, *triple)
    return stored


def feed(http: TestClient, path: str = "/v1/changefeed", **params: object) -> list[dict]:
    response = http.get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def test_entry_shape_and_casing(http: TestClient, uids: list) -> None:
    first = feed(http)[0]
    assert list(first) == ["sequence", "partitionName", "studyInstanceUid", "seriesInstanceUid",
                           "sopInstanceUid", "action", "timestamp", "state", "metadata"]
    assert first["sequence"] == 1 and first["partitionName"] == "Microsoft.Default"
    assert (first["studyInstanceUid"], first["seriesInstanceUid"],
            first["sopInstanceUid"]) == uids[0]
    assert first["action"] == "Create" and first["state"] == "Current"
    assert first["metadata"]["00080018"] == {"vr": "UI", "Value": [uids[0][2]]}
    parsed = datetime.fromisoformat(first["timestamp"])
    assert parsed.utcoffset() == timedelta(0)


def test_v1_offset_is_an_exclusive_sequence_number(http: TestClient, uids: list) -> None:
    assert [e["sequence"] for e in feed(http)] == [1, 2, 3, 4, 5]
    assert [e["sequence"] for e in feed(http, offset=2, limit=2)] == [3, 4]
    assert [e["sopInstanceUid"] for e in feed(http, offset=4)] == [uids[4][2]]
    assert feed(http, offset=5) == []


def test_v1_default_limit_is_10(http: TestClient) -> None:
    study, series = generate_uid(), generate_uid()
    for _ in range(12):
        store(http, study, series, generate_uid())
    assert [e["sequence"] for e in feed(http)] == list(range(1, 11))
    assert len(feed(http, limit=100)) == 12


def test_include_metadata_false_leaves_metadata_out(http: TestClient, uids: list) -> None:
    entries = feed(http, includeMetadata="false")
    assert entries and all("metadata" not in e for e in entries)
    latest = http.get("/v2/changefeed/latest", params={"includemetadata": "False"}).json()
    assert "metadata" not in latest


def test_state_follows_delete_and_restore(http: TestClient, uids: list) -> None:
    study, series, sop = uids[1]
    url = f"/v2/studies/{study}/series/{series}/instances/{sop}"
    assert http.delete(url).status_code == 204
    entries = feed(http)
    assert [e["action"] for e in entries] == ["Create"] * 5 + ["Delete"]
    assert entries[1]["state"] == "Deleted" and "metadata" not in entries[1]
    assert entries[5]["state"] == "Deleted" and entries[5]["sopInstanceUid"] == sop
    assert entries[0]["state"] == "Current"

    store(http, study, series, sop)
    entries = feed(http)
    # The instance exists again under a new watermark: older entries are Replaced and
    # carry the current instance's metadata, as the service's ChangeFeedService does.
    assert [e["state"] for e in entries if e["sopInstanceUid"] == sop] == [
        "Replaced", "Replaced", "Current"]
    assert entries[1]["metadata"]["00080018"]["Value"] == [sop]


def test_latest_by_sequence_and_empty_feed(http: TestClient) -> None:
    assert http.get("/v1/changefeed/latest").status_code == 204
    assert http.get("/v2/changefeed/latest").status_code == 204
    study, series = generate_uid(), generate_uid()
    sops = [generate_uid() for _ in range(3)]
    for sop in sops:
        store(http, study, series, sop)
    for version in ("v1", "v2"):
        latest = http.get(f"/{version}/changefeed/latest")
        assert latest.status_code == 200
        assert latest.json()["sequence"] == 3 and latest.json()["sopInstanceUid"] == sops[2]
        assert latest.json()["metadata"]["0020000D"]["Value"] == [study]


def test_v2_time_window_start_inclusive_end_exclusive(http: TestClient, uids: list) -> None:
    entries = feed(http, "/v2/changefeed")
    assert [e["sequence"] for e in entries] == [1, 2, 3, 4, 5]
    times = [e["timestamp"] for e in entries]
    window = feed(http, "/v2/changefeed", startTime=times[1], endTime=times[3])
    assert [e["sequence"] for e in window] == [2, 3]
    assert [e["sequence"] for e in feed(http, "/v2/changefeed", startTime=times[4])] == [5]
    assert [e["sequence"] for e in feed(http, "/v2/changefeed", endTime=times[1])] == [1]
    # The same instant in another zone selects the same entries.
    shifted = datetime.fromisoformat(times[1]).astimezone(
        datetime.fromisoformat("2024-01-01T00:00:00-05:00").tzinfo)
    assert feed(http, "/v2/changefeed", startTime=shifted.isoformat()) == entries[1:]


def test_v2_offset_is_a_row_offset(http: TestClient, uids: list) -> None:
    pages = [feed(http, "/v2/changefeed", offset=o, limit=2) for o in (0, 2, 4, 6)]
    assert [[e["sequence"] for e in page] for page in pages] == [[1, 2], [3, 4], [5], []]


def test_v2_latest_is_by_time(http: TestClient, uids: list) -> None:
    latest = http.get("/v2/changefeed/latest").json()
    assert latest["sequence"] == 5 and latest["action"] == "Create"


@pytest.mark.parametrize(("query", "message"), [
    ("limit=0", "The query parameter 'limit' is invalid. The field limit must be between 1 and "
                "100."),
    ("limit=101", "The query parameter 'limit' is invalid. The field limit must be between 1 "
                  "and 100."),
    ("offset=-1", "The query parameter 'offset' is invalid. The field offset must be between 0 "
                  "and 9.223372036854776E+18."),
    ("limit=ten", "The query parameter 'limit' is invalid. The value 'ten' is not valid for "
                  "limit."),
    ("includeMetadata=maybe", "The query parameter 'includeMetadata' is invalid. The value "
                              "'maybe' is not valid for includeMetadata."),
])
def test_v1_bad_parameters(http: TestClient, query: str, message: str) -> None:
    response = http.get(f"/v1/changefeed?{query}")
    assert response.status_code == 400
    assert response.text == message


@pytest.mark.parametrize(("query", "message"), [
    ("limit=201", "The query parameter 'Limit' is invalid. The field Limit must be between 1 "
                  "and 200."),
    ("offset=-5", "The query parameter 'Offset' is invalid. The field Offset must be between 0 "
                  "and 9.223372036854776E+18."),
    ("startTime=2024-01-01T00:00:00", "The query parameter 'StartTime' is invalid. Date and "
                                      "time value must specify a time zone."),
    ("endTime=2024-01-01", "The query parameter 'EndTime' is invalid. Date and time value must "
                           "specify a time zone."),
    ("startTime=yesterday", "The query parameter 'StartTime' is invalid. The value 'yesterday' "
                            "is not valid for StartTime."),
    ("startTime=2024-01-02T00:00:00Z&endTime=2024-01-01T00:00:00%2B01:00",
     "The query parameter '' is invalid. The start time '2024-01-02T00:00:00.0000000+00:00' "
     "must occur strictly before the end time '2023-12-31T23:00:00.0000000+00:00'."),
    ("startTime=2024-01-01T00:00:00Z&endTime=2024-01-01T00:00:00Z",
     "The query parameter '' is invalid. The start time '2024-01-01T00:00:00.0000000+00:00' "
     "must occur strictly before the end time '2024-01-01T00:00:00.0000000+00:00'."),
])
def test_v2_bad_parameters(http: TestClient, query: str, message: str) -> None:
    response = http.get(f"/v2/changefeed?{query}")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == message


def test_v2_limit_bounds_and_v1_limit_100(http: TestClient, uids: list) -> None:
    assert len(feed(http, "/v2/changefeed", limit=200)) == 5
    assert http.get("/v2/changefeed", params={"limit": 0}).status_code == 400
    assert len(feed(http, "/v1/changefeed", limit=100)) == 5
    assert len(feed(http, "/v1.0-prerelease/changefeed", limit=1)) == 1


def test_parameter_names_are_case_insensitive(http: TestClient, uids: list) -> None:
    assert [e["sequence"] for e in feed(http, OFFSET=1, Limit=1)] == [2]


def test_json_charset_and_timestamps_as_system_text_json_writes_them(
        http: TestClient, uids: list) -> None:
    """M26: ``application/json; charset=utf-8``; DateTimeOffset with the fractional digits
    the value needs (trailing zeros dropped) and ``+00:00``."""
    for path in ("/v1/changefeed", "/v2/changefeed", "/v2/changefeed/latest"):
        response = http.get(path)
        assert response.headers["content-type"] == "application/json; charset=utf-8"
    for entry in feed(http, "/v2/changefeed"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,5}[1-9])?\+00:00",
                            entry["timestamp"]), entry["timestamp"]


@pytest.mark.parametrize(("stored", "written"), [
    ("2026-12-01T10:00:00.123456+00:00", "2026-12-01T10:00:00.123456+00:00"),
    ("2026-12-01T10:00:00.120000+00:00", "2026-12-01T10:00:00.12+00:00"),
    ("2026-12-01T10:00:00.000000+00:00", "2026-12-01T10:00:00+00:00"),
    ("2026-12-01T10:00:00+00:00", "2026-12-01T10:00:00+00:00")])
def test_written_timestamp(stored: str, written: str) -> None:
    assert written_timestamp(stored) == written
