"""make_client against a real emulator process started by helpers.emulator.process."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import dicomweb_client
import pydicom
import pytest
import requests
from requests.auth import AuthBase

from helpers import samples
from helpers.auth import BearerTokenAuth, EmulatorCredential
from helpers.client import make_client, make_session, store_files
from helpers.config import Settings
from helpers.emulator.identity import emulator_cli
from helpers.emulator.process import PID_FILE, ensure_emulator, is_running, stop_emulator
from helpers.service import make_auth, service_url

pytestmark = pytest.mark.live


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings for a fresh emulator (own data dir and port), stopped afterwards."""
    settings = Settings(emulator_data_dir=tmp_path_factory.mktemp("emulator"),
                        emulator_port=free_port())
    try:
        yield settings
    finally:
        stop_emulator(settings)


class Recorder(AuthBase):
    """Wraps the real auth and records the requests it signs."""

    def __init__(self, inner: AuthBase) -> None:
        self.inner = inner
        self.requests: list[requests.PreparedRequest] = []

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        self.requests.append(request)
        return self.inner(request)


def test_emulator_is_started_once_and_reused(local: Settings) -> None:
    url = ensure_emulator(local)
    assert url == f"http://127.0.0.1:{local.emulator_port}" and is_running(url)
    pid = (local.emulator_data_dir / PID_FILE).read_text()
    assert ensure_emulator(local) == url
    assert (local.emulator_data_dir / PID_FILE).read_text() == pid
    assert service_url(local) == url


def test_client_targets_the_versioned_root(local: Settings) -> None:
    assert make_client(local).base_url.endswith(f":{local.emulator_port}/v2")
    v1 = Settings(emulator_data_dir=local.emulator_data_dir,
                  emulator_port=local.emulator_port, api_version="1")
    assert make_client(v1).base_url.endswith("/v1")


def test_store_response_urls_are_usable(local: Settings, tmp_path: Path) -> None:
    client = make_client(local)
    response = client.store_instances([pydicom.dcmread(samples.cr_monochrome1(tmp_path))])
    url = response.ReferencedSOPSequence[0].RetrieveURL
    # dicomweb-client alone sends "Host" without the port: the URL would miss it.
    assert url.startswith(client.base_url + "/studies/")
    answer = make_session(local).get(url + "/metadata",
                                     headers={"Accept": "application/dicom+json"}, timeout=10)
    assert answer.status_code == 200


def test_retrieve_defaults_to_the_stored_transfer_syntax(local: Settings) -> None:
    recorder = Recorder(make_auth(local))
    client = make_client(local, auth=recorder)
    path = samples.pydicom_examples()["jpeg-extended"]
    original = pydicom.dcmread(path)
    _store_once(client, original)
    study, series = original.StudyInstanceUID, original.SeriesInstanceUID

    instances = client.retrieve_series(study, series)
    accept = recorder.requests[-1].headers["Accept"]
    assert "transfer-syntax=*" in accept
    assert recorder.requests[-1].headers["Authorization"].startswith("Bearer ")
    mine = next(ds for ds in instances if ds.SOPInstanceUID == original.SOPInstanceUID)
    assert mine.file_meta.TransferSyntaxUID == original.file_meta.TransferSyntaxUID
    assert mine.PixelData == original.PixelData
    study_instances = client.retrieve_study(study)
    assert original.SOPInstanceUID in {ds.SOPInstanceUID for ds in study_instances}

    # Plain dicomweb-client asks for Explicit VR Little Endian, which the service cannot
    # make from 12-bit JPEG: that is the 406 the default avoids.
    plain = dicomweb_client.DICOMwebClient(client.base_url, session=make_session(local))
    with pytest.raises(requests.HTTPError) as error:
        plain.retrieve_series(study, series)
    assert error.value.response.status_code == 406


def test_frames_default_to_the_stored_bytes(local: Settings) -> None:
    client = make_client(local)
    ct = pydicom.dcmread(samples.pydicom_examples()["ct"])
    _store_once(client, ct)
    (frame,) = client.retrieve_instance_frames(ct.StudyInstanceUID, ct.SeriesInstanceUID,
                                               ct.SOPInstanceUID, frame_numbers=[1])
    assert frame == ct.PixelData


