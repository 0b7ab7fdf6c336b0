"""Response checks shared by the helpers that call the Azure-only JSON APIs.

The change feed, extended query tags and operations answer plain JSON (not DICOM
JSON), with keys whose casing the service and its docs disagree on; and on an error
the body is the service's own message, which ``raise_for_status()`` would drop.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

__all__ = ["checked", "lower_keys"]


def checked(response: requests.Response) -> requests.Response:
    """The response itself, or :class:`requests.HTTPError` carrying the service's message.

    Raises
    ------
    requests.HTTPError
        The status is 400 or above; the message has the status, the URL and the body.
    """
    if response.status_code >= 400:
        raise requests.HTTPError(
            f"{response.status_code} from {response.url}: {response.text}", response=response)
    return response


def lower_keys(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with lower-case keys: the service writes ``sequence``, its docs ``Sequence``."""
    return {key.lower(): value for key, value in data.items()}
