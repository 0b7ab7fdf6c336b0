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

from dicom_emulator.dicom.attributes import COMPUTED, LEVEL_ATTRIBUTES, Level, default_attributes
from dicom_emulator.dicom.dicom_json import DicomJson, element
from dicom_emulator.dicom.tags import tag_hex
from dicom_emulator.features.query.attributes import QueryAttribute
from dicom_emulator.features.query.parser import Query, QueryResource, parse_query
from dicom_emulator.storage.index import Index
from dicom_emulator.storage.search import ValuesPlan, find_page, read_values

__all__ = ["Projection", "SearchResult", "projection", "search", "search_index"]

_JOINED_LEVELS = {
    Level.STUDY: (Level.STUDY,),
    Level.SERIES: (Level.STUDY, Level.SERIES),
    Level.INSTANCE: (Level.STUDY, Level.SERIES, Level.INSTANCE),
}
_INSTANCE_AVAILABILITY = tag_hex("InstanceAvailability")


@dataclass
class Projection:
    """Which returned attribute comes from where, for one query."""

    from_level: dict[Level, list[str]] = field(default_factory=dict)
    computed: list[str] = field(default_factory=list)
    from_metadata: list[str] = field(default_factory=list)
    availability: bool = False

    def values_plan(self) -> ValuesPlan:
        return ValuesPlan(list(self.from_level), self.computed, self.from_metadata)


def projection(query: Query, api: int) -> Projection:
    """The attributes results carry (spec §3 "Returned attributes") and their sources.

    Level defaults (or every level attribute with ``includefield=all``) of the levels the
    route returns, the ``includefield`` tags, and the filter tags (path UIDs included).
    """
    keywords: set[str] = set()
    for level in query.resource.levels:
        keywords.update(LEVEL_ATTRIBUTES[level] if query.include_all
                        else default_attributes(level, api))
    tags = {tag_hex(k) for k in keywords} | set(query.include_tags)
    tags |= {f.attribute.tag for f in query.filters}
    joined = _JOINED_LEVELS[query.resource.result_level]
    plan = Projection()
    for tag in sorted(tags):
        keyword = keyword_for_tag(int(tag, 16))
        if tag == _INSTANCE_AVAILABILITY:
            plan.availability = True
        elif keyword in COMPUTED:
            # Counts of a level this route does not reach are simply absent, as in the service.
            if COMPUTED[keyword] in joined:
                plan.computed.append(keyword)
        else:
            # The deepest level that keeps it (SpecificCharacterSet is kept at every level).
            keeper = next((lv for lv in reversed(joined) if keyword in LEVEL_ATTRIBUTES[lv]), None)
            if keeper is not None:
                plan.from_level.setdefault(keeper, []).append(tag)
            else:
                plan.from_metadata.append(tag)
    return plan


def _dataset(row: tuple[Any, ...], plan: Projection) -> DicomJson:
    values = iter(row)
    dataset: DicomJson = {}
    for tags in plan.from_level.values():
        stored = json.loads(next(values))
        dataset.update((t, stored[t]) for t in tags if t in stored)
    for keyword in plan.computed:
        value = next(values)
        tag = tag_hex(keyword)
        if keyword == "ModalitiesInStudy":
            if value:
                dataset[tag] = element("CS", *sorted(set(value.split(","))))
        else:
            dataset[tag] = element("IS", value)
    if plan.from_metadata:
        found = json.loads(next(values) or "{}")
        dataset.update((t, v) for t, v in found.items() if v is not None)
    if plan.availability:
        dataset[_INSTANCE_AVAILABILITY] = element("CS", "ONLINE")
    return dict(sorted(dataset.items()))


def search_index(index: Index, query: Query, api: int) -> list[DicomJson]:
    """Run ``query`` on the index; the datasets of one page, newest first."""
    conn = index.reader()
    level = query.resource.result_level
    criteria = [f.criterion() for f in query.filters]
    keys = find_page(conn, level, criteria, query.limit, query.offset)
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
           extra: Iterable[QueryAttribute]) -> SearchResult:
    """Parse and run a QIDO request (blocking: call it from a worker thread).

    Raises
    ------
    QueryParseError
        The query is invalid (400, with the service's message).
    """
    query = parse_query(params, resource, study_uid=study_uid, series_uid=series_uid,
                        extra=extra)
    return SearchResult(search_index(index, query, api), query.erroneous)
