"""API versions as the service's versioning library reads them, and the routing below them.

The service's routes are ``v{version:apiVersion}/…`` (``VersionedRouteAttribute.cs``) under
Microsoft.AspNetCore.Mvc.Versioning 5.1 with a URL-segment reader and
``ReportApiVersions = true``. What that means for a request:

- the segment after a case-insensitive ``v`` is parsed as an ``ApiVersion``; one that does
  not parse matches no route (404);
- versions compare with an implied minor version of 0 and a case-insensitive status, so
  ``v1.0`` is ``v1``, ``v2.0`` is ``v2``, ``v1-Prerelease`` is ``v1.0-prerelease``;
- a version that parses but is not supported is a 400 with the library's JSON error body
  (``DefaultErrorResponseProvider``) when the rest of the path is a route for the method,
  a 405 when it is a route for other methods only, and a 404 otherwise;
- route literals are case-insensitive and a single trailing slash is ignored (ASP.NET
  Core routing), there is no redirect;
- responses of a matched route carry ``api-supported-versions`` (``ReportApiVersions``
  filter), and so does the library's 400; routing's 404 and 405 do not.

The prefix the request used (``v1.0``, ``V2``…) is kept for the URLs the service returns
(they are generated with the request's own ``version`` route value).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from starlette.datastructures import URLPath
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import Receive, Scope, Send

from dicom_emulator.web.responses import status_only


class ApiVersion(NamedTuple):
    """An ``ApiVersion`` of the versioning library (no group versions: the service has none)."""

    major: int | None
    minor: int | None
    status: str | None

    def key(self) -> tuple[int | None, int, str | None]:
        """What equality compares: the implied minor version and the status' case."""
        return self.major, self.minor or 0, self.status.lower() if self.status else None

    def __str__(self) -> str:
        text = "" if self.major is None else str(self.major)
        if self.minor is not None:
            text += f".{self.minor}"
        return text + (f"-{self.status}" if self.status else "")


# ApiVersion.TryParse's pattern and status rule (group versions are parsed, never supported).
_PARSE = re.compile(r"^(\d{4}-\d{2}-\d{2})?\.?(\d{0,9})\.?(\d{0,9})\.?-?(.*)$", re.DOTALL)
_STATUS = re.compile(r"^[a-zA-Z][a-zA-Z0-9]*$")
_GROUP = ApiVersion(None, None, "group")  # stands for any group version: none is supported


def parse_api_version(text: str) -> ApiVersion | None:
    """``ApiVersion.TryParse``: the version ``text`` names, or None if it names none."""
    match = _PARSE.match(text)
    if not text or match is None:
        return None
    group, major, minor, status = match.groups()
    if status and not _STATUS.match(status):
        return None
    if group is not None:
        return _GROUP
    if not major and not minor:
        return None
    return ApiVersion(int(major) if major else None, int(minor) if minor else None,
                      status or None)


# The service's versions (ApiVersionsConvention.AllSupportedVersions) and what each means.
SUPPORTED = {ApiVersion(1, 0, "prerelease").key(): 1, ApiVersion(1, None, None).key(): 1,
             ApiVersion(2, None, None).key(): 2}
SUPPORTED_VERSIONS_HEADER = "1.0-prerelease, 1, 2"
_PREFIX_KEY, _VERSION_KEY = "dicom.api_prefix", "dicom.api_version"


def split_versioned(path: str) -> tuple[str, int, str] | None:
    """``(prefix, version, rest)`` for a path under a supported version, else None."""
    found = _split(path)
    if found is None:
        return None
    segment, version, rest = found
    number = SUPPORTED.get(version.key()) if version is not None else None
    return ("v" + segment[1:], number, rest) if number is not None else None


def _split(path: str) -> tuple[str, ApiVersion | None, str] | None:
    """``(segment, version, rest)`` when the first segment is ``v``/``V`` and something
    (version None if it does not parse); None when it does not start so. ``rest`` is
    the path below it, without the one trailing slash routing ignores."""
    segment, slash, rest = path[1:].partition("/")
    if len(segment) < 2 or segment[0] not in "vV":
        return None
    rest = slash + rest
    if len(rest) > 1 and rest.endswith("/"):
        rest = rest[:-1]
    return segment, parse_api_version(segment[1:]), rest


def api_prefix(request: Request) -> str:
    """The version prefix the request came in under, e.g. ``"v2"`` or ``"v1.0"``."""
    return str(request.scope[_PREFIX_KEY])


def api_version(request: Request) -> int:
    """1 or 2: the semantics the request's version prefix stands for."""
    return int(request.scope[_VERSION_KEY])


