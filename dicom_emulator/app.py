"""``create_app(settings)``: wiring only; everything is built here, nothing at import."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pydicom import config as pydicom_config
from starlette.applications import Starlette
from starlette.middleware import Middleware

from dicom_emulator.errors import DicomServiceError, handle_dicom_error
from dicom_emulator.identity.admin import admin_routes
from dicom_emulator.identity.enforcement import AuthEnforcement
from dicom_emulator.identity.routes import identity_routes
from dicom_emulator.routes import all_routes
from dicom_emulator.services import build_services, recover
from dicom_emulator.settings import EmulatorSettings

log = logging.getLogger(__name__)


def create_app(settings: EmulatorSettings | None = None) -> Starlette:
    """The emulator as an ASGI app, with its services opened on ``settings.data_dir``."""
    settings = settings or EmulatorSettings.from_env()
    # Invalid values are the validator's business (and become failure codes), not warnings.
    pydicom_config.settings.reading_validation_mode = pydicom_config.IGNORE
    services = build_services(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        recover(services)
        services.reindexer.start()  # resumes reindex operations a restart interrupted
        yield
        services.close()

    app = Starlette(
        routes=all_routes() + identity_routes() + admin_routes(),
        # Auth off: no middleware at all, so nothing on the request path costs a thing.
        middleware=([Middleware(AuthEnforcement, identity=services.identity)]
                    if settings.auth else []),
        exception_handlers={DicomServiceError: handle_dicom_error},
        lifespan=lifespan,
    )
    app.state.services = services
    return app
