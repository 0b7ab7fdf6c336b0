"""``create_app(settings)``: wiring only; everything is built here, nothing at import."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from dicom_emulator.components import Components, build_components
from dicom_emulator.errors import DicomServiceError
from dicom_emulator.identity.admin import admin_routes
from dicom_emulator.identity.cors import cors_middleware
from dicom_emulator.identity.enforcement import AuthEnforcement
from dicom_emulator.identity.errors import EntraError, entra_error_response
from dicom_emulator.identity.routes import identity_routes
from dicom_emulator.openapi import openapi_routes
from dicom_emulator.routes import all_routes, partitioned_families
from dicom_emulator.settings import EmulatorSettings
from dicom_emulator.storage.recovery import recover
from dicom_emulator.web.access_log import AccessLog
from dicom_emulator.web.min_data_rate import BodyTimeoutErrors
from dicom_emulator.web.request_limits import RequestLimits
from dicom_emulator.web.responses import dicom_error_response, http_error_response

log = logging.getLogger(__name__)


def create_app(settings: EmulatorSettings | None = None) -> Starlette:
    """The emulator as an ASGI app, with its services opened on ``settings.data_dir``."""
    settings = settings or EmulatorSettings.from_env()
    components = build_components(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        recover(components.index, components.blobs)
        components.reindexer.start()  # resumes reindex operations a restart interrupted
        components.updater.start()  # and bulk update operations
        components.exporter.start()  # and export operations
        yield
        components.close()

    app = Starlette(
        routes=openapi_routes() + all_routes() + identity_routes() + admin_routes()
        + _viewer(settings, components),
        # The log and Kestrel's limits (and its body timeout's failed reads) first; CORS
        # next, as the service's UseCors comes before authentication; auth off: no auth
        # middleware at all.
        middleware=[Middleware(AccessLog), Middleware(RequestLimits),
                    Middleware(BodyTimeoutErrors)]
        + cors_middleware(settings.cors)
        + ([Middleware(AuthEnforcement, identity=components.identity,
                       deferred=partitioned_families())]
           if settings.auth else []),
        exception_handlers={DicomServiceError: dicom_error_response,
                            EntraError: entra_error_response,
                            HTTPException: http_error_response},
        lifespan=lifespan,
    )
    app.state.components = components
    return app


def _viewer(settings: EmulatorSettings, components: Components) -> list[BaseRoute]:
    """OHIF's routes, last (they must not shadow the service's), when it is served."""
    if settings.viewer_dist is None:
        return []
    from dicom_emulator.viewer.endpoint import viewer_routes
    from dicom_emulator.viewer.files import checked_dist
    from dicom_emulator.viewer.sign_in import oidc_lookup
    return viewer_routes(checked_dist(settings.viewer_dist), oidc_lookup(settings, components))
