"""An export operation's ``results`` (``ExportResults``: the checkpoint's progress)."""

from __future__ import annotations

from typing import Any

from dicom_emulator.storage.exports import ExportCheckpoint


def export_results(checkpoint: ExportCheckpoint) -> dict[str, Any]:
    """``{"errorHref", "exported", "skipped"}``, so far while it runs, final once done."""
    return {"errorHref": checkpoint.error_href, "exported": checkpoint.exported,
            "skipped": checkpoint.skipped}
