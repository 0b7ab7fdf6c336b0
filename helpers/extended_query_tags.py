"""Extended query tags: make more attributes searchable, and follow the reindex operation.

Adding tags starts a long-running *reindex* operation over every stored instance; the
tags are ``adding`` until it completes, then ``ready``. :func:`wait_for_operation` polls
the operation (with a progress bar) until it has finished. Values the reindex could not
index are listed by :func:`list_extended_query_tag_errors`; the service then disables
queries on the tag until it is re-enabled with :func:`update_extended_query_tag`.

Functions take a ``requests.Session`` (or anything with ``get``/``post``/``patch``/
``delete``) and the versioned base URL, e.g. ``client.base_url``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from helpers._http import checked, lower_keys

__all__ = [
    "ExtendedQueryTag",
    "ExtendedQueryTagError",
    "Operation",
    "OperationFailedError",
    "OperationReference",
    "add_extended_query_tags",
    "delete_extended_query_tag",
    "get_extended_query_tag",
    "get_operation",
    "list_extended_query_tag_errors",
    "list_extended_query_tags",
    "update_extended_query_tag",
    "wait_for_operation",
]

FINISHED = ("succeeded", "completed", "failed", "canceled")


@dataclass(frozen=True)
class OperationReference:
    """What adding tags returns: the operation's id and its status URL."""

    id: str
    href: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OperationReference:
        item = lower_keys(data)
        return cls(id=str(item["id"]), href=str(item["href"]))


@dataclass(frozen=True)
class Operation:
    """The state of a long-running operation (``GET /operations/{id}``)."""

    operation_id: str
    type: str
    status: str
    percent_complete: int | None = None
    created_time: datetime | None = None
    last_updated_time: datetime | None = None
    resources: list[str] = field(default_factory=list)
    results: Any = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Operation:
        item = lower_keys(data)
        return cls(
            operation_id=str(item["operationid"]),
            type=str(item.get("type", "unknown")).lower(),
            status=str(item["status"]).lower(),
            percent_complete=item.get("percentcomplete"),
            created_time=_time(item.get("createdtime")),
            last_updated_time=_time(item.get("lastupdatedtime")),
            resources=list(item.get("resources") or []),
            results=item.get("results"),
        )

    @property
    def finished(self) -> bool:
        return self.status.lower() in FINISHED

    @property
    def succeeded(self) -> bool:
        """Done without error (``completed`` in API v1, ``succeeded`` in v2)."""
        return self.status.lower() in ("succeeded", "completed")


@dataclass(frozen=True)
class ExtendedQueryTag:
    """A tag as the service lists it; enum values are lower case (``ready``, ``study``)."""

    path: str
    vr: str
    level: str
    status: str
    query_status: str
    private_creator: str | None = None
    error_count: int = 0
    errors_href: str | None = None
    operation: OperationReference | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExtendedQueryTag:
        item = lower_keys(data)
        errors = lower_keys(item.get("errors") or {})
        operation = item.get("operation")
        return cls(
            path=item["path"], vr=item["vr"], level=str(item["level"]).lower(),
            status=str(item["status"]).lower(), query_status=str(item["querystatus"]).lower(),
            private_creator=item.get("privatecreator"),
            error_count=int(errors.get("count", 0)), errors_href=errors.get("href"),
            operation=OperationReference.from_json(operation) if operation else None,
        )


@dataclass(frozen=True)
class ExtendedQueryTagError:
    """An instance the reindex could not index on a tag, and why."""

    study_instance_uid: str
    series_instance_uid: str
    sop_instance_uid: str
    error_message: str
    created_time: datetime | None = None
    partition_name: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExtendedQueryTagError:
        item = lower_keys(data)
        return cls(
            study_instance_uid=item["studyinstanceuid"],
            series_instance_uid=item["seriesinstanceuid"],
            sop_instance_uid=item["sopinstanceuid"], error_message=item["errormessage"],
            created_time=_time(item.get("createdtime")),
            partition_name=item.get("partitionname"),
        )


class OperationFailedError(RuntimeError):
    """The operation finished, but not successfully."""

    def __init__(self, operation: Operation) -> None:
        super().__init__(f"operation {operation.operation_id} ended with status "
                         f"{operation.status!r}")
        self.operation = operation


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _url(base_url: str, *parts: str) -> str:
    return "/".join([base_url.rstrip("/"), *parts])


