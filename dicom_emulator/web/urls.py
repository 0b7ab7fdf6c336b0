"""The shapes of the URLs the service returns, beside the route templates they mirror.

Every absolute URL in a response (STOW RetrieveURLs, operation and extended-query-tag
links) is built here from the request's versioned base URL (``web.request.base_url``),
so that the one place that decides the base (host, port, forwarded headers) decides it
for all of them.
"""

from __future__ import annotations

STUDY = "/studies/{study}"
SERIES = STUDY + "/series/{series}"
INSTANCE = SERIES + "/instances/{instance}"
FRAMES = INSTANCE + "/frames/{frames}"
EXTENDED_QUERY_TAG = "/extendedquerytags/{tagPath}"
OPERATION = "/operations/{operationId}"
WORKITEM = "/workitems/{workitem}"


def study_url(base: str, study: str) -> str:
    return base + STUDY.format(study=study)


def instance_url(base: str, study: str, series: str, sop: str) -> str:
    return base + INSTANCE.format(study=study, series=series, instance=sop)


def extended_query_tag_url(base: str, path: str) -> str:
    return base + EXTENDED_QUERY_TAG.format(tagPath=path)


def extended_query_tag_errors_url(base: str, path: str) -> str:
    return extended_query_tag_url(base, path) + "/errors"


def operation_url(base: str, operation_id: str) -> str:
    return base + OPERATION.format(operationId=operation_id)


def workitem_url(base: str, uid: str) -> str:
    return base + WORKITEM.format(workitem=uid)
