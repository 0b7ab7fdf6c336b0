"""What a QIDO filter asks for: the kinds of attribute matching the service supports.

PS3.4 C.2.2.2's single value and range matching, plus the service's fuzzy matching of
person names (``fuzzymatching=true``). There is no UID list matching (``a,b`` is one value,
compared whole: ``BaseQueryParser.ParseStringTagValue``) and there are no wildcards: the
service compares ``,``, ``*`` and ``?`` literally. Values are already in the canonical forms of
:mod:`dicom_emulator.dicom.values` (DA, DT, TM fixed width; PN words folded), so that
the index can compare text.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Condition", "Exact", "Fuzzy", "Range"]


@dataclass(frozen=True)
class Exact:
    """Equality. DA/DT/TM values are canonical."""

    value: str | int | float


@dataclass(frozen=True)
class Range:
    """Inclusive range of canonical DA/DT/TM values; ``None`` is an open end."""

    low: str | None
    high: str | None


@dataclass(frozen=True)
class Fuzzy:
    """Prefix-word match on a person name: every word prefixes some word of the name."""

    words: tuple[str, ...]


Condition = Exact | Range | Fuzzy
