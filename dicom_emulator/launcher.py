"""Start the emulator as a separate process and wait until it answers (tests, benchmarks).

The process contract of ``python -m dicom_emulator serve``: with ``--port 0`` it picks a
free port and prints ``DICOM service emulator ready at <URL>`` once requests are answered.
(The client side, ``helpers.emulator``, has its own launcher: helpers never import the
emulator.)
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from queue import Empty, Queue
from typing import IO

READY = "ready at"


class LaunchError(RuntimeError):
    """The emulator process exited or stayed silent instead of announcing its URL."""


def launch(
    data_dir: Path,
    *args: str,
    stderr: IO[bytes] | int = subprocess.DEVNULL,
    timeout: float = 60.0,
    cwd: Path | None = None,
) -> tuple[subprocess.Popen[bytes], str]:
    """``python -m dicom_emulator serve --port 0 --data-dir DATA_DIR ARGS…``.

    Returns
    -------
    tuple
        The process, and its base URL (``http://127.0.0.1:PORT``) once it is ready.

    Raises
    ------
    LaunchError
        It did not announce itself within ``timeout`` seconds (it is killed then).
    """
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "dicom_emulator", "serve", "--port", "0",
         "--data-dir", str(data_dir), *args],
        stdout=subprocess.PIPE, stderr=stderr, cwd=cwd,
    )
    assert process.stdout is not None
    stdout = process.stdout
    lines: Queue[bytes] = Queue()
    # A reader thread, so that a process that prints nothing cannot block past the timeout.
    def read_lines() -> None:
        for out in stdout:
            lines.put(out)

    threading.Thread(target=read_lines, daemon=True).start()
    try:
        line = lines.get(timeout=timeout).decode(errors="replace")
    except Empty:
        line = ""
    if READY not in line:
        process.kill()
        process.wait()
        raise LaunchError(f"the emulator did not start: {line.strip() or 'no output'}")
    return process, line.rsplit(" ", 1)[-1].strip()
