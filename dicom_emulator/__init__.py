"""A local emulator of the Azure Health Data Services DICOM service."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dicom_emulator.settings import EmulatorSettings

if TYPE_CHECKING:
    from dicom_emulator.app import create_app

__all__ = ["EmulatorSettings", "create_app"]


def __getattr__(name: str) -> Any:
    # The server (pydicom, Starlette) loads only when asked for, so the identity commands
    # of ``python -m dicom_emulator`` start in a fraction of the time.
    if name == "create_app":
        from dicom_emulator.app import create_app

        return create_app
    raise AttributeError(name)
