"""Progress bars are ``tqdm.auto``: a widget in JupyterLab. Plain ``tqdm`` writes a text bar
to stderr, which JupyterLab shows on pink, like an error."""

from __future__ import annotations

import json
import re

from tests.support.paths import REPO

PLAIN_TQDM = re.compile(r"^\s*(from tqdm import|import tqdm\b)", re.MULTILINE)


def _sources() -> dict[str, str]:
    found = {str(p.relative_to(REPO)): p.read_text(encoding="utf-8")
             for p in (REPO / "helpers").rglob("*.py")}
    for path in (REPO / "notebooks").glob("*.ipynb"):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        found[path.name] = "\n".join("".join(c["source"]) for c in cells)
    return found


def test_every_progress_bar_is_tqdm_auto() -> None:
    sources = _sources()
    assert any("tqdm.auto" in text for text in sources.values())
    assert sorted(name for name, text in sources.items() if PLAIN_TQDM.search(text)) == []
