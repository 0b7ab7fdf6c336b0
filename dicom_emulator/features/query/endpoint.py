"""QIDO-RS over HTTP: search for studies, series and instances (spec §3)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from dicom_emulator.features.query.parser import QueryResource, bind_options
from dicom_emulator.features.query.service import SearchResult, search
from dicom_emulator.web.request import (
    api_version,
    components,
    optional_path_uids,
    partition_key,
    require_dicom_json_accept,
)
from dicom_emulator.web.responses import DicomJSONResponse

ERRONEOUS_ATTRIBUTES_HEADER = "erroneous-dicom-attributes"


async def _search(request: Request, resource: QueryResource) -> Response:
    params = request.query_params.multi_items()
    # The service's order: option binding (400), the Accept filter (406), then the path
    # UIDs and the filters (400), in the query service.
    bind_options(params)
    require_dicom_json_accept(request)
    study, series, _ = optional_path_uids(request)
    app = components(request)
    api = api_version(request)
    key = partition_key(request)

    def run() -> SearchResult:
        # The extended query tags are read here too: both read the index, off the loop.
        return search(app.index, params, resource, study, series, api, app.query_attributes(),
                      partition_key=key)

    result = await run_in_threadpool(run)
    headers = ({ERRONEOUS_ATTRIBUTES_HEADER: ",".join(result.erroneous)}
               if result.erroneous else {})
    if not result.datasets:
        return Response(status_code=204, headers=headers)
    return DicomJSONResponse(result.datasets, headers=headers)


def _resource(request: Request, nested: QueryResource, doubly_nested: QueryResource | None,
              top: QueryResource) -> QueryResource:
    params = request.path_params
    if "series" in params and doubly_nested is not None:
        return doubly_nested
    return nested if "study" in params else top


async def search_for_studies(request: Request) -> Response:
    """``GET /studies``."""
    return await _search(request, QueryResource.ALL_STUDIES)


async def search_for_series(request: Request) -> Response:
    """``GET /series`` and ``GET /studies/{study}/series``."""
    resource = _resource(request, QueryResource.STUDY_SERIES, None, QueryResource.ALL_SERIES)
    return await _search(request, resource)


async def search_for_instances(request: Request) -> Response:
    """``GET /instances``, ``/studies/{study}/instances``, ``…/series/{series}/instances``."""
    resource = _resource(request, QueryResource.STUDY_INSTANCES,
                         QueryResource.STUDY_SERIES_INSTANCES, QueryResource.ALL_INSTANCES)
    return await _search(request, resource)
