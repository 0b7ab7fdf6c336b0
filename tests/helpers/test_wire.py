"""helpers.wire: the printed request/response lines of a client and a session, against a
live emulator with auth on (so there is a token that must never be printed)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import dicomweb_client
import pytest
import requests

from helpers.auth import DICOM_SCOPE, BearerTokenAuth, EmulatorCredential
from helpers.client import make_client, make_session
from helpers.config import Settings
from helpers.wire import WireTrace, show_wire
from tests.support.datasets import make_dataset
from tests.support.live_emulator import LiveEmulator

pytestmark = pytest.mark.live

DICOM_JSON = "application/dicom+json"
CLIENT_JSON = "application/dicom+json, application/json"  # what dicomweb-client asks for
AS_STORED = 'multipart/related; type="application/dicom"; transfer-syntax=*'
BOUNDARY = r"boundary=\"?[\w'()+,./:=?-]+\"?"


@pytest.fixture(scope="module")
def owner(live_emulator_auth: LiveEmulator) -> BearerTokenAuth:
    """The auth of an app with DICOM Data Owner on the session's emulator (auth on)."""
    admin = f"{live_emulator_auth.url}/admin/identity"
    app = requests.post(f"{admin}/service-principals", json={"displayName": "wire"},
                        timeout=30).json()
    requests.post(f"{admin}/role-assignments", timeout=30, json={
        "assignee": app["appId"], "role": "DICOM Data Owner"}).raise_for_status()
    credential = EmulatorCredential(live_emulator_auth.url, app["tenant"], app["appId"],
                                    app["password"])
    return BearerTokenAuth(credential, DICOM_SCOPE)


@pytest.fixture(scope="module")
def settings(live_emulator_auth: LiveEmulator) -> Settings:
    return Settings(service_url=live_emulator_auth.url, auth="none")


@pytest.fixture(scope="module")
def stored(settings: Settings, owner: BearerTokenAuth) -> Iterator[dict[str, str]]:
    """One instance in the service, found by PatientName 'Wire^Tap'."""
    ds = make_dataset(PatientName="Wire^Tap", PatientID="WIRE-1")
    make_client(settings, auth=owner).store_instances([ds])
    yield {"study": ds.StudyInstanceUID, "series": ds.SeriesInstanceUID,
           "sop": ds.SOPInstanceUID}


def lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return capsys.readouterr().out.splitlines()


def test_client_trace_shows_the_qido_url_and_negotiation(
        settings: Settings, owner: BearerTokenAuth, stored: dict[str, str],
        capsys: pytest.CaptureFixture[str]) -> None:
    client = make_client(settings, auth=owner, trace=True)
    client.search_for_studies(search_filters={"PatientName": "wire"}, fuzzymatching=True,
                              fields=["NumberOfStudyRelatedInstances"], limit=4, offset=0)
    assert lines(capsys) == [
        "GET /v2/studies?PatientName=wire&fuzzymatching=true"
        "&includefield=NumberOfStudyRelatedInstances&limit=4&offset=0"
        f"  Accept: {CLIENT_JSON}  → 200 {DICOM_JSON}"]


def test_stow_shows_its_content_type_with_the_boundary(
        settings: Settings, owner: BearerTokenAuth, capsys: pytest.CaptureFixture[str],
) -> None:
    client = make_client(settings, auth=owner, trace=True)
    client.store_instances([make_dataset()])
    (line,) = lines(capsys)
    assert re.fullmatch(
        # dicomweb-client sends no Accept with STOW: requests' */* goes out.
        rf'POST /v2/studies  Accept: \*/\*  Content-Type: multipart/related; '
        rf'type="application/dicom"; {BOUNDARY}  → 200 {re.escape(DICOM_JSON)}', line), line


def test_wado_shows_the_accept_and_the_multipart_answer(
        settings: Settings, owner: BearerTokenAuth, stored: dict[str, str],
        capsys: pytest.CaptureFixture[str]) -> None:
    client = make_client(settings, auth=owner, trace=True)
    client.retrieve_series(stored["study"], stored["series"])
    (line,) = lines(capsys)
    request, answer = line.split("  → ")
    assert request == (f"GET /v2/studies/{stored['study']}/series/{stored['series']}"
                       f"  Accept: {AS_STORED}")
    assert re.fullmatch(rf"200 multipart/related; .*{BOUNDARY}.*", answer), answer


def test_a_session_shows_its_requests_and_errors(
        settings: Settings, owner: BearerTokenAuth, stored: dict[str, str],
        capsys: pytest.CaptureFixture[str]) -> None:
    session = make_session(settings, auth=owner, trace=True)
    url = f"{settings.service_url}/v2/studies"
    session.get(url, params={"PatientID": "WIRE-1"}, headers={"Accept": DICOM_JSON})
    session.get(url, params={"PatientSex": "F"}, headers={"Accept": DICOM_JSON})
    session.delete(f"{url}/{stored['study']}/series/1.2.3")
    first, refused, missing = lines(capsys)
    assert first == f"GET /v2/studies?PatientID=WIRE-1  Accept: {DICOM_JSON}  → 200 {DICOM_JSON}"
    assert refused.startswith(f"GET /v2/studies?PatientSex=F  Accept: {DICOM_JSON}  → 400")
    assert re.fullmatch(rf"DELETE /v2/studies/{stored['study']}/series/1\.2\.3"
                        r"  Accept: \*/\*  → 404( \S.*)?", missing), missing


def test_the_token_is_never_printed(settings: Settings, owner: BearerTokenAuth,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    client = make_client(settings, auth=owner, trace=True)
    client.search_for_studies()
    out = capsys.readouterr().out
    assert out.startswith("GET /v2/studies  ")
    assert owner.token() not in out
    assert "Authorization" not in out and "Bearer" not in out


def test_show_wire_for_one_block_only(settings: Settings, owner: BearerTokenAuth,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    client = make_client(settings, auth=owner)
    client.search_for_studies()
    assert capsys.readouterr().out == ""
    with show_wire(client) as trace:
        client.search_for_studies()
        assert trace.installed
    client.search_for_studies()
    assert len(lines(capsys)) == 1 and not trace.installed


def test_a_second_trace_does_not_double_the_lines_nor_remove_the_first(
        settings: Settings, owner: BearerTokenAuth,
        capsys: pytest.CaptureFixture[str]) -> None:
    client = make_client(settings, auth=owner, trace=True)
    with show_wire(client) as inner:
        client.search_for_studies()
    assert not inner.installed
    client.search_for_studies()
    assert len(lines(capsys)) == 2  # one per request, before and after the block


def test_plain_dicomweb_client_and_a_file(settings: Settings, owner: BearerTokenAuth,
                                          stored: dict[str, str]) -> None:
    plain = dicomweb_client.DICOMwebClient(f"{settings.service_url}/v2",
                                           session=make_session(settings, auth=owner))
    out = io.StringIO()
    with show_wire(plain, file=out):
        plain.retrieve_series_metadata(stored["study"], stored["series"])
    assert out.getvalue() == (
        f"GET /v2/studies/{stored['study']}/series/{stored['series']}/metadata"
        f"  Accept: {CLIENT_JSON}  → 200 {DICOM_JSON}\n")


def test_anything_else_is_refused() -> None:
    with pytest.raises(TypeError, match="DICOMwebClient or a requests.Session"):
        show_wire("http://127.0.0.1/v2")  # type: ignore[arg-type]
    assert repr(WireTrace(requests.Session())) == "WireTrace(installed=False)"
