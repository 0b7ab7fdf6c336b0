"""A notebook's client when the emulator stops under it, restarts, or comes back wiped."""

from __future__ import annotations

import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.client import make_client, make_session
from helpers.config import Settings
from helpers.emulator.connection import EmulatorNotRunningError, RenewingEmulatorAuth
from helpers.emulator.process import emulator_url, ensure_emulator, stop_emulator

pytestmark = pytest.mark.live


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def local(tmp_path: Path) -> Iterator[Settings]:
    settings = Settings(emulator_data_dir=tmp_path / "emulator", emulator_port=_free_port())
    ensure_emulator(settings)
    yield settings
    stop_emulator(settings)


def test_a_stopped_emulator_fails_fast_with_one_line_of_advice(local: Settings) -> None:
    client = make_client(local)
    session = make_session(local)
    assert client.search_for_studies() == []
    stop_emulator(local)

    for call in (client.search_for_studies,
                 lambda: session.get(f"{emulator_url(local)}/v2/studies", timeout=5)):
        started = time.monotonic()
        with pytest.raises(EmulatorNotRunningError) as raised:
            call()
        assert time.monotonic() - started < 3  # not dicomweb-client's 30 s of retries
        message = str(raised.value)
        assert "\n" not in message and "Re-run this notebook's first cell" in message
        assert raised.value.__cause__ is None and raised.value.__suppress_context__

    ensure_emulator(local)  # what re-running the first cell does
    assert client.search_for_studies() == []  # same data dir, same keys: the token still works
    assert isinstance(client._session.auth, RenewingEmulatorAuth)
    assert client._session.auth.renewals == 0


def test_after_a_reset_the_stale_token_is_renewed(local: Settings) -> None:
    client = make_client(local)
    client.search_for_studies()
    auth = client._session.auth
    assert isinstance(auth, RenewingEmulatorAuth)
    old_tenant = auth.credential.token_url  # type: ignore[attr-defined]

    stop_emulator(local)
    shutil.rmtree(local.emulator_data_dir)  # make reset
    ensure_emulator(local)  # another notebook's first cell: a new tenant, new keys

    assert client.search_for_studies() == []  # no bare 401
    assert auth.renewals == 1
    assert auth.credential.token_url != old_tenant  # type: ignore[attr-defined]
