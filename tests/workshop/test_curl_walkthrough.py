"""docs/curl-walkthrough.md: every ``bash`` block, in order, in one bash session, against a
fresh emulator with auth on; every curl command's HTTP status is checked by the page's own
``expect_status``, so the page cannot drift from the service."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.paths import REPO
from tests.workshop.conftest import WorkshopEmulator

PAGE = REPO / "docs" / "curl-walkthrough.md"
FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)


def bash_blocks(markdown: str) -> list[str]:
    """The blocks fenced exactly as ```bash, in page order (```bash azure-only is shown
    to readers, not run)."""
    return [body for info, body in FENCE.findall(markdown) if info.strip() == "bash"]


def commands(block: str) -> list[str]:
    """The block's commands, each with its backslash-continued lines joined."""
    return [line.strip() for line in block.replace("\\\n", " ").splitlines()
            if line.strip() and not line.strip().startswith("#")]


def test_page_has_the_steps_the_workshop_teaches() -> None:
    blocks = bash_blocks(PAGE.read_text())
    text = "\n".join(blocks)
    for step in ("/oauth2/v2.0/token", "Content-Type: application/dicom\"",
                 "multipart/related", "/studies?", "transfer-syntax=*", "/changefeed",
                 "/extendedquerytags", "/operations/", "/studies/\\$bulkUpdate",
                 "msdicom-request-original", "/workitems", "-X PATCH", "-X DELETE"):
        assert step in text, f"the walkthrough lost its {step!r} step"


def test_every_curl_command_checks_its_status() -> None:
    curls = [command for block in bash_blocks(PAGE.read_text()) for command in commands(block)
             if command.startswith("curl ")]
    assert len(curls) > 20
    for command in curls:
        assert re.search(r"-w '%\{http_code\}\\n' \| expect_status( \d{3})+$", command), command


def test_block_extraction_skips_azure_only_blocks() -> None:
    page = "```bash\necho one\n```\n\n```bash azure-only\naz login\n```\n```text\nx\n```\n"
    assert bash_blocks(page) == ["echo one\n"]


@pytest.mark.slow
def test_the_walkthrough_runs_against_the_emulator(workshop_emulator: WorkshopEmulator,
                                                   tmp_path: Path) -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    blocks = bash_blocks(PAGE.read_text())
    # One session (the blocks share variables), stopping at the first failing command;
    # markers on stderr tell which block failed.
    script = ["set -euo pipefail"]
    for number, block in enumerate(blocks, 1):
        script += [f"echo '### block {number}' >&2", block]
    env = {**os.environ, "DICOM_URL": f"{workshop_emulator.url}/v2",
           "AUTHORITY": workshop_emulator.url,
           "DICOM_EMULATOR_DATA_DIR": str(workshop_emulator.data_dir),
           "TMPDIR": str(tmp_path)}
    result = subprocess.run(["bash", "-c", "\n".join(script)], capture_output=True, text=True,
                            cwd=REPO, env=env, timeout=240)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert f"### block {len(blocks)}" in result.stderr
    statuses = re.findall(r"^HTTP (\d{3})$", result.stdout, re.MULTILINE)
    expected = sum(len(re.findall(r"expect_status", c)) for b in blocks for c in commands(b)
                   if c.startswith("curl "))
    # Every check ran once (the operation poll at least once).
    assert len(statuses) >= expected
    assert {"200", "202", "204", "400", "404", "409"} <= set(statuses)
    assert "DICM" in result.stdout  # the retrieved instance is a Part 10 file
    assert result.stdout.rstrip().endswith("Delete")  # the last change is a delete
