"""How the emulator process reads DICOM: pydicom's process-wide reading policy.

Invalid values are the validator's business (they become failure codes and warnings in
STOW responses), not pydicom warnings on every read. pydicom keeps this setting
globally, so it is set once by the process entry point (``python -m dicom_emulator
serve``), never as a side effect of building an app.

Some encodings need pydicom's strict reading for a moment (an element whose value does
not convert is left out). pydicom's ``config.strict_reading`` switches the process-wide
mode and restores the mode it found; two threads inside it at once can restore each
other's RAISE and leave the process strict for good (every read then validates, and the
fast JSON encoder turns itself off). :func:`strict_reading` is the only way in here: one
thread at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydicom import config
from pydicom.dataset import Dataset

__all__ = ["json_dict_without_invalid", "strict_reading", "use_emulator_reading_policy"]

_STRICT = threading.RLock()  # re-entrant: a strict section may call pydicom's own


def use_emulator_reading_policy() -> None:
    """Read values without validating them (the emulator validates explicitly)."""
    config.settings.reading_validation_mode = config.IGNORE


@contextmanager
def strict_reading() -> Iterator[None]:
    """pydicom's ``config.strict_reading()``, one thread at a time.

    While a thread is inside, other threads' reads are strict too (the mode is global);
    the sections are a single element's or a few elements' conversion, so that is brief.
    """
    with _STRICT, config.strict_reading():
        yield


def json_dict_without_invalid(ds: Dataset) -> dict[str, Any]:
    """``ds.to_json_dict(suppress_invalid_tags=True)`` (which enters pydicom's strict
    reading), inside :func:`strict_reading`."""
    with strict_reading():
        found: dict[str, Any] = ds.to_json_dict(suppress_invalid_tags=True)
    return found
