"""tools/check_notebooks.py: the real notebooks pass, and each rule catches its defect."""

from __future__ import annotations

import copy
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.paths import REPO
from tools.check_notebooks import NOTEBOOKS, check, check_notebook, main

GOOD: dict[str, Any] = {
    "nbformat": 4, "nbformat_minor": 5,
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                "language": "python"}},
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "id": "a",
         "source": "# 07 · A lesson\n\n## What you will learn\n\n1. x\n\n## Prerequisites\n"},
        {"cell_type": "code", "metadata": {}, "id": "b", "outputs": [], "execution_count": None,
         "source": "from helpers import load_settings, make_client, samples\n\n"
                   "settings = load_settings()\nclient = make_client(settings)\n"},
        {"cell_type": "code", "metadata": {}, "id": "c", "outputs": [], "execution_count": None,
         "source": "# Checkpoint: it works\nassert client is not None\n"},
        {"cell_type": "markdown", "metadata": {}, "id": "d",
         "source": "## Summary\n\n- x\n\n## What's next\n\nMore."},
        {"cell_type": "markdown", "metadata": {}, "id": "e",
         "source": "## Resources\n\n"
                   "- [Overview](https://learn.microsoft.com/azure/healthcare-apis/dicom/overview)\n"
                   "- [PS3.18](https://dicom.nema.org/medical/dicom/current/output/html/"
                   "part18.html#sect_10.6)\n"},
    ],
}
RESOURCES = 4  # the index of GOOD's last cell


def write(tmp_path: Path, notebook: dict[str, Any], name: str = "07-a-lesson.ipynb") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(notebook))
    return path


def test_the_workshop_notebooks_pass() -> None:
    paths = sorted(NOTEBOOKS.glob("*.ipynb"))
    assert len(paths) >= 3
    assert [str(p) for p in check(paths)] == []


def test_a_well_formed_notebook_passes(tmp_path: Path) -> None:
    assert check_notebook(write(tmp_path, GOOD)) == []


def _set(cell: int, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(notebook: dict[str, Any]) -> None:
        notebook["cells"][cell][key] = value
    return change


def _append_code(source: str) -> Callable[[dict[str, Any]], None]:
    """Add a code cell at the end of the lesson, before its Resources section."""
    def change(notebook: dict[str, Any]) -> None:
        notebook["cells"].insert(RESOURCES, {"cell_type": "code", "metadata": {},
                                             "outputs": [], "execution_count": None,
                                             "source": source})
    return change


def _resources(source: str) -> Callable[[dict[str, Any]], None]:
    return _set(RESOURCES, "source", source)


def _code_after_resources(notebook: dict[str, Any]) -> None:
    notebook["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [],
                              "execution_count": None, "source": "print(1)\n"})


def _resources_before_summary(notebook: dict[str, Any]) -> None:
    notebook["cells"].insert(3, notebook["cells"].pop(RESOURCES))


BREAKAGES: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "wrong title": (_set(0, "source", "# A lesson\n## What you will learn\n## Prerequisites"),
                    "Markdown title '# 07 · Title'"),
    "title number differs": (_set(0, "source", "# 08 · A lesson\n## What you will learn\n"
                                               "## Prerequisites"), "'# 07 · Title'"),
    "no prerequisites": (_set(0, "source", "# 07 · A lesson\n## What you will learn\n"),
                         "'## Prerequisites'"),
    "no what's next": (_set(3, "source", "## Summary\n"), "'## What's next'"),
    "setup cell differs": (_set(1, "source", "import helpers\n"), "setup cell"),
    "checkpoint without assert": (_set(2, "source", "# Checkpoint\nprint(client)\n"),
                                  "checkpoint cell"),
    "stored output": (_set(2, "outputs", [{"output_type": "stream", "name": "stdout",
                                           "text": "hi"}]), "stored outputs"),
    "execution count": (_set(2, "execution_count", 3), "execution count"),
    "long cell": (_append_code("x = 1\n" * 25), "longer than 20 lines"),
    "jwt": (_append_code('token = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2RpY29tIn0.sig"'),
            "a JWT"),
    "bearer in output": (_set(2, "outputs", [{"output_type": "stream", "name": "stdout",
                                              "text": "Bearer abcdefghijklmnopqrstuvwxyz0123"}]),
                         "a bearer token"),
    "literal secret": (_append_code('client_secret = "Xy7~realLookingSecret"'),
                       "a literal client secret"),
    "azure host": (_append_code('url = "https://contoso-ws-dicom.dicom.azurehealthcareapis.com"'),
                   "a concrete Azure DICOM host"),
    "az without skip": (_append_code("!az login\n"), "NBVAL_SKIP"),
    "no resources": (_resources("## Further reading\n\n- [x](https://example.org)\n"),
                     "must end with a '## Resources' section"),
    "resources not last": (_resources_before_summary, "must end with a '## Resources'"),
    "code after resources": (_code_after_resources, "no code cell may follow"),
    "resources without azure docs": (
        _resources("## Resources\n\n- [PS3.18](https://dicom.nema.org/medical/dicom/current/"
                   "output/html/part18.html)\n"), "link the Azure DICOM service documentation"),
    "resources without the standard": (
        _resources("## Resources\n\n- [Overview](https://learn.microsoft.com/en-us/azure/"
                   "healthcare-apis/dicom/overview)\n- part18.html, unlinked\n"),
        "link the DICOMweb standard PS3.18"),
}


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_each_rule_catches_its_defect(tmp_path: Path, breakage: str) -> None:
    notebook = copy.deepcopy(GOOD)
    change, expected = BREAKAGES[breakage]
    change(notebook)
    messages = [p.message for p in check_notebook(write(tmp_path, notebook))]
    assert any(expected in message for message in messages), messages


def test_placeholders_and_skipped_az_cells_are_fine(tmp_path: Path) -> None:
    notebook = copy.deepcopy(GOOD)
    _append_code("# NBVAL_SKIP\n!az login\n")(notebook)
    _append_code('url = "https://<workspace>-<service>.dicom.azurehealthcareapis.com"\n'
                 'secret = settings.client_secret  # a Secret, never the value\n')(notebook)
    assert check_notebook(write(tmp_path, notebook)) == []


def test_bad_names_and_the_command_line(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path, GOOD, name="Lesson 7.ipynb")
    assert main([str(bad)]) == 1
    out = capsys.readouterr().out
    assert "NN-kebab-case" in out and "1 notebooks checked" in out
    assert main([str(write(tmp_path, GOOD))]) == 0


def test_the_notebooks_folder_holds_only_lessons() -> None:
    """What a participant sees in JupyterLab's file browser: the notebooks, nothing else
    (nbval's fresh-emulator hook is the repository's top-level conftest.py)."""
    tracked = subprocess.run(["git", "ls-files", "notebooks"], cwd=REPO, capture_output=True,
                             text=True, check=True).stdout.split()
    assert tracked and all(name.endswith(".ipynb") for name in tracked), tracked
