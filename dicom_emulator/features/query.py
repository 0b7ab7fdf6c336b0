"""QIDO-RS: search for studies, series and instances (spec §3).

:mod:`query_parser` turns the query string into a :class:`Query` whose filters compile
themselves to SQL fragments; this module adds the joins, ordering and paging (all in
SQL, newest first, so the index is never loaded into memory): first the keys of one page,
then the values of just those rows. It decides which attributes each result carries and
assembles them from the per-level DICOM JSON stored at STOW time.
Extended query tags plug in through ``Services.query_attributes`` (see
:mod:`query_attributes`).
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any

from pydicom.datadict import keyword_for_tag
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from dicom_emulator.attributes import (
    COMPUTED,
    LEVEL_ATTRIBUTES,
    Level,
    default_attributes,
    tag_hex,
)
from dicom_emulator.context import api_version, require_dicom_json_accept, services
from dicom_emulator.dicomjson import DicomJson, element
from dicom_emulator.features.query_attributes import TABLE_ALIAS
from dicom_emulator.features.query_parser import Query, QueryResource, parse_query
from dicom_emulator.responses import DicomJSONResponse
from dicom_emulator.validation import check_path_uid

ERRONEOUS_ATTRIBUTES_HEADER = "erroneous-dicom-attributes"

_JOINED_LEVELS = {
    Level.STUDY: (Level.STUDY,),
    Level.SERIES: (Level.STUDY, Level.SERIES),
    Level.INSTANCE: (Level.STUDY, Level.SERIES, Level.INSTANCE),
}
_FROM = {
    Level.STUDY: "FROM study st",
    Level.SERIES: "FROM series se JOIN study st ON st.study_key = se.study_key",
    Level.INSTANCE: "FROM instance i JOIN series se ON se.series_key = i.series_key "
                    "JOIN study st ON st.study_key = i.study_key",
}
# CROSS JOIN fixes the join order in SQLite: walk the result table newest first, test each
# row, stop at the page's end. Fast when many rows match, slow when few do.
_FROM_IN_ORDER = {
    Level.STUDY: "FROM study st",
    Level.SERIES: "FROM series se CROSS JOIN study st ON st.study_key = se.study_key",
    Level.INSTANCE: "FROM instance i CROSS JOIN series se ON se.series_key = i.series_key "
                    "CROSS JOIN study st ON st.study_key = i.study_key",
}
_PAGE_JOIN = {
    Level.STUDY: "JOIN study st ON st.study_key = p.k",
    Level.SERIES: "JOIN series se ON se.series_key = p.k "
                  "JOIN study st ON st.study_key = se.study_key",
    Level.INSTANCE: "JOIN instance i ON i.instance_key = p.k "
                    "JOIN series se ON se.series_key = i.series_key "
                    "JOIN study st ON st.study_key = i.study_key",
}
# SQLite's planner ignores LIMIT: for a filter many rows match it may pick the filter's
# index and sort every match. Its plan gets this long; then the page is found in order.
PLANNER_BUDGET_SECONDS = 0.010
PROGRESS_STEPS = 1000  # SQLite VM steps between two looks at the clock
# Keys are never reused, so the highest key is the newest (as the service orders by key).
_ORDER_KEY = {Level.STUDY: "st.study_key", Level.SERIES: "se.series_key",
              Level.INSTANCE: "i.instance_key"}
_COMPUTED_SQL = {
    "NumberOfStudyRelatedInstances":
        "(SELECT count(*) FROM instance c WHERE c.study_key = st.study_key)",
    "NumberOfStudyRelatedSeries":
        "(SELECT count(*) FROM series c WHERE c.study_key = st.study_key)",
    "ModalitiesInStudy":
        "(SELECT group_concat(DISTINCT c.modality) FROM series c WHERE c.study_key = st.study_key)",
    "NumberOfSeriesRelatedInstances":
        "(SELECT count(*) FROM instance c WHERE c.series_key = se.series_key)",
}
# The newest instance of a result row: where attributes outside the level sets come from.
_NEWEST_INSTANCE = {
    Level.STUDY: "FROM instance m WHERE m.study_key = st.study_key",
    Level.SERIES: "FROM instance m WHERE m.series_key = se.series_key",
}
_INSTANCE_AVAILABILITY = tag_hex("InstanceAvailability")


@dataclass
class Projection:
    """Which returned attribute comes from where, for one query."""

    from_level: dict[Level, list[str]] = field(default_factory=dict)
    computed: list[str] = field(default_factory=list)
    from_metadata: list[str] = field(default_factory=list)
    availability: bool = False


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
            level = next((lv for lv in reversed(joined) if keyword in LEVEL_ATTRIBUTES[lv]), None)
            if level is not None:
                plan.from_level.setdefault(level, []).append(tag)
            else:
                plan.from_metadata.append(tag)
    return plan


def page_sql(query: Query, in_order: bool = False) -> tuple[str, list[Any]]:
    """The keys of the page of results, newest first (the filters are applied here)."""
    level = query.resource.result_level
    order = _ORDER_KEY[level]
    clauses, params = [], []
    for query_filter in query.filters:
        sql, values = query_filter.where()
        clauses.append(f"({sql})")
        params += values
    sql = f"SELECT {order} {(_FROM_IN_ORDER if in_order else _FROM)[level]}"
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    sql += f" ORDER BY {order} DESC LIMIT ? OFFSET ?"
    return sql, params + [query.limit, query.offset]


def values_sql(query: Query, plan: Projection, keys: list[int]) -> tuple[str, list[Any]]:
    """Every value the results of the page ``keys`` need, one row per key, same order."""
    level = query.resource.result_level
    columns = [f"{TABLE_ALIAS[lv]}.attributes" for lv in plan.from_level]
    columns += [_COMPUTED_SQL[k] for k in plan.computed]
    params: list[Any] = []
    if plan.from_metadata:
        pairs = ", ".join("?, json_extract(m.metadata, ?)" for _ in plan.from_metadata)
        for tag in plan.from_metadata:
            params += [tag, f'$."{tag}"']
        if level is Level.INSTANCE:
            columns.append(f"(SELECT json_object({pairs}) FROM instance m "
                           "WHERE m.instance_key = i.instance_key)")
        else:
            columns.append(f"(SELECT json_object({pairs}) {_NEWEST_INSTANCE[level]} "
                           "ORDER BY m.instance_key DESC LIMIT 1)")
    page = ", ".join("(?)" for _ in keys)
    sql = (f"SELECT {', '.join(columns) or 'p.k'} FROM (SELECT column1 AS k FROM "
           f"(VALUES {page})) p {_PAGE_JOIN[level]} ORDER BY p.k DESC")
    return sql, params + keys


def page_keys(conn: sqlite3.Connection, query: Query) -> list[int]:
    """The page's keys: by SQLite's plan if it is quick, else by a walk in key order."""
    sql, params = page_sql(query)
    deadline = time.perf_counter() + PLANNER_BUDGET_SECONDS
    conn.set_progress_handler(lambda: time.perf_counter() > deadline, PROGRESS_STEPS)
    try:
        return [row[0] for row in conn.execute(sql, params)]
    except sqlite3.OperationalError as exc:
        if "interrupt" not in str(exc):
            raise
    finally:
        conn.set_progress_handler(None, 0)
    sql, params = page_sql(query, in_order=True)
    return [row[0] for row in conn.execute(sql, params)]


def _dataset(row: sqlite3.Row | tuple[Any, ...], plan: Projection) -> DicomJson:
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


def search(conn: sqlite3.Connection, query: Query, api: int) -> list[DicomJson]:
    """Run ``query`` on the index; the datasets of one page, newest first."""
    keys = page_keys(conn, query)
    if not keys:
        return []
    plan = projection(query, api)
    sql, params = values_sql(query, plan, keys)
    return [_dataset(row, plan) for row in conn.execute(sql, params)]


# -- HTTP --------------------------------------------------------------------------------


def _resource(request: Request, nested: QueryResource, doubly_nested: QueryResource | None,
              top: QueryResource) -> QueryResource:
    params = request.path_params
    if "series" in params and doubly_nested is not None:
        return doubly_nested
    return nested if "study" in params else top


async def _search(request: Request, resource: QueryResource) -> Response:
    require_dicom_json_accept(request)
    params = request.path_params
    study = check_path_uid(params["study"], "StudyInstanceUid") if "study" in params else None
    series = check_path_uid(params["series"], "SeriesInstanceUid") if "series" in params else None
    svc = services(request)
    query = parse_query(request.query_params.multi_items(), resource, study_uid=study,
                        series_uid=series, extra=svc.query_attributes())
    api = api_version(request)
    datasets = await run_in_threadpool(lambda: search(svc.index.reader(), query, api))
    headers = {ERRONEOUS_ATTRIBUTES_HEADER: ",".join(query.erroneous)} if query.erroneous else {}
    if not datasets:
        return Response(status_code=204, headers=headers)
    return DicomJSONResponse(datasets, headers=headers)


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
