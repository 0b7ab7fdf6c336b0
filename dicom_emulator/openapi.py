"""The OpenAPI description of the emulator's API, made from its route table.

The service serves Swashbuckle's description of each API version at
``/{documentName}/api.{json|yaml}`` (``DicomServerServiceCollectionExtensions``:
``UseSwagger`` with that ``RouteTemplate``; documents named ``'v'VVV``: ``v1-prerelease``,
``v1``, ``v2``; paths carry the version, ``SubstituteApiVersionInUrl``). It is middleware
before MVC, so it needs no token. Here each operation comes from a route of
``routes.dicom_routes()`` and ``routes.partition_routes()``: a route added there is
described at once, with its endpoint's docstring as the description (a route whose
endpoint has none is an empty description, which a test refuses), the query options its
endpoint reads (:data:`QUERY_OPTIONS`), the statuses its method can answer and what
they hold (:mod:`.openapi_responses`).
"""

from __future__ import annotations

import inspect
import json
import re
from typing import Any

import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dicom_emulator.features.changefeed import endpoint as changefeed
from dicom_emulator.features.extended_query_tags import endpoint as extended_query_tags
from dicom_emulator.features.query import endpoint as query
from dicom_emulator.features.retrieve import endpoint as retrieve
from dicom_emulator.features.store import endpoint as store
from dicom_emulator.features.update import endpoint as update
from dicom_emulator.openapi_responses import SCHEMAS, responses
from dicom_emulator.routes import dicom_routes, partition_routes
from dicom_emulator.web.responses import status_only

TITLE = "Medical Imaging Server for DICOM"  # SwaggerConfiguration.Title
# Document name: (the path prefix of its operations, its version as the info shows it).
DOCUMENTS = {"v1-prerelease": ("/v1.0-prerelease", "1.0-prerelease"), "v1": ("/v1", "1"),
             "v2": ("/v2", "2")}

_INT: dict[str, Any] = {"type": "integer", "format": "int32"}
_LONG: dict[str, Any] = {"type": "integer", "format": "int64", "minimum": 0}
Options = list[tuple[str, dict[str, Any]]]
_PAGING: Options = [("limit", {**_INT, "minimum": 1, "maximum": 200}), ("offset", _LONG)]
_QIDO: Options = [*_PAGING, ("includefield", {"type": "string"}),
                  ("fuzzymatching", {"type": "boolean"}), ("PatientName", {"type": "string"}),
                  ("StudyDate", {"type": "string"}), ("Modality", {"type": "string"})]
_TIME: dict[str, Any] = {"type": "string", "format": "date-time"}
# The query options each endpoint reads (QIDO's filters are open-ended: a few of them).
QUERY_OPTIONS: dict[Any, Options] = {
    query.search_for_studies: _QIDO, query.search_for_series: _QIDO,
    query.search_for_instances: _QIDO,
    changefeed.get_change_feed: [*_PAGING, ("startTime", _TIME), ("endTime", _TIME),
                                 ("includeMetadata", {"type": "boolean"})],
    changefeed.get_latest_change: [("includeMetadata", {"type": "boolean"})],
    extended_query_tags.list_tags: _PAGING, extended_query_tags.get_tag_errors: _PAGING,
    retrieve.retrieve_rendered: [("quality", {**_INT, "minimum": 1, "maximum": 100})],
}
_BINARY = {"schema": {"type": "string", "format": "binary"}}
_TAG = {"type": "object", "properties": {"Path": {"type": "string"}, "VR": {"type": "string"},
                                         "Level": {"type": "string"},
                                         "PrivateCreatorId": {"type": "string"}}}
BODIES: dict[Any, dict[str, Any]] = {
    store.store_instances: {"application/dicom": _BINARY, "multipart/related": _BINARY},
    store.upsert_instances: {"application/dicom": _BINARY, "multipart/related": _BINARY},
    extended_query_tags.add_tags: {"application/json": {
        "schema": {"type": "array", "items": _TAG}}},
    extended_query_tags.update_tag: {"application/json": {"schema": {
        "type": "object", "properties": {"QueryStatus": {"type": "string"}}}}},
    update.bulk_update: {"application/json": {"schema": {"type": "object"}}},
}
# What each method can answer on any of its routes (authentication included).
_COMMON = ["400", "401", "403", "404", "405", "406"]
STATUSES = {"GET": ["200", "204", "304", *_COMMON],
            "POST": ["200", "202", "204", *_COMMON, "409", "413", "415", "503"],
            "PUT": ["200", "202", "204", *_COMMON, "409", "413", "415"],
            "PATCH": ["200", *_COMMON, "415"],
            "DELETE": ["204", *_COMMON]}
_PARAMETER = re.compile(r"{([^}:]+)(?::[^}]+)?}")


def described_routes() -> list[Route]:
    """The routes the description covers: every versioned route of the route table."""
    return [r for r in dicom_routes() + partition_routes() if isinstance(r, Route)]


def _operation(route: Route, method: str) -> dict[str, Any]:
    handler = inspect.unwrap(route.endpoint)  # the feature's handler inside any filter
    doc = inspect.getdoc(route.endpoint) or ""
    parameters = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                  for name in _PARAMETER.findall(route.path)]
    parameters += [{"name": name, "in": "query", "schema": schema}
                   for name, schema in QUERY_OPTIONS.get(handler, [])]
    operation: dict[str, Any] = {
        "summary": doc.split("\n", 1)[0], "description": doc,
        "operationId": f"{method.lower()}{_PARAMETER.sub('', route.path).replace('/', '_')}",
        "parameters": parameters,
        "responses": responses(handler, STATUSES.get(method, _COMMON)),
    }
    if handler in BODIES:
        operation["requestBody"] = {"content": BODIES[handler]}
    return operation


def document(name: str) -> dict[str, Any]:
    """The description named ``name`` (``v1``, ``v2``…)."""
    prefix, version = DOCUMENTS[name]
    paths: dict[str, dict[str, Any]] = {}
    for route in described_routes():
        path = prefix + _PARAMETER.sub(lambda m: "{" + m.group(1) + "}", route.path)
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                operation = _operation(route, method)
                operation["operationId"] += f"_{len(paths)}"  # unique across routes
                paths.setdefault(path, {})[method.lower()] = operation
    return {"openapi": "3.0.1",
            "info": {"title": TITLE, "version": version,
                     "license": {"name": "MIT License",
                                 "url": "https://github.com/microsoft/dicom-server/blob/main/"
                                        "LICENSE"}},
            "paths": paths,
            "components": {"schemas": SCHEMAS,
                           "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearer": []}]}


async def openapi_document(request: Request) -> Response:
    """``GET /{documentName}/api.json`` or ``api.yaml``: the description, no token needed."""
    name, kind = request.path_params["document"], request.path_params["format"]
    if name not in DOCUMENTS or kind not in ("json", "yaml"):
        return status_only(404)
    content = document(name)
    if kind == "json":
        return Response(json.dumps(content), media_type="application/json; charset=utf-8")
    return Response(yaml.safe_dump(content, sort_keys=False), media_type="text/yaml")


def openapi_routes() -> list[Route]:
    """The description's route; it goes before the versioned API, which it shadows."""
    return [Route("/{document}/api.{format}", openapi_document, methods=["GET"])]
