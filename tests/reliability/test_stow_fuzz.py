"""Mutated STOW requests from real files: the service's statuses only, never a 5xx or a
hang, and the instances stored before are unchanged (retrieved byte for byte past the
preamble); afterwards every index row has its file, and no file or spooled part is left
without one. ``make soak`` runs the same with ten thousand cases and more.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability import stow_fuzz
from tests.reliability.stow_mutations import DICOM_MUTATIONS
from tests.support.live_emulator import running_emulator

pytestmark = pytest.mark.live

CASES = 200
SEED = 17


def test_mutated_stow_requests_get_the_services_answers_and_lose_nothing(
        tmp_path: Path) -> None:
    data_dir = tmp_path / "emulator"
    with running_emulator(data_dir, "--auth", "off") as emulator:
        tally, problems = stow_fuzz.run(emulator.url, data_dir, SEED, CASES, read_back_every=3)
    print(tally.report("STOW mutations"))
    assert (tally.server_errors, tally.hangs, tally.unexpected) == (0, 0, [])
    assert problems == []
    # The run tried every kind of mutation, framing ones and reads of what got stored.
    kinds = set(tally.cases)
    assert set(DICOM_MUTATIONS) <= kinds
    assert {k for k in kinds if k.startswith("framing: ")}
    assert {k for k in kinds if k.startswith("read back: ")}
