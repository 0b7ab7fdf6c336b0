"""The findings of the hostile probe, one by one, with the service's own answers.

Texts are the service's words: ASP.NET's binding message "The value '{0}' is not valid for
{1}." inside the service's ``InvalidQueryStringValuesException`` text, System.Text.Json's
depth message, Kestrel's body-size message, ``PayloadTooLargeException``'s
``RequestLengthLimitExceeded``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from dicom_emulator import EmulatorSettings, create_app
from tests.support.datasets import make_dataset, to_bytes
from tests.support.headers import DICOM, DICOM_JSON
from tests.support.stow import multipart_stow

HUGE = "9" * 5000  # past Python's 4,300-digit int() limit


def test_integers_past_python_s_digit_limit_are_the_binding_400(http: TestClient) -> None:
    studies = http.get(f"/v2/studies?limit={HUGE}", headers={"Accept": DICOM_JSON})
    feed = http.get(f"/v1/changefeed?offset={HUGE}")
    frames = http.get(f"/v2/studies/1.2/series/1.3/instances/1.4/frames/{HUGE}",
                      headers={"Accept": "*/*"})
    assert (studies.status_code, studies.text) == (
        400, f"The query parameter 'Limit' is invalid. The value '{HUGE}' is not valid for Limit.")
    assert (feed.status_code, feed.text) == (400, f"The query parameter 'offset' is invalid. "
                                                  f"The value '{HUGE}' is not valid for offset.")
    assert (frames.status_code, frames.text) == (
        400, f"The query parameter 'frames' is invalid. Unable to parse value '{HUGE}' as Int32.")


def test_a_v1_change_feed_offset_at_int64_s_end_is_an_empty_page(http: TestClient) -> None:
    response = http.get("/v1/changefeed?offset=9223372036854775807&limit=100")
    assert (response.status_code, response.json()) == (200, [])


def test_a_time_whose_utc_leaves_years_1_to_9999_is_the_binding_400(http: TestClient) -> None:
    for name, value in [("startTime", "0001-01-01T00:00:00+01:00"),
                        ("endTime", "9999-12-31T23:59:59-01:00")]:
        response = http.get("/v2/changefeed", params={name: value})
        key = name[0].upper() + name[1:]
        assert (response.status_code, response.text) == (
            400, f"The query parameter '{key}' is invalid. The value '{value}' is not valid for "
                 f"{key}.")


def test_a_hundred_includefields_are_answered(http: TestClient) -> None:
    ds = make_dataset(StudyDescription="many fields")
    body, headers = multipart_stow(to_bytes(ds))
    assert http.post("/v2/studies", content=body, headers=headers).status_code == 200
    fields = ["StudyDescription"] + [f"0009{i:04X}" for i in range(100)]
    response = http.get("/v2/instances", params=[("includefield", f) for f in fields],
                        headers={"Accept": DICOM_JSON})
    assert response.status_code == 200
    assert response.json()[0]["00081030"]["Value"] == ["many fields"]


@pytest.mark.parametrize("path", ["/v2/extendedquerytags", "/v2/export"])
def test_json_nested_past_64_levels_is_system_text_json_s_400(http: TestClient,
                                                              path: str) -> None:
    response = http.post(path, content=b"[" * 65 + b"]" * 65,
                         headers={"Content-Type": "application/json"})
    assert (response.status_code, response.text) == (
        400, "The field '$' in request body is invalid: The maximum configured depth of 64 has "
             "been exceeded. Cannot read next JSON array.")


def test_a_json_body_past_the_limit_is_kestrel_s_400(http: TestClient) -> None:
    response = http.post("/v2/extendedquerytags", content=b" " * 30_000_001,
                         headers={"Content-Type": "application/json"})
    assert (response.status_code, response.text) == (
        400, "Request body too large. The max request body size is 30000000 bytes.")


def test_deep_json_to_the_admin_api_is_a_json_400(auth_http: TestClient) -> None:
    response = auth_http.post("/admin/identity/service-principals",
                              content=b'{"displayName":' + b"[" * 20_000 + b"]" * 20_000 + b"}",
                              headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "The request body is not valid JSON."


def test_a_declared_length_past_the_limit_is_413_before_anything_is_spooled(
        tmp_path: Path) -> None:
    settings = EmulatorSettings(data_dir=tmp_path / "e", auth=False, max_request_bytes=100)
    body, headers = multipart_stow(to_bytes(make_dataset()))
    with TestClient(create_app(settings)) as client:
        response = client.post("/v2/studies", content=body, headers=headers)
        assert list(settings.tmp_dir.iterdir()) == []
    assert (response.status_code, response.text) == (
        413, "The request exceeded the allowed limit of 100 bytes.")


def test_a_part_without_its_closing_boundary_is_dropped_as_the_service_drops_it(
        http: TestClient) -> None:
    # AspNetCoreMultipartReader: the IOException of a section cut short ends the parts.
    body = b"--XYZ\r\nContent-Type: application/dicom\r\n\r\n" + to_bytes(make_dataset())
    response = http.post("/v2/studies", content=body, headers={
        "Accept": DICOM_JSON, "Content-Type": f'multipart/related; type="{DICOM}"; boundary=XYZ'})
    assert response.status_code == 204
    assert http.get("/v2/instances", headers={"Accept": DICOM_JSON}).status_code == 204


def test_part_headers_past_multipart_reader_s_limits_are_its_400(http: TestClient) -> None:
    headers = {"Accept": DICOM_JSON,
               "Content-Type": f'multipart/related; type="{DICOM}"; boundary=XYZ'}
    long_line = (b"--XYZ\r\nContent-Type: application/dicom\r\nX-Pad: " + b"a" * 20_000
                 + b"\r\n\r\n\r\n--XYZ--\r\n")
    many = (b"--XYZ\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(17))
            + b"\r\n\r\n--XYZ--\r\n")
    first = http.post("/v2/studies", content=long_line, headers=headers)
    second = http.post("/v2/studies", content=many, headers=headers)
    # The Content-Type line took 33 bytes of the 16,384 (its CRLF included).
    assert (first.status_code, first.text) == (400, "Line length limit 16351 exceeded.")
    assert (second.status_code, second.text) == (400, "Multipart headers count limit 16 exceeded.")
