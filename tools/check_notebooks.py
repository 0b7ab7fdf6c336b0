"""Check the workshop notebooks' structure, and that no outputs or secrets are stored.

Rules (every ``notebooks/NN-*.ipynb``):

1. The name is ``NN-kebab-case.ipynb`` (or ``NNa-…``, a lesson between NN and the next).
2. The first cell is Markdown starting ``# NN · Title`` (NN as in the file name).
3. There are ``##`` sections "What you will learn", "Prerequisites", "Summary" and
   "What's next".
4. The first code cell is the setup cell: ``from helpers import load_settings,
   make_client``, ``settings = load_settings()`` and ``client = make_client(settings)``.
5. At least one checkpoint: a code cell whose first line starts ``# Checkpoint`` and
   which has an ``assert``.
6. Code cells are at most 20 lines; plumbing used twice belongs in ``helpers/``.
7. No outputs and no execution counts are stored.
8. No secrets or personal hosts: no JWTs, bearer tokens, storage keys, literal client
   secrets, concrete ``*.azurehealthcareapis.com`` hosts or Windows user folders.
9. A cell that runs the Azure CLI (``!az``) starts with ``# NBVAL_SKIP``.
10. It ends with a ``## Resources`` section (the last ``##`` heading, no code after it)
    linking the Azure DICOM service documentation it teaches
    (``https://learn.microsoft.com/azure/healthcare-apis/…``) and the DICOMweb standard
    (PS3.18, ``https://dicom.nema.org/medical/dicom/current/output/html/part18.html``).

Usage: ``python tools/check_notebooks.py [NOTEBOOK ...]`` (default: every notebook);
exit status 1 when a rule is broken.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NAME = re.compile(r"^(\d\d[a-z]?)-[a-z0-9]+(?:-[a-z0-9]+)*\.ipynb$")  # 03a: between 03 and 04
SECTIONS = ("What you will learn", "Prerequisites", "Summary", "What's next")
SETUP_LINES = ("from helpers import load_settings, make_client",
               "settings = load_settings()", "client = make_client(settings)")
MAX_CODE_LINES = 20
RESOURCES = "Resources"
# What a Resources section must link: the service's docs and the standard it implements.
RESOURCE_LINKS = {
    "the Azure DICOM service documentation (https://learn.microsoft.com/azure/healthcare-apis/…)":
        re.compile(r"\]\(https://learn\.microsoft\.com/(?:[a-z]{2}-[a-z]{2}/)?azure/"
                   r"healthcare-apis/[^)\s]+\)"),
    "the DICOMweb standard PS3.18 (https://dicom.nema.org/medical/dicom/current/output/html/"
    "part18.html)":
        re.compile(r"\]\(https://dicom\.nema\.org/medical/dicom/current/output/html/"
                   r"part18\.html[^)\s]*\)"),
}
SECRETS = {
    "a JWT (access token)": re.compile(r"eyJ[\w-]{8,}\.eyJ[\w-]{8,}\."),
    "a bearer token": re.compile(r"Bearer\s+[\w.~+/-]{20,}"),
    "a storage account key": re.compile(r"AccountKey=[^;\s\"']{10,}"),
    "a literal client secret": re.compile(
        r"(?i)(client_secret|password)\s*[=:]\s*[\"'][^\"'<>{}\s]{8,}[\"']"),
    "a concrete Azure DICOM host (use <workspace>-<service>)": re.compile(
        r"(?<![<\w-])[a-z0-9][a-z0-9-]*\.dicom\.azurehealthcareapis\.com"),
    "a Windows user folder": re.compile(r"(?i)[a-z]:\\\\?users\\\\?"),
}


@dataclass(frozen=True)
class Problem:
    """One broken rule: where, and what to fix."""

    notebook: str
    cell: int | None
    message: str

    def __str__(self) -> str:
        where = f" cell {self.cell}" if self.cell is not None else ""
        return f"{self.notebook}{where}: {self.message}"


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def check_notebook(path: Path) -> list[Problem]:
    """Every broken rule of one notebook (empty when it is fine)."""
    name = path.name
    match = NAME.match(name)
    problems = [] if match else [Problem(name, None, "name must be NN-kebab-case.ipynb")]
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        return [*problems, Problem(name, None, f"not valid JSON: {error}")]
    cells: list[dict[str, Any]] = notebook.get("cells", [])
    if not cells:
        return [*problems, Problem(name, None, "has no cells")]

    def add(index: int | None, message: str) -> None:
        problems.append(Problem(name, index, message))

    first = _source(cells[0]).lstrip()
    number = match.group(1) if match else r"\d\d"
    if cells[0].get("cell_type") != "markdown" or not re.match(rf"# {number} · \S", first):
        add(0, f"must start with a Markdown title '# {number} · Title'")
    headings = [line[3:].strip().lower() for cell in cells if cell.get("cell_type") == "markdown"
                for line in _source(cell).splitlines() if line.startswith("## ")]
    for section in SECTIONS:
        if not any(heading.startswith(section.lower()) for heading in headings):
            add(None, f"missing the '## {section}' section")
    code = [(i, cell) for i, cell in enumerate(cells) if cell.get("cell_type") == "code"]
    if not code or not all(line in _source(code[0][1]) for line in SETUP_LINES):
        add(code[0][0] if code else None,
            "the first code cell must be the setup cell (" + "; ".join(SETUP_LINES) + ")")
    if not any(_source(cell).startswith("# Checkpoint") and "assert " in _source(cell)
               for _, cell in code):
        add(None, "needs a checkpoint cell ('# Checkpoint…' with plain asserts)")
    for index, cell in code:
        text = _source(cell)
        if len(text.splitlines()) > MAX_CODE_LINES:
            add(index, f"code cell longer than {MAX_CODE_LINES} lines: move plumbing to helpers/")
        if cell.get("outputs") or cell.get("execution_count") is not None:
            add(index, "stored outputs or execution count: clear them before committing")
        if re.search(r"^\s*!\s*az\s", text, re.M) and not text.startswith("# NBVAL_SKIP"):
            add(index, "Azure CLI cell must start with '# NBVAL_SKIP'")
    problems += [Problem(name, index, message) for index, message in _resources(cells)]
    for index, text in _texts(cells, notebook):
        for what, pattern in SECRETS.items():
            if pattern.search(text):
                add(index, f"contains {what}")
    return problems


def _resources(cells: list[dict[str, Any]]) -> list[tuple[int | None, str]]:
    """Rule 10: the last section is Resources, with the links a learner goes on with."""
    headings = [(index, line) for index, cell in enumerate(cells)
                if cell.get("cell_type") == "markdown"
                for line in _source(cell).splitlines() if line.startswith("## ")]
    if not headings or headings[-1][1][3:].strip() != RESOURCES:
        return [(None, f"must end with a '## {RESOURCES}' section (after '## What's next') "
                       "linking the Azure docs and PS3.18")]
    start, heading = headings[-1]
    if any(cell.get("cell_type") == "code" for cell in cells[start:]):
        return [(start, f"no code cell may follow '## {RESOURCES}'")]
    first = _source(cells[start])
    section = "\n".join([first[first.index(heading):],
                         *(_source(cell) for cell in cells[start + 1:])])
    return [(start, f"the '## {RESOURCES}' section must link {what}")
            for what, pattern in RESOURCE_LINKS.items() if not pattern.search(section)]


def _texts(cells: list[dict[str, Any]],
           notebook: dict[str, Any]) -> Iterable[tuple[int | None, str]]:
    for index, cell in enumerate(cells):
        yield index, _source(cell)
        yield index, json.dumps(cell.get("outputs", [])) + json.dumps(cell.get("metadata", {}))
    yield None, json.dumps(notebook.get("metadata", {}))


def check(paths: Sequence[Path]) -> list[Problem]:
    """Problems of all ``paths``; a notebook folder without notebooks is a problem too."""
    if not paths:
        return [Problem(str(NOTEBOOKS), None, "no notebooks found")]
    return [problem for path in paths for problem in check_notebook(path)]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    paths = [Path(a) for a in args] or sorted(NOTEBOOKS.glob("*.ipynb"))
    problems = check(paths)
    for problem in problems:
        print(problem)
    print(f"{len(paths)} notebooks checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
