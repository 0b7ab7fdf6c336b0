"""``make soak``: the long runs of the reliability tests, with their figures.

``python -m tests.reliability.soak [--stow N] [--requests N] [--kills N] [--seed S]``:
STOW mutations against a live emulator (with its peak memory), hostile requests on every
route, and crash trials. Exits 1 when anything failed (a 5xx, a hang, a lost or changed
instance, an inconsistent data dir, a read outside the data dir).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from dicom_emulator.dicom.reading import use_emulator_reading_policy
from dicom_emulator.launcher import launch
from tests.reliability import crash, integrity, request_fuzz, stow_fuzz
from tests.support.paths import REPO


def _stow(root: Path, seed: int, count: int) -> bool:
    data_dir = root / "stow"
    process, url = launch(data_dir, "--auth", "off", cwd=REPO)
    started = time.time()
    try:
        tally, problems = stow_fuzz.run(url, data_dir, seed, count, read_back_every=5)
        peak = integrity.peak_rss_bytes(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)
    print(tally.report(f"STOW mutations ({time.time() - started:.0f} s)"))
    print(f"  emulator peak RSS: {peak / 1e6:.0f} MB" if peak else "  peak RSS: not measured")
    print(f"  integrity problems: {len(problems)}", *problems[:10], sep="\n    ")
    return not (tally.server_errors or tally.hangs or tally.unexpected or problems)


def _requests(root: Path, seed: int, count: int) -> bool:
    started = time.time()
    tally, leaks = request_fuzz.run(root / "requests", seed, count)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # in-process: this one
    print(tally.report(f"hostile requests, every route ({time.time() - started:.0f} s)"))
    print(f"  peak RSS of the process serving them: {peak / 1e6:.0f} MB")
    print(f"  read or written outside the data dir: {len(leaks)}", *leaks[:10], sep="\n    ")
    return not (tally.server_errors or tally.unexpected or leaks)


def _crashes(root: Path, seed: int, kills: int) -> bool:
    started = time.time()
    figures = crash.run(root / "crash", kills=kills, clients=4, seed=seed)
    print(figures.report() + f" ({time.time() - started:.0f} s)")
    for line in (figures.lost + figures.problems)[:10]:
        print("   ", line)
    return not (figures.lost or figures.problems)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability.soak")
    parser.add_argument("--stow", type=int, default=10_000, help="STOW mutation cases")
    parser.add_argument("--requests", type=int, default=20_000, help="hostile requests")
    parser.add_argument("--kills", type=int, default=20, help="SIGKILLs in the crash trial")
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100_000)
    args = parser.parse_args(argv)
    use_emulator_reading_policy()
    print(f"soak, seed {args.seed}", flush=True)
    with tempfile.TemporaryDirectory(prefix="dicom-soak-") as tmp:
        root = Path(tmp)
        results = [_requests(root, args.seed, args.requests), _stow(root, args.seed, args.stow),
                   _crashes(root, args.seed, args.kills)]
    print("soak:", "passed" if all(results) else "FAILED")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