def test_service_url_setting_starts_nothing(tmp_path: Path) -> None:
    settings = Settings(service_url="https://ws-dicom.dicom.azurehealthcareapis.com",
                        emulator_data_dir=tmp_path, auth="none")
    assert service_url(settings) == settings.service_url
    assert make_client(settings).base_url == settings.service_url + "/v2"
    assert not (tmp_path / PID_FILE).exists()


def test_a_foreign_server_on_the_port_is_reported(tmp_path: Path) -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings = Settings(emulator_data_dir=tmp_path, emulator_port=server.server_port)
        with pytest.raises(RuntimeError, match="DICOM_EMULATOR_PORT"):
            ensure_emulator(settings, timeout=30)
    finally:
        server.shutdown()
        server.server_close()


def test_stop_emulator(tmp_path: Path) -> None:
    settings = Settings(emulator_data_dir=tmp_path, emulator_port=free_port())
    url = ensure_emulator(settings)
    assert stop_emulator(settings) is True
    assert not is_running(url)
    assert stop_emulator(settings) is False


def _store_once(client: dicomweb_client.DICOMwebClient,
                ds: pydicom.Dataset) -> pydicom.Dataset:
    """Store, or read the 409 response of an earlier identical store (45070)."""
    try:
        return client.store_instances([ds])
    except requests.HTTPError as error:
        assert error.response.status_code == 409
        return pydicom.Dataset.from_json(error.response.json())


def test_without_a_credential_the_service_answers_401(local: Settings) -> None:
    anonymous = Settings(emulator_data_dir=local.emulator_data_dir,
                         emulator_port=local.emulator_port, auth="none")
    with pytest.raises(requests.HTTPError) as error:
        make_client(anonymous).search_for_studies()
    assert error.value.response.status_code == 401


def test_store_files_tolerates_earlier_copies(local: Settings, tmp_path: Path) -> None:
    client = make_client(local)
    paths = samples.ct_phantom(tmp_path)[:5]
    first = store_files(client, paths, batch_size=2)
    again = store_files(client, paths, batch_size=3)
    assert (first.stored, first.already_stored, first.failed) == (5, 0, {})
    assert (again.stored, again.already_stored, again.failed) == (0, 5, {})
    assert str(again) == "0 stored, 5 already stored, 0 failed"


def test_store_files_reports_other_failures(local: Settings, tmp_path: Path) -> None:
    broken = pydicom.dcmread(samples.cr_monochrome1(tmp_path))
    broken.SOPInstanceUID = "1.2.3.4.5.6"
    del broken.PatientID
    path = tmp_path / "broken.dcm"
    broken.save_as(path)
    summary = store_files(make_client(local), [path])
    assert summary.failed == {"1.2.3.4.5.6": 43264} and summary.stored == 0
    with pytest.raises(ValueError, match="batch_size"):
        store_files(make_client(local), [path], batch_size=0)


def test_emulator_cli_manages_apps_and_roles_like_az(local: Settings) -> None:
    root = ensure_emulator(local)
    app = emulator_cli(local, "ad", "sp", "create-for-rbac", "--display-name", "cli-test")
    assert set(app) == {"appId", "displayName", "password", "tenant"}
    credential = EmulatorCredential(root, app["tenant"], app["appId"], app["password"])
    client = make_client(local, auth=BearerTokenAuth(credential))
    with pytest.raises(requests.HTTPError) as error:
        client.search_for_studies()
    assert error.value.response.status_code == 403  # a valid token, but no role yet
    emulator_cli(local, "role", "assignment", "create", "--assignee", app["appId"],
                 "--role", "DICOM Data Reader")
    # Now a Reader: it sees what the workshop's Owner sees.
    assert client.search_for_studies() == make_client(local).search_for_studies()
    with pytest.raises(RuntimeError, match="role"):
        emulator_cli(local, "role", "assignment", "create", "--assignee", app["appId"],
                     "--role", "DICOM Data Janitor")
