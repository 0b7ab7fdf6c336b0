"""Reading the Azure DICOM service's change feed: typed entries, paging, a resumable consumer.

The change feed lists every create and delete of an instance, in order. Two ways to
page through it, one per API version:

- :func:`read_changes_by_sequence` (v1 semantics): ``offset`` is a sequence number and a
  page covers ``offset < sequence <= offset + limit``. Sequence numbers can have gaps, so
  an empty page does not mean the end: the reader asks ``/changefeed/latest`` and jumps
  over the gap.
- :func:`read_changes_by_time` (v2 semantics): a ``startTime``/``endTime`` window paged
  by row offset.

:class:`ChangeFeedConsumer` remembers the last sequence it handled in a checkpoint file,
so a notebook (or a sync job) can stop and carry on later without missing or repeating
an entry. Functions take a ``requests.Session`` (or anything with ``get``) and the
versioned base URL, e.g. ``client.base_url``. :func:`helpers.figures.plot_timeline`
draws the entries.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from helpers._files import atomic_write
from helpers._http import checked, lower_keys

__all__ = [
    "ChangeFeedAction",
    "ChangeFeedConsumer",
    "ChangeFeedEntry",
    "ChangeFeedState",
    "get_latest_change",
    "read_changes_by_sequence",
    "read_changes_by_time",
    "with_version",
]

_VERSION = re.compile(r"/v[0-9][^/]*/?$")


class HttpGetter(Protocol):
    """What the readers need of a session: ``get`` (a ``requests.Session`` has it)."""

    def get(self, url: str, **kwargs: Any) -> Any: ...


class ChangeFeedAction(StrEnum):
    """What happened to the instance (the service writes ``Create``; read case-blind)."""

    CREATE = "create"
    DELETE = "delete"
    UPDATE = "update"


class ChangeFeedState(StrEnum):
    """Whether the entry still describes the instance, computed when the feed is read."""

    CURRENT = "current"
    REPLACED = "replaced"
    DELETED = "deleted"


@dataclass(frozen=True)
class ChangeFeedEntry:
    """One change: which instance, what happened, and whether that is still its state.

    ``metadata`` is the instance's DICOM JSON when it was asked for and the instance
    still exists.
    """

    sequence: int
    study_instance_uid: str
    series_instance_uid: str
    sop_instance_uid: str
    action: ChangeFeedAction
    timestamp: datetime
    state: ChangeFeedState
    partition_name: str | None = None
    metadata: dict[str, Any] | None = None
    file_path: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChangeFeedEntry:
        """An entry from the wire. Keys and enum values are read case-insensitively: the
        service writes ``sequence``/``Create``, its docs show ``Sequence``/``create``."""
        item = lower_keys(data)
        return cls(
            sequence=int(item["sequence"]),
            study_instance_uid=item["studyinstanceuid"],
            series_instance_uid=item["seriesinstanceuid"],
            sop_instance_uid=item["sopinstanceuid"],
            action=ChangeFeedAction(str(item["action"]).lower()),
            timestamp=datetime.fromisoformat(item["timestamp"]),
            state=ChangeFeedState(str(item["state"]).lower()),
            partition_name=item.get("partitionname"),
            metadata=item.get("metadata"),
            file_path=item.get("filepath"),
        )


def with_version(base_url: str, version: str) -> str:
    """``base_url`` with its version segment replaced, e.g. ``…/v2`` -> ``…/v1``."""
    root = _VERSION.sub("", base_url.rstrip("/"))
    return f"{root}/{version}"


def get_latest_change(session: HttpGetter, base_url: str, *,
                      include_metadata: bool = False) -> ChangeFeedEntry | None:
    """The newest entry (by sequence in v1, by time in v2); None when the feed is empty."""
    response = checked(session.get(f"{base_url.rstrip('/')}/changefeed/latest",
                                    params={"includeMetadata": str(include_metadata).lower()}))
    if response.status_code == 204 or not response.content:
        return None
    return ChangeFeedEntry.from_json(response.json())


def read_changes_by_sequence(session: HttpGetter, base_url: str, *, start_after: int = 0,
                             page_size: int = 100, include_metadata: bool = False,
                             ) -> Iterator[ChangeFeedEntry]:
    """Every entry with a sequence number above ``start_after``, in order (v1 paging).

    Uses the ``/v1`` change feed of the service whatever version ``base_url`` names,
    because only v1 pages by sequence number. Stops when it has caught up with
    ``/changefeed/latest``; entries added meanwhile are read by the next call.

    Parameters
    ----------
    session : requests.Session
        Authenticated for the service.
    base_url : str
        The versioned root, e.g. ``http://127.0.0.1:8080/v2``.
    start_after : int
        The last sequence number already handled (0: from the beginning).
    page_size : int
        1 to 100: how many sequence numbers one request covers.
    include_metadata : bool
        Ask for each instance's DICOM JSON too.
    """
    if not 1 <= page_size <= 100:
        raise ValueError(f"page_size must be between 1 and 100, not {page_size}")
    v1 = with_version(base_url, "v1")
    offset = start_after
    while True:
        page = checked(session.get(f"{v1}/changefeed", params={
            "offset": offset, "limit": page_size,
            "includeMetadata": str(include_metadata).lower()})).json()
        if page:
            for item in page:
                entry = ChangeFeedEntry.from_json(item)
                yield entry
                offset = entry.sequence
            continue
        # An empty page is either the end or a gap in the sequence numbers (PR #2712).
        latest = get_latest_change(session, v1)
        if latest is None or latest.sequence <= offset + page_size:
            return
        offset += page_size


def read_changes_by_time(session: HttpGetter, base_url: str, *,
                         start_time: datetime | None = None, end_time: datetime | None = None,
                         page_size: int = 100, include_metadata: bool = False,
                         ) -> Iterator[ChangeFeedEntry]:
    """Entries with ``start_time <= timestamp < end_time`` in time order (v2 paging).

    Uses the ``/v2`` change feed whatever version ``base_url`` names. Times must carry
    a time zone (the service refuses others), e.g. ``datetime.now(timezone.utc)``.
    """
    if not 1 <= page_size <= 200:
        raise ValueError(f"page_size must be between 1 and 200, not {page_size}")
    params: dict[str, Any] = {"limit": page_size, "includeMetadata": str(include_metadata).lower()}
    for name, value in (("startTime", start_time), ("endTime", end_time)):
        if value is not None:
            if value.tzinfo is None:
                argument = "start_time" if name == "startTime" else "end_time"
                raise ValueError(f"{argument} needs a time zone, e.g. "
                                 f"datetime(..., tzinfo=timezone.utc)")
            params[name] = value.isoformat()
    v2 = with_version(base_url, "v2")
    offset = 0
    while True:
        page = checked(session.get(f"{v2}/changefeed",
                                    params={**params, "offset": offset})).json()
        for item in page:
            yield ChangeFeedEntry.from_json(item)
        if len(page) < page_size:
            return
        offset += len(page)


class ChangeFeedConsumer:
    """Reads new change-feed entries and remembers where it stopped.

    Parameters
    ----------
    session : requests.Session
        Authenticated for the service.
    base_url : str
        The versioned root, e.g. ``client.base_url``.
    checkpoint : str or Path, optional
        A JSON file holding the last handled sequence number; without one the position
        lives only in this object.
    page_size, include_metadata
        As for :func:`read_changes_by_sequence`.

    Examples
    --------
    >>> consumer = ChangeFeedConsumer(session, client.base_url, "feed.json")  # doctest: +SKIP
    >>> for entry in consumer.poll():                                          # doctest: +SKIP
    ...     print(entry.sequence, entry.action, entry.sop_instance_uid)
    """

    def __init__(self, session: HttpGetter, base_url: str,
                 checkpoint: str | Path | None = None, *, page_size: int = 100,
                 include_metadata: bool = False) -> None:
        self.session = session
        self.base_url = base_url
        self.checkpoint = Path(checkpoint) if checkpoint is not None else None
        self.page_size = page_size
        self.include_metadata = include_metadata
        self.position = self._load()

    def _load(self) -> int:
        if self.checkpoint is None or not self.checkpoint.exists():
            return 0
        return int(json.loads(self.checkpoint.read_text())["sequence"])

    def _save(self) -> None:
        if self.checkpoint is None:
            return
        self.checkpoint.parent.mkdir(parents=True, exist_ok=True)
        # A crash while saving leaves the old position or the new one, never half a file.
        atomic_write(self.checkpoint, json.dumps({"sequence": self.position}))

    def poll(self, handler: Callable[[ChangeFeedEntry], object] | None = None,
             ) -> list[ChangeFeedEntry]:
        """Read the entries after the checkpoint, hand each to ``handler``, advance.

        The checkpoint moves past an entry only once ``handler`` has returned, so an
        entry whose handler raised is read again by the next ``poll``.
        """
        handled = []
        for entry in read_changes_by_sequence(self.session, self.base_url,
                                              start_after=self.position,
                                              page_size=self.page_size,
                                              include_metadata=self.include_metadata):
            if handler is not None:
                handler(entry)
            handled.append(entry)
            self.position = entry.sequence
            self._save()
        return handled

    def reset(self, position: int = 0) -> None:
        """Start again after sequence number ``position`` (0: the beginning)."""
        self.position = position
        self._save()
