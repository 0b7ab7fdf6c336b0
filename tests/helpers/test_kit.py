"""``python -m helpers.kit``: the tasks' commands (dry runs), and serve, stop and reset for
real, with two checkouts' data dirs and two live emulators."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from helpers import kit
from helpers.config import Settings
from helpers.emulator.process import (
    PID_FILE,
    ForeignEmulatorError,
    ensure_emulator,
    is_running,
    served_emulator,
    stop_emulator,
)
from tests.support.paths import REPO


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("command", ["lab", "test", "test-fast", "demo"])
def test_dry_runs_print_and_run_nothing(command: str, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(subprocess, "call", lambda *a, **k: pytest.fail("ran something"))
    assert kit.main([command, "--dry-run"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed == ["+ " + " ".join(f"'{a}'" if " " in a else a for a in step)
                       for step in kit.steps(command)]
    assert all(step[0] == sys.executable for step in kit.steps(command))


def test_extra_arguments_go_to_pytest() -> None:
    assert kit.steps("test-fast", ["-k", "blobs"])[-1][-2:] == ["-k", "blobs"]
    assert kit.steps("test", ["-x"])[2][-1] == "-x"  # the pytest step, not the notebook lint


def test_test_fast_is_the_fast_tier() -> None:
    assert kit.steps("test-fast")[-1][-2:] == ["-m", "not live and not slow"]


def test_reset_refuses_to_wipe_the_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DICOM_EMULATOR_DATA_DIR", str(REPO))
    assert kit.main(["reset"]) == 1
    assert (REPO / "README.md").is_file()


def test_lab_overrides_turn_the_news_off_and_save_widget_state(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import jupyterlab.commands

    monkeypatch.setattr(jupyterlab.commands, "get_app_dir", lambda: str(tmp_path))
    (tmp_path / "settings").mkdir()
    (tmp_path / "settings" / "overrides.json").write_text('{"other": {"x": 1}}')
    import json

    written = json.loads(kit.install_lab_overrides().read_text())
    assert written["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    assert written["@jupyter-widgets/jupyterlab-manager:plugin"]["saveState"] is True
    assert written["other"] == {"x": 1}  # someone else's overrides are kept


# --- live: real emulators -------------------------------------------------------------------

@pytest.fixture
def first(tmp_path: Path) -> Iterator[Settings]:
    """The first checkout's emulator, started as a notebook starts it."""
    settings = Settings(emulator_data_dir=tmp_path / "first", emulator_port=_free_port())
    ensure_emulator(settings)
    yield settings
    stop_emulator(settings)


def _use(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    monkeypatch.setenv("DICOM_EMULATOR_DATA_DIR", str(settings.emulator_data_dir))
    monkeypatch.setenv("DICOM_EMULATOR_PORT", str(settings.emulator_port))


@pytest.mark.live
def test_serve_when_a_notebook_started_it_says_where(
        first: Settings, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    _use(monkeypatch, first)
    assert kit.main(["serve"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"already running at http://127.0.0.1:{first.emulator_port} "
                          f"(data dir {first.emulator_data_dir.resolve()})")


@pytest.mark.live
def test_a_second_checkout_refuses_the_first_ones_emulator(
        first: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    second = Settings(emulator_data_dir=tmp_path / "second", emulator_port=first.emulator_port)
    with pytest.raises(ForeignEmulatorError) as raised:
        ensure_emulator(second)
    message = str(raised.value)
    assert str(first.emulator_data_dir.resolve()) in message
    assert "DICOM_EMULATOR_PORT" in message and "python -m helpers.kit stop" in message
    assert "\n" not in message  # one paragraph

    _use(monkeypatch, second)
    assert kit.main(["serve"]) == 1
    assert kit.main(["stop"]) == 0  # says so, and leaves the other one alone
    out = capsys.readouterr().out
    assert "no emulator of this checkout was running" in out
    assert f"served by another one: local emulator at http://127.0.0.1:{first.emulator_port}" \
        in out
    assert is_running(f"http://127.0.0.1:{first.emulator_port}")

    # On a port of its own, the second checkout has its own emulator, data and tenant.
    own = Settings(emulator_data_dir=second.emulator_data_dir, emulator_port=_free_port())
    try:
        url = ensure_emulator(own)
        mine, theirs = served_emulator(url), served_emulator(
            f"http://127.0.0.1:{first.emulator_port}")
        assert mine is not None and theirs is not None
        assert mine.serves(own.emulator_data_dir) and not theirs.serves(own.emulator_data_dir)
        assert mine.pid != theirs.pid
        tenants = {requests.get(f"{u}/admin/identity", timeout=5).json()["tenant"]
                   for u in (url, theirs.url)}
        assert len(tenants) == 2
    finally:
        stop_emulator(own)


@pytest.mark.live
def test_stop_keeps_the_data_and_reset_wipes_it(
        first: Settings, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    _use(monkeypatch, first)
    url = f"http://127.0.0.1:{first.emulator_port}"
    assert kit.main(["stop"]) == 0
    assert "emulator stopped" in capsys.readouterr().out
    assert not is_running(url)
    assert (first.emulator_data_dir / "index.sqlite").is_file()

    ensure_emulator(first)
    assert kit.main(["reset"]) == 0
    assert not is_running(url)
    assert not first.emulator_data_dir.exists()


@pytest.mark.live
def test_serve_and_stop_from_a_terminal(tmp_path: Path) -> None:
    """``python -m helpers.kit serve`` in the foreground, ``stop`` from another terminal."""
    port = _free_port()
    env = {**os.environ, "DICOM_EMULATOR_DATA_DIR": str(tmp_path / "d"),
           "DICOM_EMULATOR_PORT": str(port), "PYTHONPATH": str(REPO)}
    serving = subprocess.Popen([sys.executable, "-u", "-m", "helpers.kit", "serve"], env=env,
                               cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert serving.stdout is not None
        lines = [serving.stdout.readline() for _ in range(2)]
        assert f"ready at http://127.0.0.1:{port}" in lines[1]
        stopped = subprocess.run([sys.executable, "-m", "helpers.kit", "stop"], env=env,
                                 cwd=REPO, capture_output=True, text=True, timeout=30)
        assert stopped.stdout.startswith("emulator stopped"), stopped
        assert serving.wait(timeout=15) == 0
        assert not (tmp_path / "d" / PID_FILE).exists()
    finally:
        serving.kill()
        serving.wait()
