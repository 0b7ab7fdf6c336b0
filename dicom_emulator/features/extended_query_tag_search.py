"""Extended query tags as QIDO filter attributes (``Services.query_attributes``).

Only Ready tags are offered to the query parser; a disabled tag is offered with
``query_disabled`` (the parser answers "Query is disabled on specified attribute …"), a
tag with reindex errors with ``has_errors`` (the response carries
``erroneous-dicom-attributes``). Each attribute compiles a condition into a semi-join on
the per-instance value table. A series or study tag has, like the service's upserted
value row, the value of the newest instance of that series or study that has one.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydicom.datadict import keyword_for_tag

from dicom_emulator.attributes import Level, normalize_person_name
from dicom_emulator.features.query_attributes import (
    AnyOf,
    Condition,
    Exact,
    Fuzzy,
    Range,
    SqlFragment,
)
from dicom_emulator.indexed_values import INT_VRS, REAL_VRS
from dicom_emulator.storage.extended_query_tags import (
    VALUE_TABLE,
    ExtendedQueryTagStore,
    QueryStatus,
    StoredTag,
    TagLevel,
    TagStatus,
)

_LEVEL = {TagLevel.STUDY: Level.STUDY, TagLevel.SERIES: Level.SERIES,
          TagLevel.INSTANCE: Level.INSTANCE}
# The key column a level's rows are matched on, and the query's alias for that table.
_KEY = {Level.STUDY: ("study_key", "st"), Level.SERIES: ("series_key", "se"),
        Level.INSTANCE: ("instance_key", "i")}


def _like_escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class ExtendedQueryTagAttribute:
    """One Ready extended query tag, as the QIDO parser sees it."""

    tag_key: int
    tag: str
    vr: str
    level: Level
    query_disabled: bool
    has_errors: bool

    @property
    def name(self) -> str:
        return keyword_for_tag(int(self.tag, 16)) or self.tag

    def _match(self, condition: Condition) -> SqlFragment:
        """A condition on the value row ``v``."""
        if isinstance(condition, Range):
            clauses, params = [], []
            if condition.low is not None:
                clauses.append("v.text_value >= ?")
                params.append(condition.low)
            if condition.high is not None:
                clauses.append("v.text_value <= ?")
                params.append(condition.high)
            return " AND ".join(clauses), params
        if isinstance(condition, AnyOf):
            marks = ", ".join("?" * len(condition.values))
            return f"v.text_value IN ({marks})", list(condition.values)
        if isinstance(condition, Fuzzy):
            # Prefix-word match: each query word starts some word of the folded name.
            words = "(' ' || replace(replace(v.text_value, '^', ' '), '=', ' '))"
            clauses = [f"{words} LIKE ? ESCAPE '\\'" for _ in condition.words]
            return " AND ".join(clauses), [f"% {_like_escape(w)}%" for w in condition.words]
        assert isinstance(condition, Exact)
        value = condition.value
        if self.vr in INT_VRS:
            try:
                return "v.int_value = ?", [int(str(value).strip())]
            except ValueError:
                return "0", []  # an IS value that is no integer matches nothing
        if self.vr in REAL_VRS:
            return "v.real_value = ?", [float(value)]
        if self.vr == "PN":
            value = normalize_person_name(str(value))
        return "v.text_value = ?", [value]

    def where(self, condition: Condition) -> SqlFragment:
        match, params = self._match(condition)
        column, alias = _KEY[self.level]
        if self.level is Level.INSTANCE:
            return (f"i.instance_key IN (SELECT v.instance_key FROM {VALUE_TABLE} v "
                    f"WHERE v.tag_key = ? AND {match})", [self.tag_key, *params])
        # Series and study tags: only the newest value row of each series or study counts.
        newest = (f"v.instance_key = (SELECT MAX(w.instance_key) FROM {VALUE_TABLE} w "
                  f"WHERE w.tag_key = v.tag_key AND w.{column} = v.{column})")
        return (f"{alias}.{column} IN (SELECT v.{column} FROM {VALUE_TABLE} v "
                f"WHERE v.tag_key = ? AND {match} AND {newest})", [self.tag_key, *params])


def attribute(tag: StoredTag) -> ExtendedQueryTagAttribute:
    return ExtendedQueryTagAttribute(
        tag_key=tag.key, tag=tag.path, vr=tag.vr, level=_LEVEL[tag.level],
        query_disabled=tag.query_status is QueryStatus.DISABLED,
        has_errors=tag.error_count > 0,
    )


def query_attributes(store: ExtendedQueryTagStore) -> list[ExtendedQueryTagAttribute]:
    """The attributes QIDO may filter on now: the Ready tags."""
    return [attribute(t) for t in store.all() if t.status is TagStatus.READY]
