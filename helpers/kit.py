"""``python -m helpers.kit <task>`` (lab, test, test-fast, serve, viewer, stop, reset, demo,
status, soak): the kit's tasks.

One entry point for every platform: the Makefile's targets call it on Linux and macOS,
and on Windows PowerShell runs it directly (``.venv\\Scripts\\python -m helpers.kit lab``),
so both run the same code. It bootstraps nothing: it runs with the interpreter that
runs it (the kit's ``.venv``, which ``make`` or the README's Windows steps create).
``--dry-run`` prints what a task would run without running it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from helpers.azurite import stop_azurite
from helpers.config import PROJECT_ROOT, Settings, load_settings
from helpers.emulator.process import (
    ForeignEmulatorError,
    emulator_url,
    foreign_message,
    served_emulator,
    serves_viewer,
    stop_emulator,
)
from helpers.viewer import INSTALL_HINT, ohif_installed

__all__ = ["COMMANDS", "main", "steps"]

PY = sys.executable
# Shipped defaults for JupyterLab (the kit runs offline: no news, no update check; widget
# state saved with the notebook so a reopened slider still shows its picture).
LAB_OVERRIDES = PROJECT_ROOT / "tools" / "jupyterlab-overrides.json"

COMMANDS = {
    "lab": "JupyterLab on notebooks/ (the local emulator starts on demand)",
    "test": "lint and types, every test, the notebooks (nbval) and the notebook lint",
    "test-fast": "the edit loop: lint and the tests that start no process and never wait",
    "serve": "the emulator in the foreground (or say where it already runs)",
    "viewer": "the emulator with the OHIF viewer at its root, in the foreground",
    "stop": "stop this checkout's emulator; its data stays",
    "reset": "stop this checkout's emulator and wipe its data",
    "demo": "execute every notebook into build/ (.ipynb and .html)",
    "status": "say what serves the emulator's port",
    "soak": "the long reliability runs (fuzzing, crash trials) with their figures, ~15 min",
}


def _allow_root() -> list[str]:
    # Jupyter refuses to run as root unless told; containers often run as root.
    getuid = getattr(os, "getuid", None)
    return ["--allow-root"] if getuid is not None and getuid() == 0 else []


def steps(command: str, extra: Sequence[str] = ()) -> list[list[str]]:
    """The processes ``command`` runs, in order (``extra`` goes to the last one)."""
    pytest = [PY, "-m", "pytest", "-p", "no:cacheprovider"]
    table = {
        "lab": [[PY, "-m", "jupyterlab", "notebooks", *_allow_root()]],
        "test": [[PY, "-m", "ruff", "check", "."], [PY, "-m", "mypy"], [*pytest],
                 [*pytest, "--nbval-lax", "notebooks"], [PY, "tools/check_notebooks.py"]],
        "test-fast": [[PY, "-m", "ruff", "check", "."], [*pytest, "-m", "not live and not slow"]],
        "demo": [[PY, "tools/build_demo.py", "--out", "build"]],
        "soak": [[PY, "-m", "tests.reliability.soak"]],
    }
    runs = [list(step) for step in table[command]]
    if extra:
        runs[-1 if command != "test" else 2] += list(extra)
    return runs


def install_lab_overrides() -> Path:
    """Put the kit's JupyterLab defaults where this environment's JupyterLab reads them.

    ``<sys.prefix>/share/jupyter/lab/settings/overrides.json``: defaults for this venv only;
    a participant's own settings (in ``~/.jupyter``) still win.
    """
    from jupyterlab.commands import get_app_dir  # only the lab task needs JupyterLab

    target = Path(get_app_dir()) / "settings" / "overrides.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    shipped = json.loads(LAB_OVERRIDES.read_text(encoding="utf-8"))
    try:
        present = json.loads(target.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        present = {}
    target.write_text(json.dumps({**present, **shipped}, indent=2), encoding="utf-8")
    return target


def _run(runs: list[list[str]], dry_run: bool) -> int:
    for args in runs:
        print("+", subprocess.list2cmdline(args) if sys.platform == "win32" else " ".join(
            f"'{a}'" if " " in a else a for a in args), flush=True)
        if not dry_run:
            code = subprocess.call(args, cwd=PROJECT_ROOT)
            if code:
                return code
    return 0


def serve(settings: Settings, dry_run: bool, extra: Sequence[str] = ()) -> int:
    """The emulator in the foreground, unless one already serves the port."""
    url = emulator_url(settings)
    served = served_emulator(url)
    if served is not None:
        if served.serves(settings.emulator_data_dir):
            print(f"already running at {url} (data dir {served.data_dir}); "
                  "stop it with: python -m helpers.kit stop")
            return 0
        print(foreign_message(settings, served), file=sys.stderr)
        return 1
    return _run([[PY, "-m", "dicom_emulator", "serve", "--host", "127.0.0.1",
                  "--port", str(settings.emulator_port),
                  "--data-dir", str(settings.emulator_data_dir), *extra]], dry_run)


def viewer(settings: Settings, dry_run: bool) -> int:
    """``serve --viewer``; an emulator of this checkout already running is named, and one
    without the viewer is left alone (stop it first: its clients may be mid-lesson)."""
    if not ohif_installed():
        print(INSTALL_HINT.replace(", then re-run this cell", ""), file=sys.stderr)
        return 1
    url = emulator_url(settings)
    served = served_emulator(url)
    if served is not None and served.serves(settings.emulator_data_dir):
        if serves_viewer(url):
            print(f"OHIF viewer at {url}/ (already running; data dir {served.data_dir})")
            return 0
        print(f"the emulator at {url} runs without the viewer: stop it first "
              "(python -m helpers.kit stop), then run this again", file=sys.stderr)
        return 1
    return serve(settings, dry_run, ["--viewer"])


def stop(settings: Settings, dry_run: bool) -> int:
    """Stop this checkout's emulator; say so, and say who else serves the port."""
    url = emulator_url(settings)
    if dry_run:
        print(f"would stop the emulator of {settings.emulator_data_dir} at {url}")
        return 0
    if stop_emulator(settings):
        print(f"emulator stopped (its data stays in {settings.emulator_data_dir})")
        return 0
    print(f"no emulator of this checkout was running (data dir {settings.emulator_data_dir})")
    served = served_emulator(url)
    if served is not None and not served.serves(settings.emulator_data_dir):
        print(f"(port {settings.emulator_port} is served by another one: {served.describe()}; "
              "it was left alone)")
    return 0


