"""The launcher's platform branches (helpers._platform), Windows and macOS by simulation:
``sys.platform`` monkeypatched and the process table (``ps``, ``tasklist``) faked."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import _platform
from helpers.config import Settings
from helpers.emulator import process

Table = Callable[[list[str]], subprocess.CompletedProcess[str]]


def _table(rows: dict[str, tuple[int, str]]) -> Table:
    """A fake ``_run``: the first word of the command picks (returncode, stdout)."""
    def run(args: list[str]) -> subprocess.CompletedProcess[str]:
        code, out = rows.get(args[0], (1, ""))
        return subprocess.CompletedProcess(args, code, out, "")
    return run


def test_posix_children_get_their_own_session(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert _platform.detached_popen_kwargs() == {"start_new_session": True}


def test_windows_children_get_no_console_and_their_own_group(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    kwargs = _platform.detached_popen_kwargs()
    assert set(kwargs) == {"creationflags"}  # start_new_session is ignored there
    assert kwargs["creationflags"] & 0x200 and kwargs["creationflags"] & 0x8


@pytest.mark.parametrize(("stdout", "expected"), [
    ("Ss   /x/.venv/bin/python -m dicom_emulator serve --port 8080\n", True),
    ("Z    (python3.11)\n", False),  # an exited child its parent has not reaped: gone
    ("S    /usr/bin/vim notes.txt\n", False),  # the pid was reused by another program
])
def test_macos_reads_ps(monkeypatch: pytest.MonkeyPatch, stdout: str, expected: bool) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr(_platform, "_run", _table({"ps": (0, stdout)}))
    assert _platform.is_process_of(4242, "dicom_emulator") is expected


def test_macos_missing_pid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr(_platform, "_run", _table({"ps": (1, "")}))
    assert _platform.process_info(4242) is None


def test_windows_reads_tasklist_and_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(_platform, "_run", _table({
        "tasklist": (0, '"python.exe","4242","Console","1","61,240 K"\r\n'),
        "powershell": (0, r"C:\kit\.venv\Scripts\python.exe -m dicom_emulator serve" "\r\n"),
    }))
    assert _platform.is_process_of(4242, "dicom_emulator")


def test_windows_missing_pid_is_never_signalled(monkeypatch: pytest.MonkeyPatch) -> None:
    """On Windows os.kill(pid, 0) would terminate the process: existence is tasklist's."""
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(_platform, "_run", _table({
        "tasklist": (0, "INFO: No tasks are running which match the specified criteria.\r\n")}))
    monkeypatch.setattr(_platform.os, "kill", _forbidden)
    assert _platform.process_info(4242) is None


def test_windows_unrelated_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(_platform, "_run", _table({
        "tasklist": (0, '"Teams.exe","4242","Console","1","161,240 K"\r\n'),
        "powershell": (0, r'"C:\Program Files\Teams\Teams.exe" --system' "\r\n")}))
    assert not _platform.is_process_of(4242, "dicom_emulator")


def _forbidden(*args: object) -> None:
    raise AssertionError(f"signalled {args}")


@pytest.mark.parametrize("platform_name", ["linux", "darwin", "win32"])
def test_a_stale_pid_file_never_signals_an_unrelated_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, platform_name: str) -> None:
    settings = Settings(emulator_data_dir=tmp_path, emulator_port=9)  # nothing serves port 9
    (tmp_path / process.PID_FILE).write_text("4242")
    monkeypatch.setattr(sys, "platform", platform_name)
    monkeypatch.setattr(_platform, "_proc_process", lambda pid: _platform.ProcessInfo("bash"))
    monkeypatch.setattr(_platform, "_run", _table({
        "ps": (0, "S  /bin/bash\n"),
        "tasklist": (0, '"bash.exe","4242","Console","1","1 K"\r\n'),
        "powershell": (0, "bash.exe\r\n")}))
    monkeypatch.setattr(_platform.os, "kill", _forbidden)

    assert process.stop_emulator(settings) is False
    assert not (tmp_path / process.PID_FILE).exists()  # stale: removed


@pytest.mark.live  # starts a (non-emulator) process
def test_a_real_stale_pid_file_spares_the_process_that_has_the_pid(tmp_path: Path) -> None:
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / process.PID_FILE).write_text(str(bystander.pid))
        assert process.stop_emulator(Settings(emulator_data_dir=tmp_path,
                                              emulator_port=9)) is False
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()


def test_macos_zombie_counts_as_stopped_at_once(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """After SIGTERM the emulator is a zombie its parent (a kernel) never reaps: gone."""
    monkeypatch.setattr(sys, "platform", "darwin")
    states = iter(["S  python -m dicom_emulator serve\n"])
    monkeypatch.setattr(_platform, "_run", lambda args: subprocess.CompletedProcess(
        args, 0, next(states, "Z  (python3.11)\n"), ""))
    signalled: list[int] = []
    monkeypatch.setattr(_platform, "terminate", signalled.append)
    monkeypatch.setattr(process, "terminate", signalled.append)
    monkeypatch.setattr(process, "force_kill", _forbidden)
    (tmp_path / process.PID_FILE).write_text("4242")

    started = time.monotonic()
    assert process.stop_emulator(Settings(emulator_data_dir=tmp_path, emulator_port=9))
    assert time.monotonic() - started < 2
    assert signalled == [4242]
