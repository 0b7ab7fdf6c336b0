"""What a QIDO filter asks for: the kinds of attribute matching the service supports.

PS3.4 C.2.2.2's single value and range matching, plus the service's fuzzy matching of
person names (``fuzzymatching=true``). There is no UID list matching (``a,b`` is one value,
compared whole: ``BaseQueryParser.ParseStringTagValue``) and there are no wildcards: the
service compares ``,``, ``*`` and ``?`` literally. Values are already in the canonical forms of
:mod:`dicom_emulator.dicom.values` (DA, DT, TM fixed width; PN words folded), so that
the index can compare text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Condition", "Exact", "Fuzzy", "Range", "name_tokens", "phrase_prefix_match"]

# A word of a name: letters and digits (SQLite FTS5's unicode61 tokenizer, and the word
# breaker of the service's full-text index, split at everything else: spaces, ^, =, ').
_TOKEN = re.compile(r"[^\W_]+")


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
    """Phrase-prefix match on a person name (``CONTAINS(col, '"an mo*"')``): the words
    prefix words of the name that are adjacent and in the same order; one word prefixes
    any word of the name."""

    words: tuple[str, ...]


def name_tokens(text: str) -> list[str]:
    """The words of a (folded) name or fuzzy value."""
    return _TOKEN.findall(text)


def phrase_prefix_match(name: str | None, words: str) -> bool:
    """Whether the space-separated ``words`` prefix adjacent words of ``name``, in order."""
    if name is None:
        return False
    tokens, wanted = name_tokens(name), words.split()
    n = len(wanted)
    return n > 0 and any(
        all(t.startswith(w) for t, w in zip(tokens[i:i + n], wanted, strict=True))
        for i in range(len(tokens) - n + 1))


Condition = Exact | Range | Fuzzy
