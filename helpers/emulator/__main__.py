"""``python -m helpers.emulator {start,stop,status}``: the local emulator from a terminal.

``start`` starts it (or finds it running), ``stop`` stops this checkout's emulator and
keeps its data (as ``python -m helpers.kit stop``; ``reset`` there also wipes it),
``status`` exits 1 when nothing answers. Settings as usual.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from helpers.config import load_settings
from helpers.emulator.process import (
    ForeignEmulatorError,
    emulator_url,
    ensure_emulator,
    is_running,
    stop_emulator,
)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m helpers.emulator {start,stop,status}``; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m helpers.emulator",
                                     description="Manage the local DICOM service emulator.")
    parser.add_argument("command", choices=["start", "stop", "status"])
    args = parser.parse_args(argv)
    settings = load_settings()
    url = emulator_url(settings)
    if args.command == "start":
        try:
            print(f"emulator ready at {ensure_emulator(settings)}")
        except ForeignEmulatorError as error:
            print(error, file=sys.stderr)
            return 1
    elif args.command == "stop":
        print("emulator stopped (its data stays)" if stop_emulator(settings) else
              f"no emulator of this checkout was running (data dir {settings.emulator_data_dir})")
    else:
        running = is_running(url)
        print(f"{url}: {'running' if running else 'not running'}")
        return 0 if running else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
