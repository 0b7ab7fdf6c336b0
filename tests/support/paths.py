"""Where things are: the repository root, and the Azure sample files beside the checkout."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# As CI lays it out: the kit's checkout and ``shared/`` side by side.
SHARED_SAMPLES_DIR = REPO.parent / "shared" / "data" / "azure-samples"
