"""OHIF 3.13.2 against the emulator, in Chromium: the study list, a multi-frame study
rendered (pixels read back from the viewport), and every DICOMweb request OHIF made."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pytest
import requests

from helpers import samples
from helpers.viewer import study_url
from tests.viewer.browser import SCREENSHOTS, NetworkLog, pixels, save_screenshot

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.slow, pytest.mark.live]
LOAD = 60_000  # ms: OHIF's first load on a busy 2-core machine


def _stored_studies(url: str) -> list[dict[str, dict[str, list[str]]]]:
    response = requests.get(f"{url}/v2/studies", timeout=10,
                            headers={"Accept": "application/dicom+json"})
    assert response.status_code == 200
    studies = response.json()
    assert isinstance(studies, list)
    return studies


def test_the_study_list_shows_every_stored_study(
        ohif_emulator: str, page: Page, network: NetworkLog) -> None:
    page.goto(f"{ohif_emulator}/")
    page.get_by_text("Phantom, Angio").wait_for(timeout=LOAD)
    page.get_by_text("Anony Mous").wait_for(timeout=LOAD)
    # One row per study: those with a study date (the table also has a filler row).
    rows = page.locator("table tbody tr").filter(has_text=re.compile(r"\d{2}-\w{3}-\d{4}"))
    assert rows.count() == len(_stored_studies(ohif_emulator)) == 2
    save_screenshot(page.screenshot(), "ohif-study-list.png")
    assert network.failed() == []
    assert any(path.startswith("/v2/studies?") and status == 200
               for _, path, status in network.dicomweb())


def _viewport(page: Page) -> np.ndarray:
    return pixels(page.locator("canvas.cornerstone-canvas").first.screenshot())


def test_a_multi_frame_study_renders_and_scrolls_through_its_frames(
        ohif_emulator: str, page: Page, network: NetworkLog) -> None:
    uids = samples.XA_MULTIFRAME
    page.goto(study_url(ohif_emulator, uids.study_instance_uid))
    page.get_by_text(f"(1/{samples.XA_FRAMES})").wait_for(timeout=LOAD)
    page.wait_for_function("""() => {
        const c = document.querySelector('canvas.cornerstone-canvas');
        return c && c.width > 0 && c.height > 0; }""", timeout=LOAD)
    page.wait_for_load_state("networkidle")
    first = _viewport(page)
    # Not blank: the grey background with noise, and the dark vessel the bolus fills.
    assert first.std() > 10
    assert (first < 0.5 * np.median(first)).mean() > 0.002
    save_screenshot(page.screenshot(), "ohif-xa-frame-1.png")
    canvas = page.locator("canvas.cornerstone-canvas").first
    canvas.hover()
    for _ in range(10):
        page.mouse.wheel(0, 120)
    page.get_by_text(f"(11/{samples.XA_FRAMES})").wait_for(timeout=LOAD)
    page.wait_for_timeout(500)  # the frame is drawn after the overlay's counter changes
    later = _viewport(page)
    save_screenshot(page.screenshot(), "ohif-xa-frame-11.png")
    assert np.abs(later - first).mean() > 1  # another frame: more of the vessel filled
    assert network.failed() == []
    frames = [p for _, p, s in network.dicomweb() if "/frames/" in p and s == 200]
    assert f"/v2/studies/{uids.study_instance_uid}/series/{uids.series_instance_uid}" \
           f"/instances/{uids.sop_instance_uid}/frames/1" in frames
    _write_request_list(network)


def _write_request_list(network: NetworkLog) -> None:
    """Every request OHIF made, with its status, for the report (build/, not committed)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    lines = [f"{status} {method} {path}" for method, path, status in network.entries]
    (SCREENSHOTS / "ohif-requests.txt").write_text("\n".join(lines) + "\n")
