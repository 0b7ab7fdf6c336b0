"""An export interrupted by a restart resumes at the first batch it had not committed, and
counts every file once."""

from __future__ import annotations

from pathlib import Path

from azure.storage.blob import ContainerClient
from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from dicom_emulator import EmulatorSettings, create_app
from tests.export.conftest import Azurite, paused
from tests.support.datasets import make_instance
from tests.support.polling import wait_until
from tests.support.stow import multipart_stow


def test_an_export_resumes_after_a_restart(tmp_path: Path, azurite: Azurite,
                                           container: ContainerClient) -> None:
    settings = EmulatorSettings(data_dir=tmp_path / "emulator", auth=False,
                                storage_credential=azurite.credential)
    studies = [generate_uid() for _ in range(4)]
    with TestClient(create_app(settings), base_url="http://testserver") as first:
        body, headers = multipart_stow(*(make_instance(s) for s in studies))
        assert first.post("/v2/studies", content=body, headers=headers).status_code == 200
        exporter = first.app.state.components.exporter
        exporter.batch_size = 1
        with paused(exporter) as gate:
            response = first.post("/v2/export", json={
                "source": {"type": "identifiers",
                           "settings": {"values": [*studies, generate_uid()]}},
                "destination": {"type": "azureblob", "settings": {
                    "blobContainerUri": container.url, "useManagedIdentity": True}}})
            assert response.status_code == 202
            href = response.json()["href"]
            wait_until(lambda: first.get(href).json()["status"] == "running")
            gate.release()  # one batch (one study)
            wait_until(lambda: first.get(href).json()["results"]["exported"] == 1)
            exporter.request_stop()
            gate.release()  # the worker wakes, sees the stop, and leaves before a batch
            exporter.stop()
        assert first.get(href).status_code == 202
    operation = href.rsplit("/", 1)[1]
    assert len(list(container.list_blobs(name_starts_with=f"{operation}/results/"))) == 1
    with TestClient(create_app(settings), base_url="http://testserver") as second:
        wait_until(lambda: second.get(href).status_code == 200)
        state = second.get(href).json()
        assert state["status"] == "succeeded"
        assert state["results"]["exported"] == 4 and state["results"]["skipped"] == 1
    names = [b.name for b in container.list_blobs(name_starts_with=f"{operation}/results/")]
    assert sorted(n.split("/")[2] for n in names) == sorted(studies)
    log = container.download_blob(f"{operation}/errors.log").readall().splitlines()
    assert len(log) == 1
