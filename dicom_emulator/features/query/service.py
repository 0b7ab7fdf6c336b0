"""QIDO-RS, the service: which attributes each result carries, and the results of a query.

:mod:`.parser` turns the query string into a :class:`~.parser.Query`; storage finds one
page of matching keys and reads the values that page needs (:mod:`storage.search`). This
module decides which attributes each result carries (spec §3 "Returned attributes") and
assembles them from the per-level DICOM JSON stored at STOW time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydicom.datadict import keyword_for_tag

from dicom_emulator.dicom.attributes import (
    COMPUTED,
    INDEX_ROW_ATTRIBUTES,
    LEVEL_ATTRIBUTES,
    Level,
    all_attributes,
    default_attributes,
)
from dicom_emulator.dicom.dicom_json import DicomJson, element
from dicom_emulator.dicom.tags import tag_hex
from dicom_emulator.features.query.attributes import QueryAttribute
from dicom_emulator.features.query.parser import Query, QueryResource, parse_query
from dicom_emulator.storage.index import Index
from dicom_emulator.storage.schema import DEFAULT_PARTITION_KEY
from dicom_emulator.storage.search import ValuesPlan, find_page, read_values

__all__ = ["Projection", "SearchResult", "projection", "search", "search_index"]

_JOINED_LEVELS = {
    Level.STUDY: (Level.STUDY,),
    Level.SERIES: (Level.STUDY, Level.SERIES),
    Level.INSTANCE: (Level.STUDY, Level.SERIES, Level.INSTANCE),
}


@dataclass
class Projection:
    """Which returned attribute comes from where, for one query."""

    from_level: dict[Level, list[str]] = field(default_factory=dict)
    computed: list[str] = field(default_factory=list)
    from_metadata: list[str] = field(default_factory=list)
    # Every returned attribute is one the service's index rows hold: it answers from those
    # rows, where an empty value is NULL (left out) and a value is the first one only.
    from_index_rows: bool = False

    def values_plan(self) -> ValuesPlan:
        return ValuesPlan(list(self.from_level), self.computed, self.from_metadata)


def _computed_here(keyword: str, level: Level, from_index_rows: bool) -> bool:
    """Whether a result at ``level`` carries the computed ``keyword`` (the service's
    ``QueryService.GetInstanceMetadataAsync``): served from index rows, a study or series
    result has the study's row and the series row (at study level, the series of the
    study's newest instance); served from stored metadata, only its own level's computed
    tags are added (``QueryLimit.ContainsComputedTag``); an instance result has none."""
    if level is Level.INSTANCE:
        return False
    return from_index_rows or COMPUTED[keyword] is level


def projection(query: Query, api: int) -> Projection:
    """The attributes results carry (spec §3 "Returned attributes") and their sources.

    Level defaults (or the ``includefield=all`` sets) of the levels the route returns, the
    ``includefield`` tags, and the filter tags (path UIDs included). InstanceAvailability
    and every other attribute come only from what was stored: nothing is made up.
    """
    keywords: set[str] = set()
    for level in query.resource.levels:
        keywords.update(all_attributes(level) if query.include_all
                        else default_attributes(level, api))
    tags = {tag_hex(k) for k in keywords} | set(query.include_tags)
    tags |= {f.attribute.tag for f in query.filters}
    result_level = query.resource.result_level
    joined = _JOINED_LEVELS[result_level]
    named = {tag: keyword_for_tag(int(tag, 16)) for tag in tags}
    plan = Projection(from_index_rows=all(k in INDEX_ROW_ATTRIBUTES for k in named.values()))
    for tag in sorted(tags):
        keyword = named[tag]
        if keyword in COMPUTED and _computed_here(keyword, result_level, plan.from_index_rows):
            plan.computed.append(keyword)
            continue
        # The deepest level that keeps it (SpecificCharacterSet is kept at every level).
        keeper = next((lv for lv in reversed(joined) if keyword in LEVEL_ATTRIBUTES[lv]), None)
        if keeper is not None:
            plan.from_level.setdefault(keeper, []).append(tag)
        else:
            plan.from_metadata.append(tag)
    return plan


def _index_row_value(item: DicomJson) -> DicomJson | None:
    """An attribute as an index row holds it: None when empty, else its first value."""
    found = item.get("Value") or [None]
    if found[0] in (None, "", {}):
        return None
    return {**item, "Value": found[:1]}


def _dataset(row: tuple[Any, ...], plan: Projection) -> DicomJson:
    values = iter(row)
    stored: DicomJson = {}
    for tags in plan.from_level.values():
        attributes = json.loads(next(values))
        stored.update((t, attributes[t]) for t in tags if t in attributes)
    computed: DicomJson = {}
    for keyword in plan.computed:
        value = next(values)
        tag = tag_hex(keyword)
        if keyword == "ModalitiesInStudy":
            if value:
                computed[tag] = element("CS", *sorted(set(value.split(","))))
        else:
            computed[tag] = element("IS", value)
    if plan.from_metadata:
        found = json.loads(next(values) or "{}")
        stored.update((t, v) for t, v in found.items() if v is not None)
    if plan.from_index_rows:
        rows = ((t, _index_row_value(v)) for t, v in stored.items())
        stored = {t: v for t, v in rows if v is not None}
    return dict(sorted({**stored, **computed}.items()))


def search_index(index: Index, query: Query, api: int,
                 partition_key: int = DEFAULT_PARTITION_KEY) -> list[DicomJson]:
    """Run ``query`` on the partition ``partition_key`` of the index; the datasets of one
    page, newest first."""
    conn = index.reader()
    level = query.resource.result_level
    criteria = [f.criterion() for f in query.filters]
    keys = find_page(conn, level, criteria, query.limit, query.offset,
                     partition_key=partition_key)
    if not keys:
        return []
    plan = projection(query, api)
    return [_dataset(row, plan) for row in read_values(conn, level, plan.values_plan(), keys)]


@dataclass(frozen=True)
class SearchResult:
    datasets: list[DicomJson]
    # Filter names of tags with reindex errors (the ``erroneous-dicom-attributes`` header).
    erroneous: tuple[str, ...]


def search(index: Index, params: Iterable[tuple[str, str]], resource: QueryResource,
           study_uid: str | None, series_uid: str | None, api: int,
           extra: Iterable[QueryAttribute], *,
           partition_key: int = DEFAULT_PARTITION_KEY) -> SearchResult:
    """Parse and run a QIDO request (blocking: call it from a worker thread).

    Raises
    ------
    QueryParseError
        The query is invalid (400, with the service's message).
    """
    query = parse_query(params, resource, study_uid=study_uid, series_uid=series_uid,
                        extra=extra)
    return SearchResult(search_index(index, query, api, partition_key), query.erroneous)
