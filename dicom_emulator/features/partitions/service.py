"""Data partitions, the service: the feature's setting, partition names, finding a partition.

What the service does around a partitioned request (``PopulateDataPartitionFilterAttribute``
and ``PartitionService`` at eeefbe4): with the feature off, a partition in the path is a
400; with it on, a DICOMweb route without one is a 400, and the name in the path is
validated (``PartitionNameValidator``), then looked up (``GetPartitionAsync``: an unknown
name is a 400) or, for a store, looked up and added when missing (``GetOrAddPartitionAsync``).
The feature is chosen when the service is created; it cannot be turned off once a partition
other than the default one exists (``DataPartitionFeatureValidatorService``, at start-up).
No HTTP here: the endpoint module applies it to requests.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from dicom_emulator.errors import BadRequestError
from dicom_emulator.features.changefeed.service import written_timestamp
from dicom_emulator.storage.partitions import Partition, PartitionStore

__all__ = ["FEATURE_CANNOT_BE_DISABLED", "FEATURE_DISABLED", "INVALID_PARTITION_NAME",
           "MISSING_PARTITION", "PARTITION_NOT_FOUND", "FeatureCannotBeDisabledError",
           "Partitions", "partitions_json", "validate_partition_name"]

# DicomCoreResource.resx at eeefbe4 (the trailing space of InvalidPartitionName is the
# service's own).
FEATURE_DISABLED = "Data partitions feature is disabled."
MISSING_PARTITION = "PartitionName value is missing in the route segment."
PARTITION_NOT_FOUND = "Specified PartitionName does not exist."
INVALID_PARTITION_NAME = "The specified PartitionName is invalid. "
FEATURE_CANNOT_BE_DISABLED = ("Data partitions feature cannot be disabled while existing data "
                              "has already been partitioned.")

_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")  # PartitionNameValidator: ^[A-Za-z0-9_.-]*$, ≤ 64


class FeatureCannotBeDisabledError(Exception):
    """``DataPartitionsFeatureCannotBeDisabledException``: the service does not start."""

    def __init__(self) -> None:
        super().__init__(FEATURE_CANNOT_BE_DISABLED)


def validate_partition_name(name: str) -> None:
    """``PartitionNameValidator.Validate``: 400 ``InvalidPartitionNameException``."""
    if not _NAME.fullmatch(name):
        raise BadRequestError(INVALID_PARTITION_NAME)


@dataclass
class Partitions:
    """The service's partitions and whether it was created with the feature.

    Build it with :meth:`open`, which applies the start-up rule.
    """

    store: PartitionStore
    enabled: bool

    @classmethod
    def open(cls, store: PartitionStore, asked: bool | None) -> Partitions:
        """The setting ``asked`` for (None: what the data dir recorded, else off), recorded.

        Raises
        ------
        FeatureCannotBeDisabledError
            Off was asked for, but a partition other than the default one exists.
        """
        recorded = store.recorded_data_partitions()
        enabled = asked if asked is not None else bool(recorded)
        if not enabled and store.has_other_than_default():
            raise FeatureCannotBeDisabledError()
        if enabled != recorded:
            store.record_data_partitions(enabled)
        return cls(store, enabled)

    def resolve(self, name: str, create: bool) -> Partition:
        """The partition a request's path names (blocking: call it off the event loop).

        Raises
        ------
        BadRequestError
            The feature is off, the name is invalid, or (``create`` false) no such
            partition exists; with the service's messages.
        """
        self.require_enabled()
        validate_partition_name(name)
        if create:
            return self.store.get_or_add(name)
        found = self.store.get(name)
        if found is None:
            raise BadRequestError(PARTITION_NOT_FOUND)
        return found

    def require_enabled(self) -> None:
        """A partition route while the feature is off: the service's 400."""
        if not self.enabled:
            raise BadRequestError(FEATURE_DISABLED)

    def require_no_partition(self) -> None:
        """An unpartitioned DICOMweb route: with the feature on, the service's 400."""
        if self.enabled:
            raise BadRequestError(MISSING_PARTITION)

    def all(self) -> list[Partition]:
        """Every partition, the default one included (blocking)."""
        return self.store.all()


def partitions_json(partitions: list[Partition]) -> str:
    """``PartitionEntry`` objects as System.Text.Json writes them: ``partitionKey`` and
    ``partitionName`` (explicit names), ``createdDate`` (camel case), a DateTimeOffset."""
    return json.dumps([{"partitionKey": p.key, "partitionName": p.name,
                        "createdDate": written_timestamp(p.created)} for p in partitions],
                      ensure_ascii=False, separators=(",", ":"))