def add_extended_query_tags(session: Any, base_url: str,
                            tags: Iterable[dict[str, str]]) -> OperationReference:
    """Add tags; returns the reindex operation that will make them ready.

    Parameters
    ----------
    tags : iterable of dict
        Entries such as ``{"path": "PatientAge", "level": "Study"}``; private tags also
        need ``"vr"`` and ``"privateCreator"``.

    Raises
    ------
    requests.HTTPError
        400 for an invalid tag (the message says which rule), 409 when a tag exists or
        another reindex is running.
    """
    response = checked(session.post(_url(base_url, "extendedquerytags"), json=list(tags)))
    return OperationReference.from_json(response.json())


def list_extended_query_tags(session: Any, base_url: str, *, limit: int = 100,
                             offset: int = 0) -> list[ExtendedQueryTag]:
    """One page of tags (``limit`` 1-200), in the order they were added."""
    response = checked(session.get(_url(base_url, "extendedquerytags"),
                                    params={"limit": limit, "offset": offset}))
    return [ExtendedQueryTag.from_json(item) for item in response.json()]


def get_extended_query_tag(session: Any, base_url: str, path: str) -> ExtendedQueryTag:
    """One tag by keyword (``PatientAge``) or 8-hex path (``00101010``); 404 if absent."""
    response = checked(session.get(_url(base_url, "extendedquerytags", path)))
    return ExtendedQueryTag.from_json(response.json())


def update_extended_query_tag(session: Any, base_url: str, path: str, *,
                              query_enabled: bool) -> ExtendedQueryTag:
    """Enable or disable queries on a tag (``PATCH`` with ``queryStatus``)."""
    status = "Enabled" if query_enabled else "Disabled"
    response = checked(session.patch(_url(base_url, "extendedquerytags", path),
                                      json={"queryStatus": status}))
    return ExtendedQueryTag.from_json(response.json())


def delete_extended_query_tag(session: Any, base_url: str, path: str) -> None:
    """Remove a tag and its index data; queries on it then fail with 400."""
    checked(session.delete(_url(base_url, "extendedquerytags", path)))


def list_extended_query_tag_errors(session: Any, base_url: str, path: str, *,
                                   limit: int = 100,
                                   offset: int = 0) -> list[ExtendedQueryTagError]:
    """Instances the reindex could not index on the tag (one page, ``limit`` 1-200)."""
    response = checked(session.get(_url(base_url, "extendedquerytags", path, "errors"),
                                    params={"limit": limit, "offset": offset}))
    return [ExtendedQueryTagError.from_json(item) for item in response.json()]


def get_operation(session: Any, operation: OperationReference | str) -> Operation:
    """The current state of an operation, given its reference or status URL."""
    href = operation.href if isinstance(operation, OperationReference) else operation
    return Operation.from_json(checked(session.get(href)).json())


def wait_for_operation(session: Any, operation: OperationReference | str, *,
                       timeout: float = 600, poll_interval: float = 1.0,
                       progress: bool = True) -> Operation:
    """Poll an operation until it finishes; returns its final state.

    Parameters
    ----------
    operation : OperationReference or str
        What :func:`add_extended_query_tags` returned, or the operation's URL.
    timeout : float
        Seconds to wait before giving up.
    poll_interval : float
        Seconds between two polls.
    progress : bool
        Show a progress bar of ``percentComplete`` (in notebooks too).

    Raises
    ------
    TimeoutError
        When it has not finished within ``timeout`` seconds.
    OperationFailedError
        When it finished with status ``failed`` or ``canceled``.
    """
    bar = None
    if progress:
        from tqdm.auto import tqdm  # imported on demand: only progress bars need it

        bar = tqdm(total=100, desc="operation", unit="%")
    deadline = time.monotonic() + timeout
    try:
        while True:
            state = get_operation(session, operation)
            if bar is not None:
                bar.set_description(f"{state.type} {state.status}")
                bar.update(max(0, (100 if state.succeeded else state.percent_complete or 0)
                               - bar.n))
            if state.finished:
                if not state.succeeded:
                    raise OperationFailedError(state)
                return state
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"operation {state.operation_id} is still {state.status} "
                    f"({state.percent_complete}%) after {timeout} s; raise timeout= to wait "
                    f"longer")
            time.sleep(poll_interval)
    finally:
        if bar is not None:
            bar.close()
