"""How the emulator process reads DICOM: pydicom's process-wide reading policy.

Invalid values are the validator's business (they become failure codes and warnings in
STOW responses), not pydicom warnings on every read. pydicom keeps this setting
globally, so it is set once by the process entry point (``python -m dicom_emulator
serve``), never as a side effect of building an app.
"""

from __future__ import annotations

from pydicom import config


def use_emulator_reading_policy() -> None:
    """Read values without validating them (the emulator validates explicitly)."""
    config.settings.reading_validation_mode = config.IGNORE
