"""What the OpenAPI description says each endpoint answers: media types and JSON shapes.

Shapes follow the service's own description (``swagger/v2/swagger.yaml`` at eeefbe4) with
the values it really writes where that description is Swashbuckle's reflection of a type
rather than the wire: a DICOM JSON dataset is the DICOM JSON model (PS3.18 F.2; the
service's ``DicomItem`` is the .NET ``DicomItem``'s properties), enums are spelled as
serialized (``Create``, ``Current``; its schema lower-cases them), and nulls are left out.
An error's message is plain text (``ContentResult``); an error without one, and the 401,
403, 405 and 406 of the filters, have no body, so those statuses have no content here.
A status an endpoint answers now with a body, now without, has none either.
"""

from __future__ import annotations

from typing import Any

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

Schema = dict[str, Any]
Content = dict[str, Schema]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def _string(**more: Any) -> Schema:
    return {"type": "string", **more}


def _object(required: list[str], **properties: Schema) -> Schema:
    return {"type": "object", "required": required, "properties": properties,
            "additionalProperties": False}


_TIME = _string(format="date-time")
SCHEMAS: dict[str, Schema] = {
    # PS3.18 F.2.2: keys are tags (eight hex digits), each an attribute with its VR.
    "DicomJsonDataset": {"type": "object", "additionalProperties": _ref("DicomJsonAttribute")},
    "DicomJsonAttribute": _object(
        ["vr"], vr=_string(pattern="^[A-Z]{2}$"), Value={"type": "array"},
        InlineBinary=_string(), BulkDataURI=_string()),
    "ChangeFeedEntry": _object(
        ["sequence", "studyInstanceUid", "seriesInstanceUid", "sopInstanceUid", "action",
         "timestamp", "state"],
        sequence={"type": "integer", "format": "int64"}, partitionName=_string(),
        studyInstanceUid=_string(), seriesInstanceUid=_string(), sopInstanceUid=_string(),
        action=_string(enum=["Create", "Delete", "Update"]), timestamp=_TIME,
        state=_string(enum=["Current", "Replaced", "Deleted"]), filePath=_string(),
        metadata=_ref("DicomJsonDataset")),
    "OperationReference": _object(["id", "href"], id=_string(), href=_string(format="uri")),
    "OperationState": _object(
        ["operationId", "type", "createdTime", "lastUpdatedTime", "status"],
        operationId=_string(), type=_string(enum=["export", "reindex", "update"]),
        createdTime=_TIME, lastUpdatedTime=_TIME,
        status=_string(enum=["notStarted", "running", "completed", "succeeded", "failed",
                             "canceled"]),
        percentComplete={"type": "integer", "format": "int32"},
        resources=_array(_string(format="uri")), results={"type": "object"}),
    "ExtendedQueryTag": _object(
        ["path", "vr", "level", "status", "queryStatus"],
        path=_string(), vr=_string(), privateCreator=_string(),
        level=_string(enum=["instance", "series", "study"]),
        status=_string(enum=["adding", "ready", "deleting"]),
        queryStatus=_string(enum=["disabled", "enabled"]),
        errors=_object(["count", "href"], count={"type": "integer"},
                       href=_string(format="uri")),
        operation=_ref("OperationReference")),
    "ExtendedQueryTagError": _object(
        ["studyInstanceUid", "seriesInstanceUid", "sopInstanceUid", "createdTime",
         "errorMessage"],
        partitionName=_string(), studyInstanceUid=_string(), seriesInstanceUid=_string(),
        sopInstanceUid=_string(), createdTime=_TIME, errorMessage=_string()),
    "PartitionEntry": _object(["partitionKey", "partitionName", "createdDate"],
                              partitionKey={"type": "integer", "format": "int32"},
                              partitionName=_string(), createdDate=_TIME),
}


def _json(schema: Schema, media_type: str = "application/json") -> Content:
    return {media_type: {"schema": schema}}


TEXT = _json(_string(), "text/plain")  # an error's message
_DATASET = _json(_ref("DicomJsonDataset"), "application/dicom+json")
_DATASETS = _json(_array(_ref("DicomJsonDataset")), "application/dicom+json")
_OPERATION = _json(_ref("OperationReference"))
_STOW = {"200": _DATASET, "202": _DATASET, "400": TEXT, "409": _DATASET, "413": TEXT,
         "415": TEXT}
_QIDO = {"200": _DATASETS, "400": TEXT}
_FOUND = {"400": TEXT, "404": TEXT}  # an instance, series, study or tag

# Per endpoint, the statuses whose content is known, and it.
RESPONSES: dict[Any, dict[str, Content]] = {
    store.store_instances: _STOW, store.upsert_instances: _STOW,
    query.search_for_studies: _QIDO, query.search_for_series: _QIDO,
    query.search_for_instances: _QIDO,
    retrieve.retrieve_instances: _FOUND, retrieve.retrieve_frames: _FOUND,
    retrieve.retrieve_rendered: _FOUND,
    retrieve.retrieve_metadata: {"200": _DATASETS, **_FOUND},
    changefeed.get_change_feed: {"200": _json(_array(_ref("ChangeFeedEntry"))), "400": TEXT},
    changefeed.get_latest_change: {"200": _json(_ref("ChangeFeedEntry")), "400": TEXT},
    extended_query_tags.add_tags: {"202": _OPERATION, "400": TEXT, "409": TEXT, "415": TEXT},
    extended_query_tags.list_tags: {"200": _json(_array(_ref("ExtendedQueryTag"))),
                                    "400": TEXT},
    extended_query_tags.get_tag: {"200": _json(_ref("ExtendedQueryTag")), **_FOUND},
    extended_query_tags.update_tag: {"200": _json(_ref("ExtendedQueryTag")), **_FOUND,
                                     "415": TEXT},
    delete.delete_instances: _FOUND,
    extended_query_tags.delete_tag: _FOUND,
    extended_query_tags.get_tag_errors: {
        "200": _json(_array(_ref("ExtendedQueryTagError"))), **_FOUND},
    operations.get_operation: {"200": _json(_ref("OperationState")),
                               "202": _json(_ref("OperationState"))},
    update.bulk_update: {"202": _OPERATION, "400": {**TEXT, **_DATASET}, "409": TEXT},
    export.start_export: {"202": _OPERATION, "400": TEXT, "415": TEXT},
    partitions.list_partitions: {"200": _json(_array(_ref("PartitionEntry"))), "400": TEXT},
}


def responses(handler: Any, statuses: list[str]) -> dict[str, Any]:
    """The description's ``responses`` of ``handler`` for ``statuses``."""
    known = RESPONSES.get(handler, {})
    return {s: {"description": s, **({"content": known[s]} if s in known else {})}
            for s in statuses}
