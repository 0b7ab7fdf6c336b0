"""Data partitions over HTTP: ``GET /partitions``, and the filter of the partitioned routes.

Every route of a partitioned family (``routes.PARTITIONED_FAMILIES``) exists twice, below
the version and below ``/partitions/{partitionName}`` (``VersionedRouteAttribute`` and
``VersionedPartitionRouteAttribute``), and its handler is wrapped here in the service's
``PopulateDataPartitionFilterAttribute``: it runs after authentication and before the
handler, so before the handler's data-action check, which the wrapper then makes
(``identity.enforcement.check_data_action``). The wrapped handler reads the request's
partition with ``web.request.partition_key``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from dicom_emulator.features.partitions.service import partitions_json
from dicom_emulator.identity.enforcement import check_data_action
from dicom_emulator.web.request import components, use_partition

Endpoint = Callable[[Request], Awaitable[Response]]

# ObjectResult through System.Text.Json (``[Produces("application/json")]``).
JSON = "application/json; charset=utf-8"


def partitioned(handler: Endpoint, *, creates: bool) -> Endpoint:
    """``handler`` below ``/partitions/{partitionName}``; a route that ``creates`` (STOW,
    adding a workitem) adds a partition it does not find."""

    async def endpoint(request: Request) -> Response:
        app = components(request)
        name = request.path_params["partitionName"]
        partition = await run_in_threadpool(app.partitions.resolve, name, creates)
        use_partition(request, partition.key, name)
        await check_data_action(request, app.identity)
        return await handler(request)

    endpoint.__name__ = f"partitioned_{handler.__name__}"
    endpoint.__doc__, endpoint.__wrapped__ = handler.__doc__, handler  # type: ignore[attr-defined]
    return endpoint


def unpartitioned(handler: Endpoint) -> Endpoint:
    """``handler`` of a partitioned family below the version only: the default partition
    while the feature is off, a 400 while it is on."""

    async def endpoint(request: Request) -> Response:
        app = components(request)
        app.partitions.require_no_partition()
        await check_data_action(request, app.identity)
        return await handler(request)

    endpoint.__name__ = handler.__name__
    endpoint.__doc__, endpoint.__wrapped__ = handler.__doc__, handler  # type: ignore[attr-defined]
    return endpoint


async def list_partitions(request: Request) -> Response:
    """``GET /partitions`` (``PartitionController.GetAllPartitions``): 400 with the feature
    off (before the data-action check), else every partition, with status 200."""
    app = components(request)
    app.partitions.require_enabled()
    await check_data_action(request, app.identity)
    partitions = await run_in_threadpool(app.partitions.all)
    return Response(partitions_json(partitions), media_type=JSON)
