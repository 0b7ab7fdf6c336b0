"""Extended query tags as QIDO filter attributes (``Components.query_attributes``).

Only Ready tags are offered to the query parser; a disabled tag is offered with
``query_disabled`` (the parser answers "Query is disabled on specified attribute …"), a
tag with reindex errors with ``has_errors`` (the response carries
``erroneous-dicom-attributes``). Each attribute's values are searched in the per-instance
value rows of the tag (``storage.search.TagValue``).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydicom.datadict import keyword_for_tag

from dicom_emulator.dicom.attributes import Level, normalize_person_name
from dicom_emulator.dicom.matching import Condition, Exact
from dicom_emulator.dicom.vr import INDEXED_AS_INTEGER_VRS, INDEXED_AS_REAL_VRS
from dicom_emulator.storage.extended_query_tags import (
    ExtendedQueryTagStore,
    QueryStatus,
    StoredTag,
    TagLevel,
    TagStatus,
)
from dicom_emulator.storage.search import Criterion, TagValue

_LEVEL = {TagLevel.STUDY: Level.STUDY, TagLevel.SERIES: Level.SERIES,
          TagLevel.INSTANCE: Level.INSTANCE}


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

    def criterion(self, condition: Condition) -> Criterion:
        kind = ("int" if self.vr in INDEXED_AS_INTEGER_VRS
                else "real" if self.vr in INDEXED_AS_REAL_VRS else "text")
        target = TagValue(self.tag_key, self.level, kind)
        if not isinstance(condition, Exact):
            return Criterion(target, condition)
        value = condition.value
        if kind == "int":
            try:
                return Criterion(target, Exact(int(str(value).strip())))
            except ValueError:
                return Criterion(target, None)  # an IS value that is no integer matches nothing
        if kind == "real":
            return Criterion(target, Exact(float(value)))
        if self.vr == "PN":
            value = normalize_person_name(str(value))
        return Criterion(target, Exact(value))


def attribute(tag: StoredTag) -> ExtendedQueryTagAttribute:
    return ExtendedQueryTagAttribute(
        tag_key=tag.key, tag=tag.path, vr=tag.vr, level=_LEVEL[tag.level],
        query_disabled=tag.query_status is QueryStatus.DISABLED,
        has_errors=tag.error_count > 0,
    )


def query_attributes(store: ExtendedQueryTagStore) -> list[ExtendedQueryTagAttribute]:
    """The attributes QIDO may filter on now: the Ready tags."""
    return [attribute(t) for t in store.all() if t.status is TagStatus.READY]
