"""Client-side helpers for the Azure DICOM service workshop.

The notebooks' setup cell is always::

    from helpers import load_settings, make_client, samples
    settings = load_settings()        # env > .env > defaults (local emulator)
    client = make_client(settings)    # DICOMwebClient; authenticated for Azure

``render`` (pixels to pictures) and ``samples`` (sample data) are submodules; import
them with ``from helpers import render, samples``. Nothing here imports the emulator.
"""

from __future__ import annotations

from helpers.client import DICOMwebClient, make_client, make_session, store_files
from helpers.config import Secret, Settings, load_settings, mask
from helpers.service import service_url

__all__ = [
    "DICOMwebClient",
    "Secret",
    "Settings",
    "load_settings",
    "make_client",
    "make_session",
    "mask",
    "render",
    "samples",
    "service_url",
    "store_files",
]
