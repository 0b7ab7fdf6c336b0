"""SIGKILL at random moments under clients that store, update (bulk update) and delete
(``make soak`` runs 20 and more): nothing acknowledged is lost, an acknowledged update
stays whole, no row lacks its file, no orphan file remains, and the change feed has
exactly one entry per change."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability import crash

pytestmark = [pytest.mark.live, pytest.mark.slow]


def test_acknowledged_instances_survive_sigkills(tmp_path: Path) -> None:
    figures = crash.run(tmp_path / "emulator", kills=3)
    print(figures.report())
    assert figures.kills == 3
    assert figures.stores_acknowledged > 0 and figures.deletes_acknowledged > 0
    assert figures.updates_acknowledged > 0
    assert figures.lost == []
    assert figures.problems == []
