"""Export in a service with data partitions: from the request's partition, with the
operation's status URL below the version (operations have no partitioned route)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.storage.blob import ContainerClient
from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from dicom_emulator import EmulatorSettings, create_app
from tests.export.conftest import Azurite
from tests.support.datasets import make_instance
from tests.support.polling import wait_until
from tests.support.stow import multipart_stow


@pytest.fixture
def partitioned(tmp_path: Path, azurite: Azurite) -> Iterator[TestClient]:
    settings = EmulatorSettings(data_dir=tmp_path / "emulator", auth=False,
                                data_partitions=True, storage_credential=azurite.credential)
    with TestClient(create_app(settings), base_url="http://testserver") as client:
        yield client


def _body(values: list[str], url: str) -> dict[str, Any]:
    return {"source": {"type": "identifiers", "settings": {"values": values}},
            "destination": {"type": "azureblob", "settings": {
                "blobContainerUri": url, "useManagedIdentity": True}}}


def test_an_export_reads_its_own_partition(partitioned: TestClient,
                                           container: ContainerClient) -> None:
    study, other = generate_uid(), generate_uid()
    for partition, uid in (("p1", study), ("p2", other)):
        body, headers = multipart_stow(make_instance(uid))
        stored = partitioned.post(f"/v2/partitions/{partition}/studies", content=body,
                                  headers=headers)
        assert stored.status_code == 200
    started = partitioned.post("/v2/partitions/p1/export",
                               json=_body([study, other], container.url))
    assert started.status_code == 202
    href = started.json()["href"]
    assert href == f"http://testserver/v2/operations/{started.json()['id']}"
    wait_until(lambda: partitioned.get(href).status_code == 200)
    results = partitioned.get(href).json()["results"]
    assert (results["exported"], results["skipped"]) == (1, 1)  # p2's study is not in p1
    unpartitioned = partitioned.post("/v2/export", json=_body([study], container.url))
    assert (unpartitioned.status_code, unpartitioned.text) == (
        400, "PartitionName value is missing in the route segment.")
