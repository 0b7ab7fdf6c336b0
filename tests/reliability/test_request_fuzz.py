"""Hostile paths, queries and bodies on every route of the route table (routes added later
are included by themselves): the service's 4xx answers, never a 5xx, and nothing read or
written outside the data dir."""

from __future__ import annotations

from pathlib import Path

from tests.reliability import request_fuzz, route_table
from tests.reliability.request_fuzz import run

CASES = 1500
SEED = 17


def test_hostile_requests_on_every_route_get_4xx_answers_and_stay_in_the_data_dir(
        tmp_path: Path) -> None:
    tally, leaks = run(tmp_path, SEED, CASES)
    print(tally.report("hostile requests"))
    assert (tally.server_errors, tally.unexpected) == (0, [])
    assert leaks == []
    assert tally.statuses[400] > 0 and tally.statuses[404] > 0


def test_the_run_covers_every_route_of_the_table(tmp_path: Path) -> None:
    from dicom_emulator import EmulatorSettings, create_app

    app = create_app(EmulatorSettings(data_dir=tmp_path / "e", auth=False))
    routes = route_table.routes_of(list(app.routes))
    assert len(routes) < CASES  # round robin: each route gets several cases
    kinds = {f"{r.method} {r.template}" for r in routes}
    assert {"POST /studies", "GET /changefeed", "POST /extendedquerytags",
            "POST /admin/identity/role-assignments", "GET /{tenant}/discovery/keys"} <= kinds
    assert request_fuzz.STATUSES.isdisjoint(range(500, 600))
