"""Data partitions of the Azure DICOM service: a client bound to a partition, the listing.

A service created with data partitions has every DICOMweb route (STOW, QIDO, WADO,
delete) below ``/partitions/{name}`` of the versioned root; :func:`partition_client` is
the kit's dicomweb-client with that base URL and the same authenticated session. The
change feed, extended query tags and operations stay at the root, service-wide.
Partitions are chosen when a service is created: :func:`partitioned_service` gives the
settings of one (locally, a second emulator with its own port and data dir).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from helpers._http import checked
from helpers.changefeed import HttpGetter
from helpers.client import DICOMwebClient
from helpers.config import Settings

__all__ = ["DEFAULT_PARTITION", "Partition", "list_partitions", "partition_client",
           "partitioned_service"]

DEFAULT_PARTITION = "Microsoft.Default"
# The service's rule (PartitionNameValidator): up to 64 letters, digits, '.', '-', '_'.
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")


@dataclass(frozen=True)
class Partition:
    """One entry of ``GET /partitions``."""

    partition_key: int
    partition_name: str
    created_date: datetime

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> Partition:
        return cls(item["partitionKey"], item["partitionName"],
                   datetime.fromisoformat(item["createdDate"]))


def list_partitions(session: HttpGetter, base_url: str) -> list[Partition]:
    """Every partition of the service, the default one included (``GET /partitions``).

    Raises
    ------
    requests.HTTPError
        400 when the service was created without data partitions.
    """
    response = checked(session.get(f"{base_url.rstrip('/')}/partitions"))
    if response.status_code == 204 or not response.content:
        return []
    return [Partition.from_json(item) for item in response.json()]


def partition_client(client: DICOMwebClient, name: str) -> DICOMwebClient:
    """``client``'s service and session, working in the partition ``name``.

    The partition is made by its first store; a search in a partition no store has
    made answers 400.

    Raises
    ------
    ValueError
        ``name`` is not 1-64 letters, digits, ``.``, ``-`` or ``_``.
    """
    if not _NAME.fullmatch(name):
        raise ValueError(f'Argument "name" must be 1-64 letters, digits, ".", "-" or "_", '
                         f"not {name!r}.")
    root = client.base_url.split("/partitions/")[0]
    bound = DICOMwebClient(url=f"{root}/partitions/{name}", session=client._session)
    bound.set_http_retry_params(retry=client._http_retry)
    return bound


def partitioned_service(settings: Settings) -> Settings:
    """The settings of a service created with data partitions.

    Locally: a second emulator beside the usual one, on the next port with its own data
    dir (``<data dir>-partitions``), started by the first client made with these settings
    and stopped with ``helpers.emulator.stop_emulator``. On Azure: ``settings`` as they
    are (create the service with *Enable data partitions* and point the kit at it).
    """
    if not settings.is_local:
        return settings
    data_dir = settings.emulator_data_dir
    return dataclasses.replace(
        settings, emulator_port=settings.emulator_port + 1,
        emulator_data_dir=data_dir.with_name(data_dir.name + "-partitions"),
        emulator_data_partitions=True)
