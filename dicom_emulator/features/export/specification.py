"""An export request's body, read and validated as the service does, with its messages.

``ExportSpecification``: a ``source`` (type ``identifiers``: ``IdentifierExportOptions``)
and a ``destination`` (type ``azureblob``: ``AzureBlobExportOptions``). Property names are
case-insensitive, as the service's JSON reading is. The destination rules are
``AzureBlobExportSinkProvider.ValidateAsync`` with the managed service's options: neither
public access nor SAS tokens (Learn, "Export DICOM files": the destination is a
``blobContainerUri`` written with the service's managed identity).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from dicom_emulator.dicom.validation import is_valid_uid
from dicom_emulator.errors import BadRequestError, InvalidRequestBodyError

__all__ = ["ExportSpecification", "parse_identifier", "read_specification"]


@dataclass(frozen=True)
class ExportSpecification:
    identifiers: list[str]  # "study[/series[/sop]]", as given (trimmed)
    container_url: str
    use_managed_identity: bool


def _property(item: dict[str, Any], name: str) -> Any:
    for key, value in item.items():
        if key.lower() == name.lower():
            return value
    return None


def parse_identifier(value: Any) -> tuple[str, str | None, str | None]:
    """``DicomIdentifier.Parse``: one to three valid UIDs separated by ``/``."""
    parts = [part.strip() for part in value.split("/")] if isinstance(value, str) else []
    if not 1 <= len(parts) <= 3 or not all(is_valid_uid(part) and part for part in parts):
        raise BadRequestError(f"The string '{value}' was not recognized as a valid DICOM "
                              f"identifier.")
    return parts[0], (parts[1] if len(parts) > 1 else None), (parts[2] if len(parts) > 2
                                                              else None)


def _options(body: dict[str, Any], name: str, expected: str, shown: str) -> dict[str, Any]:
    """The settings of ``source`` or ``destination`` whose type must be ``expected``."""
    options = _property(body, name)
    kind = _property(options, "type") if isinstance(options, dict) else None
    if not isinstance(kind, str) or kind.lower() != expected:
        # ExportDataOptionsJsonConverter: DicomCoreResource.UnexpectedValue.
        raise InvalidRequestBodyError(
            name, f"Expected value 'Type' to be one of the following values: [{shown}]")
    settings = _property(options, "settings")
    if not isinstance(settings, dict):
        raise InvalidRequestBodyError(f"{name}.settings",
                                      "The settings must be a JSON object.")
    return settings


def _identifiers(settings: dict[str, Any]) -> list[str]:
    values = _property(settings, "values")
    if values is not None and not isinstance(values, list):
        raise InvalidRequestBodyError("source.settings.values",
                                      "The values must be a JSON array of strings.")
    parsed = ["/".join(p for p in parse_identifier(v) if p) for v in values or []]
    if not parsed:  # IdentifierExportOptions.Validate
        raise BadRequestError("Missing value for property 'Values'.")
    return parsed


def _has_sas(url: str) -> bool:
    return "sig=" in urlsplit(url).query.lower()


def _destination(settings: dict[str, Any]) -> tuple[str, bool]:
    uri = _property(settings, "blobContainerUri")
    connection = _property(settings, "connectionString")
    container = _property(settings, "blobContainerName")
    managed = _property(settings, "useManagedIdentity") is True
    given = [isinstance(v, str) and v.strip() != "" for v in (connection, container)]
    if not uri:
        if not all(given):
            raise BadRequestError("Please specify both ConnectionString and BlobContainerName.")
        text = str(connection)
        emulator = (text.lower() == "usedevelopmentstorage=true"
                    or "accountname=devstoreaccount1" in text.lower())
        if not emulator and "accountkey=" in text.lower():
            raise BadRequestError("Account key authentication is not supported.")
        if "sharedaccesssignature=" in text.lower():
            raise BadRequestError("Shared Access Signatures (SAS) are not supported.")
        raise BadRequestError("Public access to Azure Blob Storage containers is not supported.")
    parts = urlsplit(uri) if isinstance(uri, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidRequestBodyError("destination.settings.blobContainerUri",
                                      "The value must be an absolute URI.")
    if any(given):
        raise BadRequestError("ConnectionString and BlobContainerName cannot be specified "
                              "along with BlobContainerUri.")
    if managed and _has_sas(uri):
        raise BadRequestError("UseManagedIdentity cannot be specified if the BlobContainerUri "
                              "container query string parameters.")
    if _has_sas(uri):
        raise BadRequestError("Shared Access Signatures (SAS) are not supported.")
    if not managed:
        raise BadRequestError("Public access to Azure Blob Storage containers is not supported.")
    return uri.split("?", 1)[0].rstrip("/"), managed


def read_specification(body: Any) -> ExportSpecification:
    """The export request's specification, or the service's 400.

    Model validation first (``[Required]`` source and destination, their types), then the
    source's rules, then the destination's (``ExportService.StartExportAsync``'s order).
    """
    if body is None:
        raise InvalidRequestBodyError("", "A non-empty request body is required.")
    if not isinstance(body, dict):
        raise InvalidRequestBodyError("$", "The request body must be a JSON object.")
    # BodyModelStateValidator reports the last invalid property: Destination before Source.
    for name in ("Destination", "Source"):
        if _property(body, name) is None:
            raise InvalidRequestBodyError(name, f"The {name} field is required.")
    source = _options(body, "source", "identifiers", "Identifiers")
    destination = _options(body, "destination", "azureblob", "AzureBlob")
    identifiers = _identifiers(source)
    url, managed = _destination(destination)
    return ExportSpecification(identifiers, url, managed)
