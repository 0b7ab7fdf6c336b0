"""What a QIDO filter can name, and where its values are kept: the extension point.

Each filter names a :class:`QueryAttribute`: a small object that knows its tag, VR and
level and turns a parsed :data:`~dicom_emulator.dicom.matching.Condition` into a storage
:class:`~dicom_emulator.storage.search.Criterion` (a target in the index and the
condition with its values in the index's form). The core searchable attributes are
:class:`CoreAttribute` objects (index columns).

A second source, such as extended query tags, plugs in without changes here: give
``Components.query_attributes`` a callable that returns more attribute objects; the QIDO
service calls it once per search and passes the result to
``parser.parse_query(..., extra=...)``. Such an object should

- be returned only while its tag is *Ready* (others are simply not queryable); it is
  queryable on the routes that accept its level (a series tag on ``/series``,
  ``/instances``, ``/studies/{s}/series``, ``/studies/{s}/instances``);
- set ``query_disabled`` (the parser answers "Query is disabled on specified attribute")
  and ``has_errors`` (the response then carries ``erroneous-dicom-attributes``);
- answer ``criterion()`` with a target storage can search (``storage.search.Target``).

Values returned in results need nothing extra: tags outside the per-level attribute sets
are read from the newest matching instance's stored metadata.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from dicom_emulator.dicom.attributes import SEARCHABLE, Level, Searchable, normalize_person_name
from dicom_emulator.dicom.matching import Condition, Exact
from dicom_emulator.storage.search import Criterion, IndexColumn, StudyModalities

__all__ = ["CORE_ATTRIBUTES", "CoreAttribute", "QueryAttribute"]


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

    def criterion(self, condition: Condition) -> Criterion:
        """Where to look for ``condition``, with its values in the index's form."""
        ...


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

    def criterion(self, condition: Condition) -> Criterion:
        if self.name == "ModalitiesInStudy":
            return Criterion(StudyModalities(), condition)
        if self.vr == "PN" and isinstance(condition, Exact):
            # The columns keep names folded (case and accents), so the value is folded too.
            condition = Exact(normalize_person_name(str(condition.value)))
        return Criterion(IndexColumn(self.level, self.searchable.column), condition)


CORE_ATTRIBUTES: dict[str, CoreAttribute] = {s.tag: CoreAttribute(s) for s in SEARCHABLE}
