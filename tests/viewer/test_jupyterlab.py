"""JupyterLab itself, in Chromium: open lesson 00, run every cell through the UI, and
read what it rendered (the outputs the participant sees, not nbval's JSON)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
import requests

from tests.support.paths import REPO
from tests.viewer.browser import save_screenshot

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.slow, pytest.mark.live]
NOTEBOOK = "00-setup-and-access-token.ipynb"
RUN = 60_000  # ms: the whole notebook, its emulator start included


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """JupyterLab on a copy of lesson 00 (no token, a free port: JupyterLab saves what it
    runs, and the lessons are stored without outputs), whose kernels use an emulator of
    their own (auth on, a temporary data dir); yields its URL."""
    root = tmp_path_factory.mktemp("lab-notebooks")
    shutil.copy(REPO / "notebooks" / NOTEBOOK, root / NOTEBOOK)
    data_dir = tmp_path_factory.mktemp("lab-emulator")
    env = {**os.environ, "DICOM_EMULATOR_DATA_DIR": str(data_dir),
           "DICOM_EMULATOR_PORT": str(_free_port()), "DICOM_EMULATOR_AUTH": "on",
           "JUPYTER_CONFIG_DIR": str(tmp_path_factory.mktemp("jupyter-config"))}
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
         "--ServerApp.token=", "--ServerApp.password=", "--allow-root",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         f"--ServerApp.root_dir={root}"],
        env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{url}/api/status", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert process.poll() is None, "JupyterLab exited"
            time.sleep(0.25)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        subprocess.run([sys.executable, "-m", "helpers.emulator", "stop"], env=env, cwd=REPO,
                       stdout=subprocess.DEVNULL, check=False, timeout=30)


def test_lesson_00_runs_in_jupyterlab_and_renders_its_outputs(lab: str, page: Page) -> None:
    page.goto(f"{lab}/lab/tree/{NOTEBOOK}")
    page.locator(".jp-Notebook .jp-CodeCell").first.wait_for(timeout=RUN)
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    select = page.get_by_role("button", name="Select", exact=True)  # the kernel dialog
    try:
        select.wait_for(timeout=5_000)
        select.click()
    except PlaywrightTimeout:
        pass  # JupyterLab started the notebook's kernel by itself
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(timeout=RUN)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    cells = page.locator(".jp-Notebook .jp-CodeCell")
    page.wait_for_function("""() => {
        const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')];
        return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
    }""", timeout=RUN)
    save_screenshot(page.screenshot(full_page=True), "jupyterlab-00.png")
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'],"
                          " .jp-RenderedText[data-mime-type='application/vnd.jupyter.error']")
    assert errors.count() == 0, errors.all_inner_texts()
    outputs = page.locator(".jp-OutputArea-output")
    code_cells = [c for c in json.loads((REPO / "notebooks" / NOTEBOOK).read_text())["cells"]
                  if c["cell_type"] == "code"]
    assert cells.count() == len(code_cells)
    assert outputs.count() >= 10
    shown = "\n".join(outputs.all_text_contents())  # innerText is empty off screen
    assert "DICOM service: local emulator at http://127.0.0.1:" in shown
    assert "401" in shown and "403" in shown  # the lesson's no-token and no-role answers
