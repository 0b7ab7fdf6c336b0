"""Tables of benchmark results: aligned plain text for the terminal, markdown for files."""

from __future__ import annotations

import subprocess
from pathlib import Path


def head_commit(tree: Path | None = None) -> str:
    """The short commit of the checkout ``tree`` (default this one); the code run is its
    work tree, maybe ahead."""
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True, cwd=tree or Path(__file__).parent).stdout.strip()


def markdown(lines: list[list[str]]) -> str:
    """A markdown table; the first line is the header."""
    out = ["| " + " | ".join(lines[0]) + " |", "|" + "---|" * len(lines[0])]
    out += ["| " + " | ".join(line) + " |" for line in lines[1:]]
    return "\n".join(out)


def plain(lines: list[list[str]]) -> str:
    """Columns aligned with spaces; the first line is the header."""
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
                     for line in lines)
