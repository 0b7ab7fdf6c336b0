"""Data partitions while the feature is off: the routes exist and answer 400.

``GET /partitions`` (``PartitionController.GetAllPartitions``) and every DICOMweb route
under ``/partitions/{partitionName}/…`` (``PopulateDataPartitionFilterAttribute``, an
action filter: after authentication, before the handler and so before any data-action
check) answer ``Data partitions feature is disabled.``
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from dicom_emulator.errors import BadRequestError

FEATURE_DISABLED = "Data partitions feature is disabled."


async def partitions_disabled(request: Request) -> Response:
    """Any partition route: 400, as the service with ``EnableDataPartitions`` false."""
    raise BadRequestError(FEATURE_DISABLED)
