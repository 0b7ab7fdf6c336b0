"""The URL table: every route of the emulator, composed once (cf. ``KnownRoutes.cs``).

DICOMweb and the Azure-only APIs live under each version prefix (``/v1.0-prerelease``,
``/v1``, ``/v2`` and their aliases such as ``/v1.0``, ``/v2.0``); the prefix decides v1 or
v2 semantics, and ``web.versions.VersionedApi`` does the versioning library's part
(unsupported versions, case-insensitive literals, api-supported-versions). There are no
unversioned routes.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from dicom_emulator.features.changefeed import endpoint as changefeed
from dicom_emulator.features.delete import endpoint as delete
from dicom_emulator.features.export import endpoint as export
from dicom_emulator.features.extended_query_tags import endpoint as extended_query_tags
from dicom_emulator.features.operations import endpoint as operations
from dicom_emulator.features.partitions import endpoint as partitions
from dicom_emulator.features.query import endpoint as query
from dicom_emulator.features.retrieve import endpoint as retrieve
from dicom_emulator.features.store import endpoint as store
from dicom_emulator.features.update import endpoint as update
from dicom_emulator.web.urls import EXTENDED_QUERY_TAG as TAG
from dicom_emulator.web.urls import FRAMES, INSTANCE, OPERATION, SERIES, STUDY
from dicom_emulator.web.versions import VersionedApi


def _route_table() -> list[Route]:
    """Routes below a version prefix, with their handlers as the features define them."""
    return [
        # Bulk update (v2; its literal comes before STOW's {study})
        Route("/studies/$bulkUpdate", update.bulk_update, methods=["POST"]),
        # STOW-RS
        Route("/studies", store.store_instances, methods=["POST"]),
        Route(STUDY, store.store_instances, methods=["POST"]),
        Route("/studies", store.upsert_instances, methods=["PUT"]),
        Route(STUDY, store.upsert_instances, methods=["PUT"]),
        # QIDO-RS
        Route("/studies", query.search_for_studies, methods=["GET"]),
        Route("/series", query.search_for_series, methods=["GET"]),
        Route("/instances", query.search_for_instances, methods=["GET"]),
        Route(STUDY + "/series", query.search_for_series, methods=["GET"]),
        Route(STUDY + "/instances", query.search_for_instances, methods=["GET"]),
        Route(SERIES + "/instances", query.search_for_instances, methods=["GET"]),
        # WADO-RS
        Route(STUDY, retrieve.retrieve_instances, methods=["GET"]),
        Route(SERIES, retrieve.retrieve_instances, methods=["GET"]),
        Route(INSTANCE, retrieve.retrieve_instances, methods=["GET"]),
        Route(STUDY + "/metadata", retrieve.retrieve_metadata, methods=["GET"]),
        Route(SERIES + "/metadata", retrieve.retrieve_metadata, methods=["GET"]),
        Route(INSTANCE + "/metadata", retrieve.retrieve_metadata, methods=["GET"]),
        Route(FRAMES, retrieve.retrieve_frames, methods=["GET"]),
        Route(INSTANCE + "/rendered", retrieve.retrieve_rendered, methods=["GET"]),
        Route(FRAMES + "/rendered", retrieve.retrieve_rendered, methods=["GET"]),
        # Delete (Azure-only)
        Route(STUDY, delete.delete_instances, methods=["DELETE"]),
        Route(SERIES, delete.delete_instances, methods=["DELETE"]),
        Route(INSTANCE, delete.delete_instances, methods=["DELETE"]),
        # Change feed (Azure-only)
        Route("/changefeed", changefeed.get_change_feed, methods=["GET"]),
        Route("/changefeed/latest", changefeed.get_latest_change, methods=["GET"]),
        # Extended query tags and operations (Azure-only)
        Route("/extendedquerytags", extended_query_tags.add_tags, methods=["POST"]),
        Route("/extendedquerytags", extended_query_tags.list_tags, methods=["GET"]),
        Route(TAG, extended_query_tags.get_tag, methods=["GET"]),
        Route(TAG, extended_query_tags.update_tag, methods=["PATCH"]),
        Route(TAG, extended_query_tags.delete_tag, methods=["DELETE"]),
        Route(TAG + "/errors", extended_query_tags.get_tag_errors, methods=["GET"]),
        Route(OPERATION, operations.get_operation, methods=["GET"]),
        # Export (Azure-only)
        Route("/export", export.start_export, methods=["POST"]),
    ]


# -- data partitions -------------------------------------------------------------------

# The route families the service also has under /partitions/{partitionName}/ (its
# controllers with PopulateDataPartitionFilter: store, query, retrieve, delete, and bulk
# update below /studies). A feature's family joins by being added here (Learn, "Data
# partitions": export and worklist too); the change feed, extended query tags and
# operations stay at the service's root.
PARTITIONED_FAMILIES = ("/studies", "/series", "/instances", "/export")
# The routes that add the partition they name when it is missing (the filter's list: the
# two STOW routes, adding a workitem; PUT is STOW's upsert).
PARTITION_CREATING = {("POST", "/studies"), ("POST", STUDY), ("PUT", "/studies"),
                      ("PUT", STUDY)}
PARTITION = "/partitions/{partitionName}"


def _in_partitioned_family(route: Route) -> bool:
    return route.path.startswith(PARTITIONED_FAMILIES)


def dicom_routes() -> list[Route]:
    """Routes below a version prefix; a partitioned family's go through the data
    partitions filter (default partition, or 400 with the feature on)."""
    return [Route(r.path, partitions.unpartitioned(r.endpoint), methods=sorted(r.methods or ()))
            if _in_partitioned_family(r) else r for r in _route_table()]


def partition_routes() -> list[Route]:
    """``GET /partitions``, and each route of a partitioned family again below
    ``/partitions/{partitionName}`` (all 400 while data partitions are off)."""
    routes = [Route("/partitions", partitions.list_partitions, methods=["GET"])]
    for route in filter(_in_partitioned_family, _route_table()):
        methods = sorted(route.methods or ())
        creates = any((method, route.path) in PARTITION_CREATING for method in methods)
        routes.append(Route(PARTITION + route.path,
                            partitions.partitioned(route.endpoint, creates=creates),
                            methods=methods))
    return routes


async def health_check(request: Request) -> Response:
    return PlainTextResponse("Healthy")


def all_routes() -> list[BaseRoute]:
    versioned = dicom_routes() + partition_routes()
    return [Route("/health/check", health_check, methods=["GET"]), VersionedApi(versioned)]


def partitioned_families() -> list[str]:
    """The partitioned families as route-family names (``studies``…), for the auth
    middleware: their endpoints check the data action after the partitions filter."""
    return [family.strip("/") for family in PARTITIONED_FAMILIES]
