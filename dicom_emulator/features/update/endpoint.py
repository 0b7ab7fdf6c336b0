"""``POST /studies/$bulkUpdate`` until bulk update is implemented.

``StoreController.UpdateAsync`` at eeefbe4: ``[Consumes("application/json")]`` (415 with no
body for another Content-Type), then ``DisableOperations`` (400 ``Asynchronous operations
are temporarily disabled. Please try again later.``), then below v2 a bare 404. The
method-level ``[IntroducedInApiVersion(2)]`` is not read by ``ApiVersionsConvention`` (it
reads the controller's), so the route exists in every version and v1 gets that 404. The
``EnableUpdate`` flag was removed in #3160, so the only "feature off" answer left in the
code is the disabled-operations one: the emulator gives it in v2 until it implements
the update (the service itself would run the update).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from dicom_emulator.errors import BadRequestError
from dicom_emulator.web.media import parse_media_type
from dicom_emulator.web.request import api_version
from dicom_emulator.web.responses import status_only

OPERATIONS_DISABLED = "Asynchronous operations are temporarily disabled. Please try again later."


async def bulk_update(request: Request) -> Response:
    """``POST /studies/$bulkUpdate``: 415, then 404 (v1) or 400 (v2)."""
    content_type = request.headers.get("content-type")
    if content_type is not None and parse_media_type(content_type).type != "application/json":
        return status_only(415)
    if api_version(request) < 2:
        return status_only(404)
    raise BadRequestError(OPERATIONS_DISABLED)