_SHORT_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _escaped_json(text: str) -> str:
    """A JSON string as System.Text.Json's default encoder writes it: quotes, HTML-sensitive
    characters, control characters and non-ASCII as ``\\uXXXX`` (upper-case hex)."""
    out = []
    for char in text:
        if char in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[char])
        elif char in "\"<>&'+`" or ord(char) < 0x20 or ord(char) > 0x7E:
            data = char.encode("utf-16-be")
            out += [f"\\u{data[i]:02X}{data[i + 1]:02X}" for i in range(0, len(data), 2)]
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def unsupported_version_response(url: str, version: ApiVersion) -> Response:
    """The library's 400 (``ClientErrorBuilder.Unmatched``, ``DefaultErrorResponseProvider``):
    ``innerError`` is null outside Development and left out (``WhenWritingNull``)."""
    message = (f"The HTTP resource that matches the request URI '{url}' does not support the "
               f"API version '{version}'.")
    body = '{"error":{"code":"UnsupportedApiVersion","message":' + _escaped_json(message) + "}}"
    return Response(body, status_code=400, media_type="application/json; charset=utf-8",
                    headers={"api-supported-versions": SUPPORTED_VERSIONS_HEADER})


def case_insensitive(route: Route) -> Route:
    """``route`` with its literals matched regardless of case (ASP.NET routing)."""
    route.path_regex = re.compile(route.path_regex.pattern, re.IGNORECASE)
    return route


class VersionedApi(BaseRoute):
    """Every route below ``/v{version}``: the version logic above, then ``routes``."""

    def __init__(self, routes: Sequence[Route]):
        self.routes = [case_insensitive(route) for route in routes]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        found = _split(scope["path"]) if scope["type"] == "http" else None
        if found is None:
            return Match.NONE, {}
        if found[1] is None:
            # Not a version (`/viewer`): claimed only when a route lies below it; else it
            # is the same 404 from the router, or a later route's (the OHIF viewer's).
            _, _, _, full, allowed = self.resolve(scope)
            if full is None and not allowed:
                return Match.NONE, {}
        return Match.FULL, {}

    def url_path_for(self, name: str, /, **path_params: object) -> URLPath:
        raise NotImplementedError  # the emulator builds its URLs in web.urls

    def resolve(self, scope: Scope) -> tuple[Scope, ApiVersion | None, int | None,
                                             tuple[Route, Scope] | None, list[str]]:
        """The child scope, the version (parsed, and its number if supported), the route
        that fully matches (None if none) and the methods of the routes that match the
        path only."""
        found = _split(scope["path"])
        assert found is not None
        segment, version, rest = found
        number = SUPPORTED.get(version.key()) if version is not None else None
        root = scope.get("root_path", "") + "/" + segment
        child = dict(scope, path=root + rest, root_path=root,
                     **{_PREFIX_KEY: "v" + segment[1:], _VERSION_KEY: number})
        full: tuple[Route, Scope] | None = None
        allowed: list[str] = []
        if version is not None:
            for route in self.routes:
                match, route_scope = route.matches(child)
                if match is Match.FULL:
                    full = (route, route_scope)
                    break
                if match is Match.PARTIAL:
                    allowed += [m for m in route.methods or () if m not in allowed + ["HEAD"]]
        return child, version, number, full, allowed

    def reaches_an_endpoint(self, scope: Scope) -> bool:
        """Whether the request gets to a route's handler (a supported version and a route
        for its path and method), where the service's authorization filter runs; the
        library's 400 and routing's 404 and 405 come before it."""
        if self.matches(scope)[0] is not Match.FULL:
            return False
        _, _, number, full, _ = self.resolve(scope)
        return number is not None and full is not None

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        child, version, number, full, allowed = self.resolve(scope)
        if full is not None and number is not None:
            route, route_scope = full
            child.update(route_scope)
            await _reporting_versions(route, child, receive, send)
            return
        if full is not None and version is not None:
            url = Request(scope).url
            response = unsupported_version_response(
                f"{url.scheme}://{url.netloc}{scope['path']}", version)
        elif allowed:
            response = status_only(405, {"Allow": ", ".join(allowed)})
        else:
            response = status_only(404)
        await response(scope, receive, send)


def reaches_an_endpoint(scope: Scope) -> bool:
    """:meth:`VersionedApi.reaches_an_endpoint` for the app the request is in."""
    return any(isinstance(route, VersionedApi) and route.reaches_an_endpoint(scope)
               for route in scope["app"].router.routes)


async def _reporting_versions(route: Route, scope: Scope, receive: Receive, send: Send) -> None:
    """Run ``route`` with ``api-supported-versions`` added to its response."""

    async def send_with_header(message: dict[str, object]) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))  # type: ignore[call-overload]
            headers.append((b"api-supported-versions", SUPPORTED_VERSIONS_HEADER.encode()))
            message = dict(message, headers=headers)
        await send(message)

    await route.handle(scope, receive, send_with_header)  # type: ignore[arg-type]
