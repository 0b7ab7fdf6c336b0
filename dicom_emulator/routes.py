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


def dicom_routes() -> list[BaseRoute]:
    """Routes below a version prefix."""
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


# The route families the service also has under /partitions/{partitionName}/.
PARTITIONED_FAMILIES = ("/studies", "/series", "/instances")
PARTITION = "/partitions/{partitionName}"


def partition_routes() -> list[Route]:
    """``/partitions`` and each partitioned route below ``/partitions/{partitionName}``:
    known routes that answer 400 while data partitions are off."""
    routes = [Route("/partitions", partitions.partitions_disabled, methods=["GET"])]
    for route in dicom_routes():
        assert isinstance(route, Route)
        if route.path.startswith(PARTITIONED_FAMILIES):
            routes.append(Route(PARTITION + route.path, partitions.partitions_disabled,
                                methods=sorted(route.methods or ())))
    return routes


async def health_check(request: Request) -> Response:
    return PlainTextResponse("Healthy")


def all_routes() -> list[BaseRoute]:
    versioned = [route for route in dicom_routes() + partition_routes()
                 if isinstance(route, Route)]
    return [Route("/health/check", health_check, methods=["GET"]), VersionedApi(versioned)]
