"""Client-side helpers for the Azure DICOM service workshop.

The notebooks' setup cell is always::

    from helpers import load_settings, make_client, samples
    settings = load_settings()        # env > .env > defaults (local emulator)
    client = make_client(settings)    # dicomweb-client DICOMwebClient; authenticated

``client`` is a subclass of dicomweb-client's ``DICOMwebClient`` whose study, series
and frame retrieval ask for ``transfer-syntax=*`` (see :class:`DICOMwebClient`);
``show_wire(client)`` prints the HTTP requests it sends.

One job per module: :mod:`~helpers.config` (settings), :mod:`~helpers.auth` (credentials,
bearer tokens), :mod:`~helpers.service` (where the service is, which credential),
:mod:`~helpers.client` (the client and session), :mod:`~helpers.wire` (showing the
requests), :mod:`~helpers.emulator` (the local emulator's process and identity),
:mod:`~helpers.render` (pixels to pictures), :mod:`~helpers.figures` (drawing them),
:mod:`~helpers.tables`, :mod:`~helpers.changefeed`, :mod:`~helpers.extended_query_tags`,
:mod:`~helpers.export` (export to blob storage), :mod:`~helpers.azurite` (the local
storage account) and :mod:`~helpers.samples` (sample data). Import submodules by name, e.g.
``from helpers import render, samples``. Nothing here imports the emulator's code.
"""

from __future__ import annotations

from helpers.client import DICOMwebClient, make_client, make_session, store_files
from helpers.config import Secret, Settings, load_settings, mask
from helpers.service import service_url
from helpers.wire import show_wire

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
    "show_wire",
    "store_files",
]
