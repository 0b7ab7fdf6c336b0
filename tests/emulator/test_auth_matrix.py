"""Every versioned route × every kind of caller: the exact status, as Azure would answer.

The routes come from the URL table (``dicom_routes()``), so a route added later is in the
matrix automatically, and fails it if the data-action table does not map it. Where a
caller is allowed, the expected status is what the same request gets from an identical
emulator with auth off (404 for an unknown study, 204 for an empty search, 415 for a STOW
without a body…): enforcement must add nothing but 401 and 403. No request in the matrix
changes state, so both emulators stay identical.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from dicom_emulator import EmulatorSettings, create_app
from dicom_emulator.identity.enforcement import required_action
from dicom_emulator.routes import dicom_routes, partition_routes
from tests.support.tokens import claims_for, forged, get_token, identity_of, new_app, sign

# Values for the path parameters of the URL table; anything else gets "1".
PATH_VALUES = {"study": "1.2.3", "series": "1.2.3.4", "instance": "1.2.3.4.5", "frames": "1",
               "tagPath": "00101010", "operationId": "0123456789abcdef0123456789abcdef"}
# The service's API versions and their aliases (spelled out: a prefix the emulator dropped
# must fail here).
API_PREFIXES = ("v1.0-prerelease", "v1", "v2", "v1.0", "v2.0")
CALLERS = ("no token", "expired", "wrong audience", "forged", "no role", "Reader", "Owner")


def _endpoints(routes: list[Route] | None = None) -> list[tuple[str, str]]:
    """(method, path template) for every route below a version prefix."""
    found = []
    for route in dicom_routes() if routes is None else routes:
        assert isinstance(route, Route), f"not a plain Route, extend this test: {route!r}"
        found += [(method, route.path) for method in sorted(route.methods or ())]
    return found


ENDPOINTS = _endpoints()
PARTITION_ENDPOINTS = _endpoints(partition_routes())


def _concrete(template: str) -> str:
    route = Route(template, endpoint=lambda request: None)
    return route.path_format.format(**{name: PATH_VALUES.get(name, "1")
                                       for name in route.param_convertors})


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, TestClient]]:
    """(auth on, auth off): two fresh emulators on their own data dirs."""
    base: Path = tmp_path_factory.mktemp("matrix")
    with TestClient(create_app(EmulatorSettings(data_dir=base / "on", auth=True)),
                    base_url="http://127.0.0.1", client=("127.0.0.1", 50000)) as on, \
         TestClient(create_app(EmulatorSettings(data_dir=base / "off", auth=False)),
                    base_url="http://127.0.0.1") as off:
        yield on, off


@pytest.fixture(scope="module")
def headers(apps: tuple[TestClient, TestClient]) -> dict[str, dict[str, str]]:
    """The Authorization header each caller sends."""
    on, _ = apps
    identity = identity_of(on)
    owner = new_app(on, "matrix-owner", "DICOM Data Owner")
    reader = new_app(on, "matrix-reader", "DICOM Data Reader")
    nobody = new_app(on, "matrix-no-role")
    owner_oid = identity.directory.find_principal(owner["appId"]).object_id  # type: ignore[union-attr]
    now = int(time.time())
    tokens = {
        "expired": sign(identity, claims_for(identity, owner_oid, iat=now - 7200,
                                             nbf=now - 7200, exp=now - 3600)),
        "wrong audience": sign(identity, claims_for(identity, owner_oid,
                                                    aud="https://management.azure.com")),
        "forged": forged(identity, claims_for(identity, owner_oid)),
        "no role": get_token(on, nobody),
        "Reader": get_token(on, reader),
        "Owner": get_token(on, owner),
    }
    return {"no token": {}} | {k: {"Authorization": f"Bearer {v}"} for k, v in tokens.items()}


def test_every_route_has_a_data_action() -> None:
    unmapped = [(m, p) for m, p in ENDPOINTS if required_action(m, p) is None]
    assert not unmapped, f"add these to enforcement.DATA_ACTIONS: {unmapped}"


def _expected(caller: str, method: str, open_status: int) -> int:
    """The spec's reading, independent of the enforcement table: the Reader role grants
    exactly the reads, and every read of the API is a GET (or HEAD)."""
    if caller in ("no token", "expired", "wrong audience", "forged"):
        return 401
    if caller == "no role" or (caller == "Reader" and method not in ("GET", "HEAD")):
        return 403
    return open_status


@pytest.mark.parametrize(("method", "template"), ENDPOINTS,
                         ids=[f"{m} {p}" for m, p in ENDPOINTS])
def test_route_by_caller(apps: tuple[TestClient, TestClient],
                         headers: dict[str, dict[str, str]], method: str, template: str) -> None:
    on, off = apps
    got, want = {}, {}
    for prefix in API_PREFIXES:
        path = f"/{prefix}{_concrete(template)}"
        open_status = off.request(method, path).status_code
        assert open_status not in (401, 403), f"{method} {path} is {open_status} with auth off"
        for caller in CALLERS:
            response = on.request(method, path, headers=headers[caller])
            got[prefix, caller] = response.status_code
            want[prefix, caller] = _expected(caller, method, open_status)
            if response.status_code == 401:
                assert response.content == b""
                assert response.headers["www-authenticate"].startswith("Bearer authorization_uri=")
            if response.status_code == 403 and method != "HEAD":
                assert response.text == "Authorization failed."
    assert got == want


def test_unversioned_routes_are_open(apps: tuple[TestClient, TestClient]) -> None:
    on, _ = apps
    tenant = identity_of(on).tenant_id
    assert on.get("/health/check").status_code == 200
    assert on.get(f"/{tenant}/v2.0/.well-known/openid-configuration").status_code == 200
    assert on.get(f"/{tenant}/discovery/v2.0/keys").status_code == 200


def test_no_route_is_answered_without_a_token(
        apps: tuple[TestClient, TestClient], headers: dict[str, dict[str, str]]) -> None:
    """The service's authentication requirement is an MVC filter (``AuthorizeFilter`` in
    ``SecurityModule``): routing's 404 and 405 come before it, with or without a token."""
    on, _ = apps
    for caller in ("no token", "forged", "no role"):
        assert on.get("/v2/nothing-here", headers=headers[caller]).status_code == 404
        assert on.get("/v2.0/studies/1.2.3/nothing", headers=headers[caller]).status_code == 404
        assert on.delete("/v2/changefeed", headers=headers[caller]).status_code == 405
    # A route that exists, in any spelling of a supported version, needs a token.
    for path in ("/v2/studies", "/V2.0/Studies/", "/v1.0-PRERELEASE/changefeed"):
        assert on.get(path).status_code == 401, path


@pytest.mark.parametrize(("method", "template"), PARTITION_ENDPOINTS,
                         ids=[f"{m} {p}" for m, p in PARTITION_ENDPOINTS])
def test_partition_route_by_caller(apps: tuple[TestClient, TestClient],
                                   headers: dict[str, dict[str, str]], method: str,
                                   template: str) -> None:
    """Data partitions off: the service's 400 (an action filter, or the controller) comes
    after authentication and before any data-action check, so every valid token gets it."""
    on, off = apps
    for prefix in ("v1", "v2.0"):
        path = f"/{prefix}{_concrete(template)}"
        assert off.request(method, path).status_code == 400
        got = {caller: on.request(method, path, headers=headers[caller]).status_code
               for caller in CALLERS}
        assert got == {caller: 401 if caller in ("no token", "expired", "wrong audience",
                                                 "forged") else 400 for caller in CALLERS}


def test_unsupported_version_is_answered_without_a_token(
        apps: tuple[TestClient, TestClient]) -> None:
    """The versioning library's 400 is an endpoint of its own, not an MVC action: the
    authorization filter never runs."""
    on, _ = apps
    response = on.get("/v3/studies")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "UnsupportedApiVersion"
