"""POST /export: the service's 400s for bad sources, destinations and bodies (nothing is
recorded), 415, and the role check with real tokens. Texts are the service's own
(``DicomBlobResource``, ``DicomCoreResource``, ``BodyModelStateValidator``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from azure.storage.blob import ContainerClient
from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from dicom_emulator import EmulatorSettings, create_app
from dicom_emulator.identity.keys import KEY_FILE
from tests.export.conftest import Azurite
from tests.support.tokens import get_token, new_app

URI = "https://account.blob.core.windows.net/export"


def _body(values: Any = ("1.2.3",), **destination: Any) -> dict[str, Any]:
    settings = destination or {"blobContainerUri": URI, "useManagedIdentity": True}
    return {"source": {"type": "identifiers", "settings": {"values": values}},
            "destination": {"type": "azureblob", "settings": settings}}


def _operations(http: TestClient) -> int:
    reader = http.app.state.components.index.reader()  # type: ignore[attr-defined]
    return int(reader.execute("SELECT COUNT(*) FROM operation").fetchone()[0])


BAD_REQUESTS = [
    (_body(values=[]), "Missing value for property 'Values'."),
    ({"source": {"type": "identifiers", "settings": {}},
      "destination": _body()["destination"]}, "Missing value for property 'Values'."),
    (_body(values=["1.2.3/abc"]),
     "The string '1.2.3/abc' was not recognized as a valid DICOM identifier."),
    (_body(values=["1.2/3.4/5.6/7.8"]),
     "The string '1.2/3.4/5.6/7.8' was not recognized as a valid DICOM identifier."),
    (_body(connectionString="UseDevelopmentStorage=true"),
     "Please specify both ConnectionString and BlobContainerName."),
    (_body(connectionString="DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k",
           blobContainerName="export"), "Account key authentication is not supported."),
    (_body(connectionString="BlobEndpoint=https://a.blob.core.windows.net;"
                            "SharedAccessSignature=sv=1&sig=x", blobContainerName="export"),
     "Shared Access Signatures (SAS) are not supported."),
    (_body(connectionString="UseDevelopmentStorage=true", blobContainerName="export"),
     "Public access to Azure Blob Storage containers is not supported."),
    (_body(blobContainerUri=URI, blobContainerName="export", useManagedIdentity=True),
     "ConnectionString and BlobContainerName cannot be specified along with "
     "BlobContainerUri."),
    (_body(blobContainerUri=URI + "?sv=1&sig=abc", useManagedIdentity=True),
     "UseManagedIdentity cannot be specified if the BlobContainerUri container query string "
     "parameters."),
    (_body(blobContainerUri=URI + "?sv=1&sig=abc"),
     "Shared Access Signatures (SAS) are not supported."),
    (_body(blobContainerUri=URI),
     "Public access to Azure Blob Storage containers is not supported."),
    ({"destination": _body()["destination"]},
     "The field 'Source' in request body is invalid: The Source field is required."),
    ({"source": _body()["source"]},
     "The field 'Destination' in request body is invalid: The Destination field is required."),
    ({"source": {"type": "unknown", "settings": {}}, "destination": _body()["destination"]},
     "The field 'source' in request body is invalid: Expected value 'Type' to be one of the "
     "following values: [Identifiers]"),
    ({"source": _body()["source"], "destination": {"type": "unknown", "settings": {}}},
     "The field 'destination' in request body is invalid: Expected value 'Type' to be one "
     "of the following values: [AzureBlob]"),
]


@pytest.mark.parametrize(("body", "message"), BAD_REQUESTS)
def test_bad_requests_get_the_service_400_and_record_nothing(
        http: TestClient, body: dict[str, Any], message: str) -> None:
    response = http.post("/v2/export", json=body)
    assert (response.status_code, response.text) == (400, message)
    assert _operations(http) == 0


def test_property_names_are_case_insensitive_as_in_the_learn_example(http: TestClient) -> None:
    body = {"Source": {"Type": "Identifiers", "Settings": {"Values": []}},
            "Destination": {"Type": "AzureBlob",
                            "Settings": {"BlobContainerUri": URI, "UseManagedIdentity": True}}}
    response = http.post("/v2/export", json=body)
    assert (response.status_code, response.text) == (400, "Missing value for property 'Values'.")


def test_an_empty_body_and_other_content_types(http: TestClient) -> None:
    empty = http.post("/v2/export", content=b"", headers={"Content-Type": "application/json"})
    assert (empty.status_code, empty.text) == (
        400, "The field '' in request body is invalid: A non-empty request body is required.")
    assert http.post("/v2/export", content=b"{}",
                     headers={"Content-Type": "text/plain"}).status_code == 415


def test_without_a_storage_credential_the_identity_is_missing(http: TestClient) -> None:
    response = http.post("/v2/export", json=_body())
    assert response.status_code == 500
    assert _operations(http) == 0


def test_a_container_that_does_not_exist_is_400(export_http: TestClient,
                                                azurite: Azurite) -> None:
    url = f"{azurite.url}/kitexport/nothing-here"
    response = export_http.post("/v2/export", json=_body(blobContainerUri=url,
                                                         useManagedIdentity=True))
    assert (response.status_code, response.text) == (
        400, "Azure Blob Storage container 'nothing-here' does not exist in account "
             "'kitexport'.")
    assert _operations(export_http) == 0


def test_a_container_the_identity_may_not_write_to_is_400(
        export_http: TestClient, other_account_container: ContainerClient) -> None:
    name = other_account_container.container_name
    response = export_http.post("/v2/export", json=_body(
        blobContainerUri=other_account_container.url, useManagedIdentity=True))
    assert (response.status_code, response.text) == (
        400, f"Failed to write to Azure Blob Storage container '{name}' in account "
             f"'elsewhere'.")
    assert _operations(export_http) == 0
    assert list(other_account_container.list_blobs()) == []


@pytest.mark.slow  # the storage SDK's retries with back-off, before it gives up
def test_an_unreachable_storage_is_400(export_http: TestClient) -> None:
    response = export_http.post("/v2/export", json=_body(
        blobContainerUri="http://127.0.0.1:9/kitexport/export", useManagedIdentity=True))
    assert (response.status_code, response.text) == (
        400, "Cannot connect to Azure Blob Storage container 'export' in account 'kitexport'.")


@pytest.fixture
def owner_and_reader(tmp_path: Path, signing_key_pem: bytes,
                     azurite: Azurite) -> Any:
    data_dir = tmp_path / "emulator-auth"
    data_dir.mkdir()
    (data_dir / KEY_FILE).write_bytes(signing_key_pem)
    settings = EmulatorSettings(data_dir=data_dir, auth=True,
                                storage_credential=azurite.credential)
    with TestClient(create_app(settings), base_url="http://127.0.0.1",
                    client=("127.0.0.1", 50000)) as client:
        tokens = {role: get_token(client, new_app(client, role, f"DICOM Data {role}"))
                  for role in ("Owner", "Reader")}
        yield client, tokens


def test_owner_may_export_and_reader_may_not(owner_and_reader: Any,
                                             container: ContainerClient) -> None:
    client, tokens = owner_and_reader
    body = _body([generate_uid()], blobContainerUri=container.url, useManagedIdentity=True)
    refused = client.post("/v2/export", json=body,
                          headers={"Authorization": f"Bearer {tokens['Reader']}"})
    assert refused.status_code == 403
    assert _operations(client) == 0
    accepted = client.post("/v2/export", json=body,
                           headers={"Authorization": f"Bearer {tokens['Owner']}"})
    assert accepted.status_code == 202
    assert _operations(client) == 1
