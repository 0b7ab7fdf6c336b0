"""``make demo``: execute every notebook and write it, with its outputs, to ``build/``.

For each ``notebooks/NN-*.ipynb`` this writes ``build/NN-*.ipynb`` (executed) and
``build/NN-*.html`` (a self-contained page, images inline) for instructors. Unless
``DICOM_SERVICE_URL`` is set, the notebooks run against a fresh local emulator (own
port, temporary state), which is stopped at the end; your ``.dicom-emulator`` is not
touched.

Usage: ``python tools/build_demo.py [--out build] [NOTEBOOK ...]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter
from traitlets.config import Config

from helpers.config import PROJECT_ROOT, load_settings
from helpers.emulator import stop_emulator

NOTEBOOKS = PROJECT_ROOT / "notebooks"
# A static page has no widget manager: show a widget's picture (see
# helpers.figures.FrameSlider) rather than an empty widget placeholder.
HTML_PRIORITY = ["image/png", "image/jpeg", "image/svg+xml", "text/html", "text/markdown",
                 "text/latex", "application/vnd.jupyter.widget-view+json", "text/plain"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build(notebooks: Sequence[Path], out: Path, timeout: int = 600) -> list[Path]:
    """Execute ``notebooks`` in order and write ``.ipynb`` and ``.html`` files to ``out``.

    Returns
    -------
    list of Path
        The files written.
    """
    out.mkdir(parents=True, exist_ok=True)
    exporter = HTMLExporter(template_name="lab", config=Config(
        {"NbConvertBase": {"display_data_priority": HTML_PRIORITY}}))
    written = []
    for path in notebooks:
        notebook = nbformat.read(path, as_version=4)
        print(f"executing {path.name}", flush=True)
        NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        target = out / path.name
        nbformat.write(notebook, target)
        html, _ = exporter.from_notebook_node(notebook)
        target.with_suffix(".html").write_text(html, encoding="utf-8")
        written += [target, target.with_suffix(".html")]
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "build")
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to run (default: every notebooks/NN-*.ipynb)")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted(NOTEBOOKS.glob("[0-9][0-9]*-*.ipynb"))
    data_dir = None
    if not load_settings().service_url:
        data_dir = tempfile.mkdtemp(prefix="demo-emulator-")
        os.environ["DICOM_EMULATOR_DATA_DIR"] = data_dir
        os.environ["DICOM_EMULATOR_PORT"] = str(_free_port())
        os.environ["DICOM_EMULATOR_AUTH"] = "on"
    try:
        written = build(notebooks, args.out)
    finally:
        if data_dir is not None:
            stop_emulator(load_settings())
            shutil.rmtree(data_dir, ignore_errors=True)
    print(f"wrote {len(written)} files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
