"""The Azure Blob Storage sink of an export: ``AzureBlobExportSink`` over HTTP.

It talks to the blob endpoint with ``azure-storage-blob`` (HTTP, as the service's SDK
does), signed with the storage credential the emulator was started with: locally that key
plays the service's managed identity holding *Storage Blob Data Contributor* on one
account. A container in another account gets the storage's own 403, as an identity
without the role would on Azure.

Files land at ``<operation>/results/<study>/<series>/<sop>.dcm`` and errors go, as JSON
lines, to the append blob ``<operation>/errors.log`` (``AzureBlobExportOptions``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from azure.core.credentials import AzureNamedKeyCredential
from azure.core.exceptions import (
    AzureError,
    HttpResponseError,
    ServiceRequestError,
)

from dicom_emulator.errors import BadRequestError

__all__ = ["BlobSink", "DestinationWriteError", "ErrorEntry", "blob_name", "error_log_name"]

# A dead or unreachable endpoint must not hold a request for the SDK's default back-off
# (15 s, then 18 s, …): two retries after 1 s and 3 s.
_RETRIES, _INITIAL_BACKOFF, _INCREMENT_BASE = 2, 1, 2
_CONNECT_TIMEOUT, _READ_TIMEOUT = 10, 60


def blob_name(operation_id: str, study: str, series: str, sop: str) -> str:
    """``%Operation%/results/%Study%/%Series%/%SopInstance%.dcm``."""
    return f"{operation_id}/results/{study}/{series}/{sop}.dcm"


def error_log_name(operation_id: str) -> str:
    """``%Operation%/errors.log``."""
    return f"{operation_id}/errors.log"


@dataclass(frozen=True)
class ErrorEntry:
    """``ExportErrorLogEntry``, serialized camelCase as the service's JSON options do."""

    identifier: str
    error: str
    timestamp: str = ""

    def line(self) -> bytes:
        stamp = self.timestamp or datetime.now(UTC).isoformat()
        return (json.dumps({"timestamp": stamp, "identifier": self.identifier,
                            "error": self.error}) + "\n").encode("utf-8")


class DestinationWriteError(Exception):
    """The destination refused a write for a reason retrying will not fix (a 4xx): the
    service stops the operation rather than skip the file (``ShouldContinue``)."""


def parse_credential(text: str) -> AzureNamedKeyCredential:
    name, sep, key = text.partition(":")
    if not sep or not name or not key:
        raise ValueError("the storage credential must be ACCOUNT:KEY")
    return AzureNamedKeyCredential(name, key)


def account_name(container_url: str) -> str:
    """The account a container URL names, as ``BlobUriBuilder`` reads it: the first path
    segment for an IP or ``localhost`` host (path-style, as Azurite's), else the host's
    first label (``<account>.blob.core.windows.net``)."""
    parts = urlsplit(container_url)
    host = parts.hostname or ""
    if host == "localhost" or host.replace(".", "").isdigit() or ":" in host:
        return parts.path.lstrip("/").split("/", 1)[0]
    return host.split(".", 1)[0]


class BlobSink:
    """One export's container, reached with the service's identity."""

    def __init__(self, container_url: str, credential: AzureNamedKeyCredential,
                 operation_id: str):
        # Imported here: the SDK takes ~0.35 s to import, which every start of the
        # emulator would pay for a feature most runs never use.
        from azure.storage.blob import ContainerClient

        self.operation_id = operation_id
        self.account_name = account_name(container_url)
        self.client = ContainerClient.from_container_url(
            container_url, credential=credential, retry_total=_RETRIES,
            initial_backoff=_INITIAL_BACKOFF, increment_base=_INCREMENT_BASE,
            connection_timeout=_CONNECT_TIMEOUT, read_timeout=_READ_TIMEOUT)

    def _message(self, template: str) -> str:
        return template.format(self.client.container_name, self.account_name)

    def initialize(self) -> str:
        """Check the container and create the error log; returns its URL (``errorHref``).

        Raises
        ------
        BadRequestError
            The service's ``SinkInitializationFailureException`` (a ``ValidationException``):
            the container does not exist, or cannot be reached or written to.
        """
        try:
            if not self.client.exists():
                raise BadRequestError(self._message(
                    "Azure Blob Storage container '{0}' does not exist in account '{1}'."))
            log = self.client.get_blob_client(error_log_name(self.operation_id))
            if not log.exists():  # CreateIfNotExists (each operation has its own name)
                log.create_append_blob()
        except ServiceRequestError as exc:
            raise BadRequestError(self._message(
                "Cannot connect to Azure Blob Storage container '{0}' in account '{1}'.")
            ) from exc
        except HttpResponseError as exc:
            raise BadRequestError(self._message(
                "Failed to write to Azure Blob Storage container '{0}' in account '{1}'.")
            ) from exc
        return log.url.split("?", 1)[0]

    def copy(self, path: Path, name: str) -> None:
        """Upload one stored file as it is (its bytes, untouched) to blob ``name``.

        Raises
        ------
        OSError
            The stored file cannot be read.
        DestinationWriteError
            The destination answered 4xx.
        AzureError
            Anything else from the storage (5xx, network): the file is skipped.
        """
        with open(path, "rb") as data:
            try:
                self.client.upload_blob(name, data, overwrite=True,
                                        length=path.stat().st_size)
            except HttpResponseError as exc:
                if exc.status_code is not None and 400 <= exc.status_code < 500:
                    raise DestinationWriteError(str(exc.reason)) from exc
                raise

    def append_errors(self, entries: Iterable[ErrorEntry]) -> None:
        """Append the entries to the error log as JSON lines (one block per call)."""
        block = b"".join(entry.line() for entry in entries)
        if block:
            self.client.get_blob_client(error_log_name(self.operation_id)).append_block(block)

    def close(self) -> None:
        self.client.close()


__all__ += ["AzureError", "parse_credential"]
