"""QIDO's SQL: which rows match, one page of keys, then just the values that page needs.

A search names its filters as :class:`Criterion` objects, each a :data:`Target` (where
the value is kept: an index column, the study's modalities, an extended query tag's
value rows) and a :data:`~dicom_emulator.dicom.matching.Condition` whose values are
already in the index's form (canonical DA/DT/TM, folded PN). Everything is done in SQL,
newest first (keys are never reused, so the highest key is the newest, as the service
orders by key), so the index is never loaded into memory.

Every statement joins the levels under the aliases ``st`` (study), ``se`` (series) and
``i`` (instance).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from dicom_emulator.dicom.attributes import Level
from dicom_emulator.dicom.matching import Condition, Exact, Fuzzy, Range
from dicom_emulator.storage.extended_query_tags import VALUE_TABLE
from dicom_emulator.storage.schema import DEFAULT_PARTITION_KEY

__all__ = ["Criterion", "IndexColumn", "StudyModalities", "TagValue", "Target", "ValuesPlan",
           "find_page", "read_values"]


@dataclass(frozen=True)
class IndexColumn:
    """A core searchable attribute's column (``storage.schema``) at its level."""

    level: Level
    column: str


@dataclass(frozen=True)
class StudyModalities:
    """ModalitiesInStudy: not a column, the modalities of the study's series."""

    level: Level = Level.STUDY


@dataclass(frozen=True)
class TagValue:
    """An extended query tag's value rows; ``kind`` is the typed column they use."""

    tag_key: int
    level: Level
    kind: str  # "text", "int" or "real"


Target = IndexColumn | StudyModalities | TagValue


@dataclass(frozen=True)
class Criterion:
    """One filter: ``condition`` on ``target``; a None condition matches nothing."""

    target: Target
    condition: Condition | None


@dataclass(frozen=True)
class ValuesPlan:
    """What each result row needs: stored per-level DICOM JSON, computed attributes (by
    keyword), and tags read from the newest matching instance's metadata."""

    levels: Sequence[Level]
    computed: Sequence[str]
    metadata_tags: Sequence[str]


SqlFragment = tuple[str, list[Any]]

_ALIAS = {Level.STUDY: "st", Level.SERIES: "se", Level.INSTANCE: "i"}
_KEY = {Level.STUDY: "study_key", Level.SERIES: "series_key", Level.INSTANCE: "instance_key"}
# FTS5 table over the study's normalized PN columns (storage.schema).
_PERSON_NAME_INDEX = "study_person_names"
_FROM = {
    Level.STUDY: "FROM study st",
    Level.SERIES: "FROM series se JOIN study st ON st.study_key = se.study_key",
    Level.INSTANCE: "FROM instance i JOIN series se ON se.series_key = i.series_key "
                    "JOIN study st ON st.study_key = i.study_key",
}
# CROSS JOIN fixes the join order in SQLite: walk the result table newest first, test each
# row, stop at the page's end. Fast when many rows match, slow when few do.
_FROM_IN_ORDER = {level: sql.replace(" JOIN ", " CROSS JOIN ") for level, sql in _FROM.items()}
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
_COMPUTED_SQL = {
    "NumberOfStudyRelatedInstances":
        "(SELECT count(*) FROM instance c WHERE c.study_key = st.study_key)",
    "ModalitiesInStudy":
        "(SELECT group_concat(DISTINCT c.modality) FROM series c WHERE c.study_key = st.study_key)",
    "NumberOfSeriesRelatedInstances":
        "(SELECT count(*) FROM instance c WHERE c.series_key = se.series_key)",
}
# A study result's NumberOfSeriesRelatedInstances: the series of its newest instance (the
# service looks the study's one instance version up in its series rows).
_NEWEST_SERIES_COUNT = (
    "(SELECT count(*) FROM instance c WHERE c.series_key = (SELECT m.series_key FROM instance m"
    " WHERE m.study_key = st.study_key ORDER BY m.instance_key DESC LIMIT 1))")
