"""The viewer's routes: OHIF's files, its client routes, and the generated app-config.

They are appended after every route of the service, so a path the service knows is
never answered by the viewer; a path that is neither a file nor a client route keeps
the service's status-only 404.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from dicom_emulator.viewer.config import OidcClient, app_config, app_config_js
from dicom_emulator.viewer.files import file_for
from dicom_emulator.web.responses import status_only

# Resolved per request: with auth on, the SPA app it names may be registered after start.
OidcLookup = Callable[[str], "OidcClient | None"]


def viewer_routes(dist: Path, oidc: OidcLookup) -> list[BaseRoute]:
    """``GET /app-config.js`` and ``GET /{path}`` serving ``dist`` (put them last)."""

    async def config_script(request: Request) -> Response:
        origin = str(request.base_url).rstrip("/")  # as the browser reached it
        script = app_config_js(app_config(origin, oidc(origin)))
        # Never cached: it changes with the emulator's auth setting and SPA app.
        return Response(script, media_type="text/javascript",
                        headers={"Cache-Control": "no-store"})

    async def viewer_file(request: Request) -> Response:
        found = file_for(dist, request.path_params["path"])
        if found is None:
            return status_only(404)
        # index.html is the same for every client route; revalidate it, the hashed
        # bundles may be cached (their names change with their content).
        cache = "no-cache" if found.name == "index.html" else "public, max-age=3600"
        return FileResponse(found, headers={"Cache-Control": cache})

    return [
        Route("/app-config.js", config_script, methods=["GET"]),
        Route("/{path:path}", viewer_file, methods=["GET"]),
    ]
