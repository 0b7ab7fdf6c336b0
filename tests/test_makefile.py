"""The Makefile: targets call ``python -m helpers.kit``; two builds of .venv at once make
one build (flock, or the mkdir lock where there is no flock, as on macOS).

A fake ``python3`` stands in for the real one: its "venv" is a ``.venv/bin/python`` that
logs its arguments and takes a second per ``pip install``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import REPO

pytestmark = [pytest.mark.slow,  # a few seconds of make and sh
              pytest.mark.skipif(shutil.which("make") is None or sys.platform == "win32",
                                 reason="needs make and a POSIX shell")]

FAKE_PYTHON = """#!/bin/sh
# "python3 -m venv .venv": make a .venv/bin/python that logs what it is asked to run.
mkdir -p .venv/bin
cat > .venv/bin/python <<'INNER'
#!/bin/sh
echo "$@" >> calls.log
case "$*" in *"pip install"*) sleep 1 ;; esac
INNER
chmod +x .venv/bin/python
"""


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    for name in ("Makefile", "requirements.txt", "pyproject.toml"):
        shutil.copy(REPO / name, tmp_path / name)
    fake = tmp_path / "fake-python3"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(0o755)
    return tmp_path


def _make(checkout: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(["make", "--no-print-directory", f"PYTHON={checkout}/fake-python3",
                             *args], cwd=checkout, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


@pytest.mark.parametrize("flock", [None, ""], ids=["flock", "mkdir-lock"])
def test_two_makes_at_once_build_the_venv_once(checkout: Path, flock: str | None) -> None:
    if flock is None and shutil.which("flock") is None:
        pytest.skip("no flock here")
    extra = [] if flock is None else ["FLOCK="]
    first, second = _make(checkout, "test-fast", *extra), _make(checkout, "test-fast", *extra)
    outputs = [p.communicate(timeout=60)[0] for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outputs
    calls = (checkout / "calls.log").read_text().splitlines()
    assert calls.count("-m pip install --quiet -r requirements.txt") == 1
    assert calls.count("-m helpers.kit test-fast") == 2
    assert not (checkout / ".venv.lock.d").exists()


def test_targets_run_the_kit_and_echo_no_recipe(checkout: Path) -> None:
    for target in ("lab", "serve", "stop", "status", "demo", "test-fast"):
        done = _make(checkout, target)
        out = done.communicate(timeout=60)[0]
        assert done.returncode == 0
        assert ".venv/bin/python" not in out  # recipes are not echoed (@)
    calls = (checkout / "calls.log").read_text().splitlines()
    kit = [c for c in calls if "helpers.kit" in c]
    assert kit == [f"-m helpers.kit {t}" for t in
                   ("lab", "serve", "stop", "status", "demo", "test-fast")]


def test_reset_passes_the_data_dir(checkout: Path) -> None:
    _make(checkout, "lab").communicate(timeout=60)
    (checkout / ".venv/bin/python").write_text(
        '#!/bin/sh\necho "$DICOM_EMULATOR_DATA_DIR $@" >> calls.log\n')
    done = _make(checkout, "reset", "DATA_DIR=elsewhere")
    done.communicate(timeout=60)
    assert (checkout / "calls.log").read_text().splitlines()[-1] == (
        f"{checkout}/elsewhere -m helpers.kit reset")
