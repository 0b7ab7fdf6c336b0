"""A real browser for the viewer tests: Debian's Chromium, driven by Playwright.

What the tests need is checked once: Playwright, Chromium at ``/usr/bin/chromium`` (its
own browser download is not used) and, for OHIF, ``make viewer``'s install. Missing, the
tests are skipped with the reason, except under ``CI=true``, where they must run.
"""

from __future__ import annotations

import io
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.support.paths import REPO

CHROMIUM = Path(shutil.which("chromium") or "/usr/bin/chromium")
OHIF_INDEX = REPO / "viewer" / "node_modules" / "@ohif" / "app" / "dist" / "index.html"
SCREENSHOTS = REPO / "build" / "screenshots"


def require(condition: bool, missing: str) -> None:
    """Skip with ``missing`` unless ``condition``; fail instead under ``CI=true``."""
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{missing}; CI must run the browser tests")
    pytest.skip(missing)


def require_browser() -> None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        require(False, "playwright is not installed (pip install -r requirements.txt)")
    require(CHROMIUM.is_file(), f"no Chromium at {CHROMIUM} (apt-get install chromium)")


def require_ohif() -> None:
    require(OHIF_INDEX.is_file(), "OHIF is not installed (make viewer: npm ci --prefix viewer)")


@dataclass
class NetworkLog:
    """Every response a page got: method, path and query, status (page network events)."""

    entries: list[tuple[str, str, int]] = field(default_factory=list)
    authorized: set[str] = field(default_factory=set)  # targets sent with a bearer token

    def dicomweb(self) -> list[tuple[str, str, int]]:
        """The DICOMweb requests (below a version prefix)."""
        return [e for e in self.entries if e[1].startswith(("/v1/", "/v2/", "/v1.0"))]

    def failed(self) -> list[tuple[str, str, int]]:
        return [e for e in self.dicomweb() if e[2] >= 400]


def pixels(png: bytes) -> np.ndarray:
    """A screenshot as a grey-level array."""
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float)


def save_screenshot(png: bytes, name: str) -> Path:
    """Keep a screenshot under build/ (ignored by git) for the instructor and the report."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    path.write_bytes(png)
    return path