# The newest instance of a result row: where attributes outside the level sets come from.
_NEWEST_INSTANCE = {
    Level.STUDY: "FROM instance m WHERE m.study_key = st.study_key",
    Level.SERIES: "FROM instance m WHERE m.series_key = se.series_key",
}


# -- filters ---------------------------------------------------------------------------


def range_sql(column: str, condition: Range) -> SqlFragment:
    """``column >= low AND column <= high``, for the ends the range has."""
    clauses, params = [], []
    if condition.low is not None:
        clauses.append(f"{column} >= ?")
        params.append(condition.low)
    if condition.high is not None:
        clauses.append(f"{column} <= ?")
        params.append(condition.high)
    return " AND ".join(clauses), params


def _value_sql(column: str, condition: Condition) -> SqlFragment:
    if isinstance(condition, Range):
        return range_sql(column, condition)
    assert isinstance(condition, Exact)
    return f"{column} = ?", [condition.value]


def fts_prefix_query(column: str, words: Iterable[str]) -> str:
    """An FTS5 phrase of prefix tokens on ``column``: ``"an"* + "mo"*``.

    SQL Server's ``CONTAINS(col, '"an mo*"')`` makes each word of the phrase a prefix, the
    words adjacent and in order. FTS5's ``"an mo"*`` would make only the last one a prefix;
    ``+`` joins prefix tokens into one phrase.
    """
    terms = " + ".join('"{}"*'.format(w.replace('"', '""')) for w in words)
    return f"{column} : ({terms})"


def _tag_value_sql(target: TagValue, condition: Condition) -> SqlFragment:
    if isinstance(condition, Fuzzy):
        # The phrase-prefix match of the core PN columns, on the folded value
        # (``storage.database`` registers the function on every connection).
        match: SqlFragment = ("person_name_phrase(v.text_value, ?)", [" ".join(condition.words)])
    else:
        match = _value_sql(f"v.{target.kind}_value", condition)
    sql, params = match
    if target.level is Level.INSTANCE:
        return (f"i.instance_key IN (SELECT v.instance_key FROM {VALUE_TABLE} v "
                f"WHERE v.tag_key = ? AND {sql})", [target.tag_key, *params])
    # Series and study tags: like the service's upserted value row, only the newest value
    # row of each series or study counts.
    column, alias = _KEY[target.level], _ALIAS[target.level]
    newest = (f"v.instance_key = (SELECT MAX(w.instance_key) FROM {VALUE_TABLE} w "
              f"WHERE w.tag_key = v.tag_key AND w.{column} = v.{column})")
    return (f"{alias}.{column} IN (SELECT v.{column} FROM {VALUE_TABLE} v "
            f"WHERE v.tag_key = ? AND {sql} AND {newest})", [target.tag_key, *params])


def criterion_sql(criterion: Criterion) -> SqlFragment:
    """A SQL boolean expression (over ``st``, ``se``, ``i``) and its parameters."""
    target, condition = criterion.target, criterion.condition
    if condition is None:
        return "0", []
    if isinstance(target, TagValue):
        return _tag_value_sql(target, condition)
    if isinstance(target, StudyModalities):
        # A study matches when one of its series has the modality (StudyToSeries...).
        assert isinstance(condition, Exact)
        return ("st.study_key IN (SELECT ms.study_key FROM series ms WHERE ms.modality = ?)",
                [condition.value])
    if isinstance(condition, Fuzzy):
        return (f"st.study_key IN (SELECT rowid FROM {_PERSON_NAME_INDEX} "
                f"WHERE {_PERSON_NAME_INDEX} MATCH ?)",
                [fts_prefix_query(target.column, condition.words)])
    return _value_sql(f"{_ALIAS[target.level]}.{target.column}", condition)


# -- pages and values ------------------------------------------------------------------


