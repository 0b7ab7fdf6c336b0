"""Every route the emulator serves, read from its route table (``dicom_emulator.routes``
and the identity routes), so that routes added later are fuzzed and described without
anyone listing them here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.routing import BaseRoute, Route

from dicom_emulator.web.versions import VersionedApi

# The prefixes every versioned route is tried under (a supported version of each kind).
VERSION_PREFIXES = ("/v1", "/v2")
_PARAM = re.compile(r"{([^}:]+)(?::[^}]+)?}")


@dataclass(frozen=True)
class RouteInfo:
    """One (method, template) pair; ``versioned`` templates are below ``/v{n}``."""

    method: str
    template: str
    endpoint: object
    versioned: bool

    @property
    def parameters(self) -> list[str]:
        return _PARAM.findall(self.template)

    def fill(self, values: dict[str, str]) -> str:
        """The template with each ``{name}`` replaced by ``values[name]`` (as given: the
        caller percent-encodes what must be)."""
        return _PARAM.sub(lambda m: values[m.group(1)], self.template)


def routes_of(app_routes: list[BaseRoute]) -> list[RouteInfo]:
    """The app's routes, the versioned ones unprefixed (HEAD left out: GET's twin)."""
    found = []
    for route in app_routes:
        children = route.routes if isinstance(route, VersionedApi) else [route]
        for child in children:
            if not isinstance(child, Route):
                continue
            for method in sorted(child.methods or ()):
                if method != "HEAD":
                    found.append(RouteInfo(method, child.path, child.endpoint,
                                           isinstance(route, VersionedApi)))
    return found
