"""Extended query tags (Azure-only), the service: add, read, update and delete tags.

Adding tags starts a reindex operation that runs in the background (:mod:`.reindex`);
the tags stay ``adding`` until it completes. JSON is camelCase, enums camelCase
(``ready``, ``enabled``, ``instance``) as the service's
``StrictStringEnumConverter(CamelCase)`` writes them; nulls are omitted. Blocking (the
index): call it from a worker thread.
"""

from __future__ import annotations

from typing import Any

from dicom_emulator.dicom.indexing import ErrorCode
from dicom_emulator.errors import (
    ConflictError,
    NotFoundError,
    ServiceUnavailableError,
)
from dicom_emulator.features.extended_query_tags.reindex import Reindexer
from dicom_emulator.storage.extended_query_tags import (
    ActiveOperationError,
    ExtendedQueryTagStore,
    NewTag,
    StoredTag,
    TagError,
    TagsExistError,
    TooManyTagsError,
)
from dicom_emulator.storage.operations import Operation
from dicom_emulator.web.urls import (
    extended_query_tag_errors_url,
    operation_url,
)

# ExtendedQueryTagConfiguration.MaxAllowedCount
MAX_ALLOWED_COUNT = 128


def tag_json(tag: StoredTag, base: str) -> dict[str, Any]:
    """``GetExtendedQueryTagEntry`` as the service serializes it."""
    entry: dict[str, Any] = {"path": tag.path, "vr": tag.vr}
    if tag.private_creator:
        entry["privateCreator"] = tag.private_creator
    entry["level"] = tag.level.name.lower()
    entry["status"] = tag.status.name.lower()
    entry["queryStatus"] = tag.query_status.name.lower()
    if tag.error_count > 0:
        entry["errors"] = {"count": tag.error_count,
                           "href": extended_query_tag_errors_url(base, tag.path)}
    if tag.operation_id:
        entry["operation"] = {"id": tag.operation_id,
                              "href": operation_url(base, tag.operation_id)}
    return entry


def error_json(error: TagError) -> dict[str, Any]:
    """``ExtendedQueryTagError``: the message comes from the stored error code."""
    return {
        "partitionName": error.partition_name,
        "studyInstanceUid": error.study_uid,
        "seriesInstanceUid": error.series_uid,
        "sopInstanceUid": error.sop_uid,
        "createdTime": error.created,
        "errorMessage": ErrorCode(error.error_code).message,
    }


def tag_not_found(path: str) -> NotFoundError:
    return NotFoundError(
        f"The specified extended query tag with tag path {path} cannot be found.")


def already_running(base: str, operation_id: str) -> ConflictError:
    return ConflictError(
        f"There is already an active re-index operation with ID '{operation_id}'.",
        headers={"Location": operation_url(base, operation_id)},
    )


def check_no_active_operation(store: ExtendedQueryTagStore, base: str) -> None:
    """409 while a reindex runs (``AddExtendedQueryTagService`` checks this first)."""
    active = store.active_operation()
    if active is not None:
        raise already_running(base, active.operation_id)


def add_tags(store: ExtendedQueryTagStore, reindexer: Reindexer, tags: list[NewTag],
             base: str) -> Operation:
    """Add validated tags and start their reindex; the service's 400/409 otherwise."""
    try:
        operation = store.add(tags, MAX_ALLOWED_COUNT)
    except ActiveOperationError as exc:
        raise already_running(base, exc.operation_id) from None
    except TooManyTagsError:
        # ExtendedQueryTagsExceedsMaxAllowedCountException derives from DicomServerException.
        raise ServiceUnavailableError(
            f"Extended query tags exceeds max allowed count '{MAX_ALLOWED_COUNT}'.") from None
    except TagsExistError:
        raise ConflictError("One or more extended query tags already exist.") from None
    reindexer.notify()
    return operation


def get_tag(store: ExtendedQueryTagStore, path: str) -> StoredTag:
    tag = store.get(path)
    if tag is None:
        raise tag_not_found(path)
    return tag
