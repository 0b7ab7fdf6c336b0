"""The hostile-request run: every route of the app, hostile paths, queries and bodies.

In-process (the real app through Starlette's test client, raise_server_exceptions off so
a 500 is an answer, not an exception), because a hostile URL of a megabyte is the app's
business here; the HTTP server's own limits are tested live (``test_limits``). A canary
file beside the data dir, and the files there, show whether anything was read or written
outside it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode

import httpx2
from starlette.testclient import TestClient

from dicom_emulator import EmulatorSettings, create_app
from tests.reliability import route_table
from tests.reliability.hostile_requests import Request, requests_for
from tests.reliability.tally import Tally
from tests.support.datasets import make_dataset, to_bytes
from tests.support.stow import multipart_stow

CANARY = "canary-7f3e9a1c-outside-the-data-dir"
# Everything the service answers a bad request with; never a 5xx.
STATUSES = frozenset({200, 201, 202, 204, 304, 400, 401, 403, 404, 405, 406, 409, 413, 414,
                      415, 431})


def _seed(client: TestClient) -> dict[str, str]:
    ds = make_dataset(NumberOfFrames="2", PixelData=b"\0" * 256)
    body, headers = multipart_stow(to_bytes(ds))
    assert client.post("/v2/studies", content=body, headers=headers).status_code == 200
    identity = client.app.state.components.identity  # type: ignore[attr-defined]
    return {"study": ds.StudyInstanceUID, "series": ds.SeriesInstanceUID,
            "instance": ds.SOPInstanceUID, "frames": "1", "tagPath": "00101010",
            "operationId": "0" * 32, "tenant": identity.tenant_id,
            "partitionName": "Microsoft.Default"}


def _raw_call(client: TestClient, request: Request) -> tuple[int, bytes]:
    """``request`` sent to the ASGI app itself on the client's event loop."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": request.method, "scheme": "http", "path": unquote(request.path),
             "raw_path": request.path.encode(), "root_path": "",
             "query_string": urlencode(request.query).encode(),
             "headers": [(k.lower().encode(), v.encode("latin-1", "replace"))
                         for k, v in request.headers.items()],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80),
             "app": client.app, "state": {}}
    sent: list[dict[str, Any]] = []
    body = request.body or b""

    async def call() -> None:
        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await client.app(scope, receive, send)  # type: ignore[arg-type]

    assert client.portal is not None
    try:
        client.portal.call(call)
    except Exception:  # noqa: BLE001 (Starlette re-raises after sending its 500)
        if not sent:
            return 500, b""
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], b"".join(m.get("body", b"") for m in sent
                                     if m["type"] == "http.response.body")


def _outside(root: Path, data_dir: Path) -> dict[str, float]:
    return {str(p): p.stat().st_mtime for p in root.rglob("*")
            if data_dir not in p.parents and p != data_dir}


def run(root: Path, seed: int, count: int) -> tuple[Tally, list[str]]:
    """Send ``count`` hostile requests to an app on ``root/emulator``; returns the tally and
    what was read or written outside the data dir."""
    data_dir = root / "emulator"
    root.mkdir(parents=True, exist_ok=True)
    (root / "canary.txt").write_text(CANARY)
    settings = EmulatorSettings(data_dir=data_dir, auth=False)
    tally, leaks = Tally(), []
    with TestClient(create_app(settings), base_url="http://127.0.0.1",
                    client=("127.0.0.1", 50000), raise_server_exceptions=False) as client:
        known = _seed(client)
        before = _outside(root, data_dir)
        routes = route_table.routes_of(list(client.app.routes))  # type: ignore[attr-defined]
        for request in requests_for(routes, known, seed, count):
            try:
                response = client.request(request.method, request.path, params=request.query,
                                          headers=request.headers, content=request.body)
                status, content = response.status_code, response.content
            except httpx2.InvalidURL:
                # Longer than an HTTP client writes (64 KB): straight to the app, as a server
                # without a line limit would pass it.
                status, content = _raw_call(client, request)
            tally.record(request.kind, status, STATUSES,
                         f"{request.method} {request.path[:150]} {str(request.query)[:150]} "
                         f"({request.detail})")
            if CANARY.encode() in content or b"root:x:0:0" in content:
                leaks.append(f"read outside: {request.method} {request.path[:200]}")
        after = _outside(root, data_dir)
    leaks += [f"written outside: {name}" for name in sorted(set(after) - set(before))]
    leaks += [f"changed outside: {n}" for n in sorted(before) if after.get(n) != before[n]]
    return tally, leaks