def page_sql(level: Level, criteria: Sequence[Criterion], limit: int, offset: int,
             partition_key: int, in_order: bool = False) -> SqlFragment:
    """The keys of one page of results in the partition ``partition_key``, newest first
    (the filters are applied here). A search never crosses partitions."""
    order = f"{_ALIAS[level]}.{_KEY[level]}"
    # Unary plus: the partition is never the index to search by (SQLite would take the
    # (partition_key, study_uid) index for it and sort the whole partition); the filters'
    # indexes, or the walk in key order, find the page as before partitions.
    clauses: list[str] = ["+st.partition_key = ?"]
    params: list[Any] = [partition_key]
    for criterion in criteria:
        sql, values = criterion_sql(criterion)
        clauses.append(f"({sql})")
        params += values
    sql = f"SELECT {order} {(_FROM_IN_ORDER if in_order else _FROM)[level]}"
    sql += " WHERE " + " AND ".join(clauses)
    sql += f" ORDER BY {order} DESC LIMIT ? OFFSET ?"
    return sql, params + [limit, offset]


def find_page(conn: sqlite3.Connection, level: Level, criteria: Sequence[Criterion],
              limit: int, offset: int, *, partition_key: int = DEFAULT_PARTITION_KEY
              ) -> list[int]:
    """The page's keys: by SQLite's plan if it is quick, else by a walk in key order."""
    sql, params = page_sql(level, criteria, limit, offset, partition_key)
    deadline = time.perf_counter() + PLANNER_BUDGET_SECONDS
    conn.set_progress_handler(lambda: time.perf_counter() > deadline, PROGRESS_STEPS)
    try:
        return [row[0] for row in conn.execute(sql, params)]
    except sqlite3.OperationalError as exc:
        if "interrupt" not in str(exc):
            raise
    finally:
        conn.set_progress_handler(None, 0)
    sql, params = page_sql(level, criteria, limit, offset, partition_key, in_order=True)
    return [row[0] for row in conn.execute(sql, params)]


_TAGS_PER_OBJECT = 60


def values_sql(level: Level, plan: ValuesPlan, keys: Sequence[int]) -> SqlFragment:
    """Every value the results of the page ``keys`` need, one row per key, same order.

    A row has, in order: the stored attributes JSON of each of ``plan.levels``, each
    computed attribute, and (when ``plan.metadata_tags``) a JSON object of those tags.
    """
    columns = [f"{_ALIAS[lv]}.attributes" for lv in plan.levels]
    columns += [_NEWEST_SERIES_COUNT if level is Level.STUDY and k.startswith("NumberOfSeries")
                else _COMPUTED_SQL[k] for k in plan.computed]
    params: list[Any] = []
    if plan.metadata_tags:
        tags = list(plan.metadata_tags)
        if len(tags) <= _TAGS_PER_OBJECT:
            merged = "json_object(" + ", ".join(
                "?, json_extract(m.metadata, ?)" for _ in tags) + ")"
            for tag in tags:
                params += [tag, f'$."{tag}"']
        else:
            # SQLite takes at most 127 arguments per function: many tags (includefield)
            # are one parameter, a JSON array, that the stored object's keys are matched to.
            merged = ("(SELECT json_group_object(key, value) FROM json_each(m.metadata) "
                      "WHERE key IN (SELECT value FROM json_each(?)))")
            params.append(json.dumps(tags))
        if level is Level.INSTANCE:
            columns.append(f"(SELECT {merged} FROM instance m "
                           "WHERE m.instance_key = i.instance_key)")
        else:
            columns.append(f"(SELECT {merged} {_NEWEST_INSTANCE[level]} "
                           "ORDER BY m.instance_key DESC LIMIT 1)")
    page = ", ".join("(?)" for _ in keys)
    sql = (f"SELECT {', '.join(columns) or 'p.k'} FROM (SELECT column1 AS k FROM "
           f"(VALUES {page})) p {_PAGE_JOIN[level]} ORDER BY p.k DESC")
    return sql, params + list(keys)


def read_values(conn: sqlite3.Connection, level: Level, plan: ValuesPlan,
                keys: Sequence[int]) -> list[tuple[Any, ...]]:
    """The rows of :func:`values_sql` for the page ``keys``."""
    sql, params = values_sql(level, plan, keys)
    return [tuple(row) for row in conn.execute(sql, params)]
