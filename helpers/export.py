"""Export (Azure-only): copy studies, series and instances to a blob container, then read
what landed there.

``POST {base}/export`` starts an operation that writes
``<operation id>/results/<study>/<series>/<sop>.dcm`` and an error log of JSON lines at its
``results.errorHref``. The container is read with ``azure-storage-blob`` by one code path:
on Azure with ``DefaultAzureCredential`` and ``EXPORT_ACCOUNT_URL``; locally with a
connection string for Azurite (:mod:`helpers.azurite`), which it starts on demand.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from azure.storage.blob import ContainerClient

from helpers._http import checked
from helpers.azurite import ACCOUNT, OTHER_ACCOUNT, ensure_azurite, storage_accounts
from helpers.config import Settings
from helpers.extended_query_tags import Operation, OperationReference, wait_for_operation

__all__ = ["ErrorLogEntry", "container_client", "export", "exported_blob_name",
           "read_error_log", "start_export", "unwritable_container_url"]


def exported_blob_name(operation_id: str, study: str, series: str, sop: str) -> str:
    """Where the service puts one exported instance in the container."""
    return f"{operation_id}/results/{study}/{series}/{sop}.dcm"


def container_client(settings: Settings) -> ContainerClient:
    """The export container, created if missing; the same client locally and on Azure.

    On Azure (``EXPORT_ACCOUNT_URL`` set) you sign in with ``DefaultAzureCredential`` and
    need a data role on the account to read it (*Storage Blob Data Reader* or more). The
    DICOM service itself writes with its managed identity. Locally the connection string
    of the Azurite account the emulator's identity may write to.
    """
    if settings.export_account_url:
        from azure.identity import DefaultAzureCredential  # only on Azure

        container = ContainerClient(settings.export_account_url, settings.export_container,
                                    credential=DefaultAzureCredential())
    else:
        url = ensure_azurite(settings)
        account = storage_accounts(settings.azurite_data_dir, url)[ACCOUNT]
        container = ContainerClient.from_connection_string(account.connection_string,
                                                           settings.export_container)
    if not container.exists():
        container.create_container()
    return container


def unwritable_container_url(settings: Settings) -> str:
    """A container in a local account the emulator's identity has no role on."""
    url = ensure_azurite(settings)
    other = storage_accounts(settings.azurite_data_dir, url)[OTHER_ACCOUNT]
    container = ContainerClient.from_connection_string(other.connection_string, "export")
    if not container.exists():
        container.create_container()
    return container.url


def export_body(identifiers: Iterable[str], container_url: str) -> dict[str, Any]:
    """The request body: identifiers as ``study[/series[/sop]]``, the managed identity."""
    return {"source": {"type": "identifiers", "settings": {"values": list(identifiers)}},
            "destination": {"type": "azureblob",
                            "settings": {"blobContainerUri": container_url,
                                         "useManagedIdentity": True}}}


def start_export(session: Any, base_url: str, identifiers: Iterable[str],
                 container_url: str) -> OperationReference:
    """``POST /export``: the operation's reference (202), or the service's 400."""
    response = checked(session.post(f"{base_url}/export",
                                    json=export_body(identifiers, container_url)))
    return OperationReference.from_json(response.json())


def export(client: Any, identifiers: Iterable[str], container_url: str, *,
           timeout: float = 600, progress: bool = False) -> Operation:
    """Export and wait: the finished operation, whose ``results`` has ``exported``,
    ``skipped`` and ``errorHref``.

    ``client`` is the kit's :class:`~helpers.DICOMwebClient` (its authenticated session
    sends the request). Raises ``requests.HTTPError`` with the service's message for a
    400, and ``OperationFailedError`` when the operation fails.
    """
    session = client._session  # dicomweb-client keeps its authenticated session here
    reference = start_export(session, client.base_url, identifiers, container_url)
    return wait_for_operation(session, reference, timeout=timeout, progress=progress)


@dataclass(frozen=True)
class ErrorLogEntry:
    """One line of the error log: what could not be exported, and why."""

    timestamp: str
    identifier: str
    error: str


def read_error_log(container: ContainerClient, error_href: str) -> list[ErrorLogEntry]:
    """The entries of the error log at ``error_href`` (a blob of ``container``)."""
    prefix = container.url.rstrip("/") + "/"
    if not error_href.startswith(prefix):
        raise ValueError(f"{error_href} is not a blob of the container {container.url}")
    text = container.download_blob(error_href[len(prefix):]).readall().decode("utf-8")
    entries = []
    for line in text.splitlines():
        item = {key.lower(): value for key, value in json.loads(line).items()}
        entries.append(ErrorLogEntry(item["timestamp"], item["identifier"], item["error"]))
    return entries
