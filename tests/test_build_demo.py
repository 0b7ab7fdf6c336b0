"""tools/build_demo.py: executed notebooks and static HTML with pictures, not widget stubs."""

from __future__ import annotations

import base64
from pathlib import Path

import nbformat
import numpy as np
import pytest

from helpers.render import to_png
from tools.build_demo import build

PNG = base64.b64encode(to_png(np.array([[0.0, 1.0]]))).decode()
CELL = f'''
class Both:
    def _repr_mimebundle_(self, include=None, exclude=None):
        return {{"application/vnd.jupyter.widget-view+json":
                    {{"version_major": 2, "version_minor": 0, "model_id": "abc"}},
                "image/png": "{PNG}", "text/plain": "Both()"}}
print("ran")
Both()
'''


@pytest.mark.slow  # starts a Jupyter kernel
def test_build_executes_and_prefers_pictures_to_widgets(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CELL)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    source = tmp_path / "07-demo.ipynb"
    nbformat.write(notebook, source)

    written = build([source], tmp_path / "build", timeout=120)

    assert [p.name for p in written] == ["07-demo.ipynb", "07-demo.html"]
    executed = nbformat.read(written[0], as_version=4)
    outputs = executed.cells[0].outputs
    assert outputs[0].text == "ran\n" and "image/png" in outputs[1].data
    html = written[1].read_text()
    assert f"data:image/png;base64,{PNG}" in html
    assert '<script type="application/vnd.jupyter.widget-view+json">' not in html
