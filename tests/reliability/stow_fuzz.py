"""The STOW mutation run against a live emulator: send the cases, then check that what was
stored before is unchanged and that the data dir is consistent. Used by the test (a few
hundred cases) and by ``make soak`` (ten thousand and more).
"""

from __future__ import annotations

from typing import Any

import requests

from tests.reliability import integrity, stow_mutations
from tests.reliability.tally import Tally

TIMEOUT = 60  # seconds without an answer count as a hang
CHECK_EVERY = 100
CLOSED_EARLY = 0  # the connection closed while the body was sent, the server still up


def run(url: str, data_dir: object, seed: int, count: int,
        read_back_every: int = 1) -> tuple[Tally, list[str]]:
    """Send ``count`` cases (reading back what every ``read_back_every``-th stored case
    stored); returns the tally and every integrity problem found."""
    from pathlib import Path

    sources = stow_mutations.seeds()
    stored = integrity.store_baseline(url, [stow_mutations.with_new_uids(s) for s in sources])
    tally = Tally()
    problems: list[str] = []
    session = requests.Session()
    for number, case in enumerate(stow_mutations.cases(seed, count, sources), 1):
        try:
            response = session.post(f"{url}/v2/studies", data=case.body, headers=case.headers,
                                    timeout=TIMEOUT)
            status: int | None = response.status_code
        except requests.Timeout:
            status = None
        except requests.ConnectionError:
            # The server may answer early (413, 415) and close while the body is still being
            # sent: 0 when it still answers afterwards, a hang when it does not.
            status = CLOSED_EARLY if _alive(session, url) else None
        tally.record(case.kind, status, stow_mutations.STOW_STATUSES | {CLOSED_EARLY},
                     f"case {number}")
        if status in (200, 202) and number % read_back_every == 0:
            _read_back(session, response.json(), case.kind, tally)
        if number % CHECK_EVERY == 0 or number == count:
            problems += integrity.changed_instances(url, stored)
    problems += integrity.consistency_problems(Path(str(data_dir)))
    return tally, problems


# Reading what a hostile request got stored: metadata, frames and rendering parse it again.
READS = {"metadata": "application/dicom+json",
         "frames/1": 'multipart/related; type="application/octet-stream"; transfer-syntax=*',
         "rendered": "image/png", "": "application/dicom; transfer-syntax=*"}
READ_STATUSES = frozenset({200, 400, 404, 406})


def _read_back(session: requests.Session, dataset: dict[str, Any], kind: str,
               tally: Tally) -> None:
    for item in dataset.get("00081199", {}).get("Value", []):
        instance_url = item["00081190"]["Value"][0]
        for suffix, accept in READS.items():
            try:
                status: int | None = session.get(
                    f"{instance_url}/{suffix}".rstrip("/"), headers={"Accept": accept},
                    timeout=TIMEOUT).status_code
            except requests.Timeout:
                status = None
            tally.record(f"read back: {suffix or 'instance'}", status, READ_STATUSES,
                         f"after {kind}: {instance_url}")


def _alive(session: requests.Session, url: str) -> bool:
    try:
        return session.get(f"{url}/health/check", timeout=TIMEOUT).ok
    except requests.RequestException:
        return False
