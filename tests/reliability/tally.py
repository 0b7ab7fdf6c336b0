"""What a hostile run saw: cases per kind, statuses, server errors and hangs.

A fuzzer records every answer here; the tests assert on it, and ``make soak`` prints it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Tally:
    """Counts of one run. ``unexpected`` keeps a few reproducers of each bad kind."""

    cases: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: int = 0
    hangs: int = 0
    unexpected: list[str] = field(default_factory=list)

    def record(self, kind: str, status: int | None, allowed: frozenset[int],
               detail: str = "") -> None:
        """One answer: ``status`` None is a hang (no answer within the client's timeout)."""
        self.cases[kind] += 1
        if status is None:
            self.hangs += 1
            self._keep(f"{kind}: no answer {detail}")
            return
        self.statuses[status] += 1
        if status >= 500:
            self.server_errors += 1
        if status not in allowed:
            self._keep(f"{kind}: {status} {detail}")

    def _keep(self, text: str) -> None:
        if len(self.unexpected) < 40:
            self.unexpected.append(text[:300])

    @property
    def total(self) -> int:
        return sum(self.cases.values())

    def report(self, title: str) -> str:
        lines = [f"{title}: {self.total} cases, {self.server_errors} 5xx, {self.hangs} hangs"]
        lines += [f"  {kind:28} {n}" for kind, n in sorted(self.cases.items())]
        statuses = sorted(self.statuses.items())
        lines.append("  statuses: " + ", ".join(f"{s}×{n}" for s, n in statuses))
        lines += [f"  unexpected: {u}" for u in self.unexpected[:10]]
        return "\n".join(lines)
