"""The README's Windows and macOS sections: every command is one the kit has, and runs here.

PowerShell's ``.venv\\Scripts\\python -m helpers.kit <task>`` lines are run on this machine
as ``python -m helpers.kit <task> --dry-run`` (``serve`` and ``stop`` run for real in
``tests/helpers/test_kit.py``); every ``make`` target a participant uses has its line.
"""

from __future__ import annotations

import re
import subprocess
import sys

from helpers.kit import COMMANDS
from tests.support.paths import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
FENCE = re.compile(r"^```powershell\n(.*?)^```", re.MULTILINE | re.DOTALL)
KIT_LINE = re.compile(r"^\.venv\\Scripts\\python -m helpers\.kit ([\w-]+)\s+# make ([\w-]+)")
PARTICIPANT_TARGETS = {"lab", "test", "test-fast", "serve", "stop", "reset", "demo"}


def _powershell_lines() -> list[str]:
    return [line.strip() for block in FENCE.findall(README) for line in block.splitlines()
            if line.strip()]


def test_every_participant_target_has_its_powershell_line() -> None:
    tasks = {m.group(1): m.group(2) for line in _powershell_lines()
             if (m := KIT_LINE.match(line))}
    assert PARTICIPANT_TARGETS <= set(tasks)
    assert all(task == target for task, target in tasks.items())  # the comment says the same
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    for task in tasks:
        assert task in COMMANDS
        assert re.search(rf"^{task}:.*\n\t@.*\$\(KIT\) {task}\b", makefile, re.MULTILINE), task


def test_every_powershell_line_is_a_command_the_kit_has() -> None:
    setup = {r"py -3.11 -m venv .venv", r".venv\Scripts\python -m pip install -r requirements.txt"}
    for line in _powershell_lines():
        assert line in setup or KIT_LINE.match(line), line


def test_the_powershell_tasks_run_here() -> None:
    for line in _powershell_lines():
        match = KIT_LINE.match(line)
        if match is None or match.group(1) in ("serve", "stop", "status"):
            continue  # serve and stop run for real in tests/helpers/test_kit.py
        done = subprocess.run([sys.executable, "-m", "helpers.kit", match.group(1),
                               "--dry-run"], cwd=REPO, capture_output=True, text=True,
                              timeout=60, env={"PATH": "", "PYTHONPATH": str(REPO),
                                               "DICOM_EMULATOR_PORT": "9"})
        assert done.returncode == 0, (line, done.stderr)
        assert done.stdout.startswith(("+ ", "would ")), (line, done.stdout)


def test_the_help_lists_every_task() -> None:
    done = subprocess.run([sys.executable, "-m", "helpers.kit", "--help"], cwd=REPO,
                          capture_output=True, text=True, timeout=60, check=True)
    for task in COMMANDS:
        assert task in done.stdout


def test_there_is_a_troubleshooting_row_for_each_laptop_failure() -> None:
    for symptom in ("is not running", "**401** right after `make reset`", "ForeignEmulatorError",
                    "already running at", "**500** on every store", "model not found",
                    "pink progress bar", "fetch news", "another make is building",
                    "BuildBackendWarning", "dies when the terminal"):
        assert symptom in README, symptom


def test_the_curl_page_and_readme_give_the_windows_python() -> None:
    for text in (README, (REPO / "docs" / "curl-walkthrough.md").read_text(encoding="utf-8")):
        assert ".venv/Scripts/python" in text or r".venv\Scripts\python" in text