def reset(settings: Settings, dry_run: bool) -> int:
    """Stop this checkout's emulator, then wipe its data dir."""
    data_dir = settings.emulator_data_dir.resolve()
    if data_dir in (PROJECT_ROOT, *PROJECT_ROOT.parents, Path.home()):
        print(f"refusing to wipe {data_dir}: DICOM_EMULATOR_DATA_DIR must be a folder of "
              "its own", file=sys.stderr)
        return 1
    stop(settings, dry_run)
    if dry_run:
        print(f"would remove {data_dir}")
        return 0
    _remove_tree(data_dir)
    print(f"removed {data_dir}; open notebooks: re-run their first cell")
    _reset_azurite(settings)
    return 0


def _reset_azurite(settings: Settings) -> None:
    """Stop the local Azurite (export's storage) and wipe its data, keys included."""
    if stop_azurite(settings):
        print("Azurite stopped")
    azurite_dir = settings.azurite_data_dir.resolve()
    if azurite_dir.is_dir() and azurite_dir not in (PROJECT_ROOT, *PROJECT_ROOT.parents,
                                                    Path.home()):
        _remove_tree(azurite_dir)
        print(f"removed {azurite_dir}")


def _remove_tree(path: Path, attempts: int = 20) -> None:
    """``rm -rf``, patient on Windows, where a file an exiting process still holds
    cannot be deleted for a moment."""
    for attempt in range(attempts):
        try:
            shutil.rmtree(path)
            return
        except FileNotFoundError:
            return
        except PermissionError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.25)


def status(settings: Settings) -> int:
    url = emulator_url(settings)
    served = served_emulator(url)
    if served is None:
        print(f"{url}: not running")
        return 1
    mine = "this checkout's" if served.serves(settings.emulator_data_dir) else "NOT this checkout's"
    print(f"{served.describe()}: {mine}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run one task; returns its exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers.kit", description="The workshop kit's tasks, on any platform.",
        epilog="\n".join(f"  {name:10} {text}" for name, text in COMMANDS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=list(COMMANDS), metavar="command",
                        help=", ".join(COMMANDS))
    parser.add_argument("--dry-run", action="store_true",
                        help="print what would run, run nothing")
    parser.usage = "python -m helpers.kit command [--dry-run] [-- ARGS for pytest or serve]"
    args, extra = parser.parse_known_args(argv)
    extra = [a for a in extra if a != "--"]
    if extra and args.command not in ("test", "test-fast", "serve", "soak"):
        parser.error(f"{args.command} takes no further arguments: {' '.join(extra)}")
    settings = load_settings()
    try:
        if args.command == "serve":
            return serve(settings, args.dry_run, extra)
        if args.command == "viewer":
            return viewer(settings, args.dry_run)
        if args.command == "stop":
            return stop(settings, args.dry_run)
        if args.command == "reset":
            return reset(settings, args.dry_run)
        if args.command == "status":
            return status(settings)
    except ForeignEmulatorError as error:
        print(error, file=sys.stderr)
        return 1
    if args.command == "lab" and not args.dry_run:
        install_lab_overrides()
    return _run(steps(args.command, extra), args.dry_run)


if __name__ == "__main__":
    sys.exit(main())
