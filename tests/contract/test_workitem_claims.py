"""Concurrent claims of one workitem over real HTTP: exactly one wins (the service's
optimistic watermark), the others get a 400 and the winner's Transaction UID holds."""

from __future__ import annotations

import threading

import requests
from pydicom.uid import generate_uid

from helpers import workitems
from tests.support.workitems import scheduled

CLAIMS = 8


def test_of_concurrent_claims_exactly_one_wins(live_emulator: str) -> None:
    base = f"{live_emulator}/v2"
    with requests.Session() as session:
        uid = generate_uid()
        workitems.create_workitem(session, base, scheduled(), uid)
    transaction_uids = [generate_uid() for _ in range(CLAIMS)]
    statuses: dict[str, int] = {}
    texts: dict[str, str] = {}
    start = threading.Barrier(CLAIMS)

    def claim(transaction_uid: str) -> None:
        body = {"00081195": {"vr": "UI", "Value": [transaction_uid]},
                "00741000": {"vr": "CS", "Value": ["IN PROGRESS"]}}
        start.wait()
        response = requests.put(f"{base}/workitems/{uid}/state", json=[body],
                                headers=workitems.HEADERS, timeout=30)
        statuses[transaction_uid], texts[transaction_uid] = response.status_code, response.text

    threads = [threading.Thread(target=claim, args=(t,)) for t in transaction_uids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [t for t, status in statuses.items() if status == 200]
    assert len(winners) == 1
    losers = set(transaction_uids) - set(winners)
    assert all(statuses[t] == 400 for t in losers)
    # Lost after the winner wrote (C301) or while it wrote (the watermark moved).
    assert {texts[t] for t in losers} <= {
        '"The workitem instance can not transition to \\u0027IN PROGRESS\\u0027 state: C301."',
        '"The data store operation failed."'}
    with requests.Session() as session:
        workitems.update_workitem(session, base, uid, {"00741204": {"vr": "LO", "Value": ["x"]}},
                                  winners[0])
        assert workitems.retrieve_workitem(session, base, uid)["00741000"]["Value"] == [
            "IN PROGRESS"]
