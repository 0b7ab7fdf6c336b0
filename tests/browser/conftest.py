"""A web server on another origin for the CORS and sign-in tests (the browser is the
session's one, in ``tests/conftest.py``).

Without Chromium (or Playwright) the tests are skipped with the reason, except under
``CI=true``, where a missing browser is a failure: CI must run them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest


class _Quiet(SimpleHTTPRequestHandler):
    # Pages without an extension (``/callback``) are HTML, not a download.
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, "": "text/html"}

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base's name)
        pass


@pytest.fixture
def static_site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A web server on another origin (another port) serving a folder: (origin, folder)."""
    folder = tmp_path / "site"
    folder.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", folder
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
