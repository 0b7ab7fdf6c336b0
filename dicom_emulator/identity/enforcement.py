"""Who may call what: authentication (401) and the data-action check (403).

Only the versioned API under a supported version (``/v1.0-prerelease``, ``/v1``, ``/v2``
and their aliases such as ``/v1.0``, ``/V2``: ``web.versions.split_versioned``) is
protected; health and the identity endpoints are open, as on Azure, and so is the
versioning library's 400 for an unsupported version (an endpoint of its own, before MVC's
authorization filter). The data action a request needs comes from :data:`DATA_ACTIONS`,
the one table keyed on the route family (the first path segment after the version, or
after ``partitions/{name}``) and the method. A request the table does not map is only
authenticated. A request that reaches no route (404, 405) is not checked at all: the
service's authentication requirement is an MVC filter (``SecurityModule``:
``AuthorizeFilter``), which runs only for a matched action. Only authenticated is, for
Route families whose handlers run a filter first (data partitions: the service's
``PopulateDataPartitionFilterAttribute`` and ``PartitionController`` answer 400 before
the handler's data-action check) are only authenticated here; their endpoints call
:func:`check_data_action` after the filter (:func:`enforced_action`).
"""

from __future__ import annotations

from collections.abc import Collection

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from dicom_emulator.errors import DicomServiceError, ForbiddenError, UnauthorizedError
from dicom_emulator.identity.roles import DataAction
from dicom_emulator.identity.service import Identity
from dicom_emulator.identity.tokens import AUDIENCE, Caller, TokenRejectedError
from dicom_emulator.web.responses import dicom_error_response
from dicom_emulator.web.versions import reaches_an_endpoint
from dicom_emulator.web.versions import split_versioned as split_version

READ, WRITE, DELETE = DataAction.READ, DataAction.WRITE, DataAction.DELETE
MANAGE_EQT, EXPORT = DataAction.MANAGE_EXTENDED_QUERY_TAGS, DataAction.EXPORT
_DICOMWEB = {"GET": READ, "POST": WRITE, "PUT": WRITE, "DELETE": DELETE}
CALLER = "dicom.caller"  # the scope key of the verified caller

DATA_ACTIONS: dict[str, dict[str, DataAction]] = {
    # DICOMweb: STOW is POST and its upsert PUT (both writes), WADO/QIDO are GET, delete
    # is DELETE; bulk update (POST studies/$bulkUpdate) is a write as well.
    "studies": _DICOMWEB,
    "series": _DICOMWEB,
    "instances": _DICOMWEB,
    "changefeed": {"GET": READ},
    "extendedquerytags": {"GET": READ, "POST": MANAGE_EQT, "PATCH": MANAGE_EQT,
                          "DELETE": MANAGE_EQT},
    "operations": {"GET": READ},
    "export": {"POST": EXPORT},
    "partitions": {"GET": READ},
    "workitems": {"GET": READ, "POST": WRITE, "PUT": WRITE},
}


def split_versioned(path: str) -> tuple[str, str] | None:
    """``(prefix, rest)`` for a path under a supported API version, else None."""
    found = split_version(path)
    return (found[0], found[2]) if found is not None else None


def _segments(path: str) -> list[str]:
    return [s.lower() for s in path.split("/") if s]  # route literals are case-insensitive


def route_family(path: str) -> str:
    """The family of a path below the version prefix (``/studies/1.2/series`` → studies)."""
    segments = _segments(path)
    if len(segments) > 2 and segments[0] == "partitions":
        segments = segments[2:]
    return segments[0] if segments else ""


def required_action(method: str, path: str) -> DataAction | None:
    """The data action ``method`` on ``path`` (below the version prefix) needs, if mapped."""
    # HEAD is a GET without a body (Starlette answers it for every GET route).
    method = "GET" if method == "HEAD" else method
    return DATA_ACTIONS.get(route_family(path), {}).get(method)


def enforced_action(method: str, path: str,
                    deferred: Collection[str] = ()) -> DataAction | None:
    """The data action checked before the handler: :func:`required_action`, except under
    ``partitions`` and in the ``deferred`` families (``studies``…), whose endpoints check
    it themselves after the data partitions filter (:func:`check_data_action`)."""
    segments = _segments(path)
    if segments[:1] == ["partitions"] or route_family(path) in deferred:
        return None
    return required_action(method, path)


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header; other schemes count as none."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def challenge(request: Request, identity: Identity, error: TokenRejectedError | None) -> str:
    """The ``WWW-Authenticate`` value (``SecurityModule.cs`` challenge, ASP.NET errors)."""
    authority = f"{request.url.scheme}://{request.url.netloc}/{identity.tenant_id}"
    value = (f'Bearer authorization_uri="{authority}", resource_id="{AUDIENCE}", '
             f'realm="{AUDIENCE}"')
    if error is not None:
        value += ', error="invalid_token"'
        if error.description:
            value += f', error_description="{error.description}"'
    return value


def authorize(request: Request, identity: Identity, action: DataAction | None) -> Caller:
    """The caller, if its token is valid and its roles grant ``action``.

    Raises
    ------
    UnauthorizedError
        401: no token, or a token that fails verification.
    ForbiddenError
        403: a valid token whose principal lacks the data action.
    """
    token = bearer_token(request)
    if token is None:
        raise UnauthorizedError(headers={"WWW-Authenticate": challenge(request, identity, None)})
    try:
        caller = identity.verify(token)
    except TokenRejectedError as error:
        raise UnauthorizedError(
            headers={"WWW-Authenticate": challenge(request, identity, error)}) from error
    _require_action(identity, caller, action)
    return caller


def _require_action(identity: Identity, caller: Caller, action: DataAction | None) -> None:
    # Read on every request, so role changes made meanwhile apply at once.
    if action is not None and not any(
            role.grants(action) for role in identity.directory.roles_of(caller.object_id)):
        raise ForbiddenError("Authorization failed.")


async def check_data_action(request: Request, identity: Identity) -> None:
    """The data-action check of a request the middleware only authenticated (a deferred
    family); nothing when auth is off (no caller was verified).

    Raises
    ------
    ForbiddenError
        403: the caller's roles lack the data action the route needs.
    """
    caller = request.scope.get(CALLER)
    versioned = split_versioned(request.scope["path"])
    if caller is None or versioned is None:
        return
    action = required_action(request.method, versioned[1])
    await run_in_threadpool(_require_action, identity, caller, action)


class AuthEnforcement:
    """ASGI middleware: authenticate and authorize every versioned request.

    The verified caller is left in ``scope["dicom.caller"]`` for the handlers. Requests
    in the ``deferred`` route families are only authenticated (see :func:`enforced_action`).
    """

    def __init__(self, app: ASGIApp, identity: Identity, deferred: Collection[str] = ()):
        self.app = app
        self.identity = identity
        self.deferred = frozenset(deferred)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            versioned = split_versioned(scope["path"])
            if versioned is not None and reaches_an_endpoint(scope):
                request = Request(scope, receive)
                action = enforced_action(scope["method"], versioned[1], self.deferred)
                try:
                    # In a worker thread: the caller's roles are read from the directory's
                    # SQLite file on every request (the CLI may change them meanwhile).
                    scope[CALLER] = await run_in_threadpool(
                        authorize, request, self.identity, action)
                except DicomServiceError as error:
                    response = await dicom_error_response(request, error)
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)
