"""What a QIDO filter can name, and how each one compiles to SQL: the extension point.

Each filter names a :class:`QueryAttribute`: a small object that knows its tag, VR and
level and compiles a parsed :data:`Condition` into a SQL boolean fragment over the table
aliases ``st`` (study), ``se`` (series) and ``i`` (instance), which every QIDO statement
joins (:mod:`query`). The core searchable attributes are :class:`CoreAttribute` objects
(index columns of ``storage.index``).

A second source, such as extended query tags, plugs in without changes here: give
``Services.query_attributes`` a callable that returns more attribute objects; the QIDO
endpoint calls it once per request and passes the result to
``query_parser.parse_query(..., extra=...)``. Such an object should

- be returned only while its tag is *Ready* (others are simply not queryable); it is
  queryable on the routes that accept its level (a series tag on ``/series``,
  ``/instances``, ``/studies/{s}/series``, ``/studies/{s}/instances``);
- set ``query_disabled`` (the parser answers "Query is disabled on specified attribute")
  and ``has_errors`` (the response then carries ``erroneous-dicom-attributes``);
- answer ``where()`` with a semi-join on its value table that SQLite can drive from an
  index, e.g. ``i.instance_key IN (SELECT instance_key FROM eqt_value WHERE tag_key = ?
  AND value = ?)``, storing DA/DT/TM values in the canonical forms of
  ``query_parser.canonical_date`` / ``canonical_date_time`` / ``canonical_time`` so that
  text comparison is time order (``Range`` bounds arrive in those forms), and PN values
  normalized like the core columns (``Fuzzy`` words are already normalized).

Values returned in results need nothing extra: tags outside the per-level attribute sets
are read from the newest matching instance's stored metadata.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from dicom_emulator.attributes import SEARCHABLE, Level, Searchable, normalize_person_name

# -- conditions ------------------------------------------------------------------------


@dataclass(frozen=True)
class Exact:
    """Equality. DA/DT/TM values are canonical (see ``query_parser.canonical_*``)."""

    value: str | int | float


@dataclass(frozen=True)
class Range:
    """Inclusive range of canonical DA/DT/TM values; ``None`` is an open end."""

    low: str | None
    high: str | None


@dataclass(frozen=True)
class AnyOf:
    """UID list matching: any of the comma-separated values."""

    values: tuple[str, ...]


@dataclass(frozen=True)
class Fuzzy:
    """Prefix-word match on a person name: every word prefixes some word of the name."""

    words: tuple[str, ...]


Condition = Exact | Range | AnyOf | Fuzzy
SqlFragment = tuple[str, list[Any]]


# -- attributes ------------------------------------------------------------------------


class QueryAttribute(Protocol):
    """Something a QIDO filter can name (see the module docstring)."""

    @property
    def tag(self) -> str: ...  # 8 uppercase hex digits
    @property
    def name(self) -> str: ...  # how messages name it: keyword, or tag path
    @property
    def vr(self) -> str: ...
    @property
    def level(self) -> Level: ...
    @property
    def query_disabled(self) -> bool: ...
    @property
    def has_errors(self) -> bool: ...

    def where(self, condition: Condition) -> SqlFragment:
        """A SQL boolean expression (over ``st``, ``se``, ``i``) and its parameters."""
        ...


TABLE_ALIAS = {Level.STUDY: "st", Level.SERIES: "se", Level.INSTANCE: "i"}
# FTS5 table over the study's normalized PN columns (storage.index SCHEMA).
PERSON_NAME_INDEX = "study_person_names"


@dataclass(frozen=True)
class CoreAttribute:
    """A core searchable attribute, matched on its index column."""

    searchable: Searchable
    query_disabled: bool = False
    has_errors: bool = False

    @property
    def tag(self) -> str:
        return self.searchable.tag

    @property
    def name(self) -> str:
        return self.searchable.keyword

    @property
    def vr(self) -> str:
        return self.searchable.vr

    @property
    def level(self) -> Level:
        return self.searchable.level

    def where(self, condition: Condition) -> SqlFragment:
        column = f"{TABLE_ALIAS[self.level]}.{self.searchable.column}"
        if self.name == "ModalitiesInStudy":
            # A study matches when one of its series has the modality (StudyToSeries...).
            assert isinstance(condition, Exact)
            return ("st.study_key IN (SELECT ms.study_key FROM series ms WHERE ms.modality = ?)",
                    [condition.value])
        if isinstance(condition, Fuzzy):
            return (f"st.study_key IN (SELECT rowid FROM {PERSON_NAME_INDEX} "
                    f"WHERE {PERSON_NAME_INDEX} MATCH ?)",
                    [fts_prefix_query(self.searchable.column, condition.words)])
        if isinstance(condition, Range):
            clauses, params = [], []
            if condition.low is not None:
                clauses.append(f"{column} >= ?")
                params.append(condition.low)
            if condition.high is not None:
                clauses.append(f"{column} <= ?")
                params.append(condition.high)
            return " AND ".join(clauses), params
        if isinstance(condition, AnyOf):
            marks = ", ".join("?" * len(condition.values))
            return f"{column} IN ({marks})", list(condition.values)
        value = condition.value
        if self.vr == "PN":
            value = normalize_person_name(str(value))
        return f"{column} = ?", [value]


CORE_ATTRIBUTES: dict[str, CoreAttribute] = {s.tag: CoreAttribute(s) for s in SEARCHABLE}


def fts_prefix_query(column: str, words: Iterable[str]) -> str:
    """An FTS5 query: every word is a quoted prefix term on ``column``."""
    terms = " AND ".join('"{}"*'.format(w.replace('"', '""')) for w in words)
    return f"{column} : ({terms})"
