"""Run every benchmark (``make bench``); never part of the tests.

    .venv/bin/python -m bench           # core (~5 min), scale (~13 min), reindex (~2 min),
                                        # export (~1 min)
    .venv/bin/python -m bench --quick   # small versions that write no results files

Each benchmark also runs alone: ``python -m bench.core``, ``bench.scale``, ``bench.reindex``,
``bench.export``. Not part of ``make bench``, for working on the code: ``bench.profile``
(py-spy under the STOW load), ``bench.retrieve_latency`` (the retrieve paths, or one under
py-spy), ``bench.metadata_encoding`` (the DICOM JSON encoder against pydicom's) and
``bench.stow_processes`` (STOW with several emulator processes: a design's headroom).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from bench import core, export, reindex, scale

BENCHMARKS: dict[str, tuple[Callable[[list[str] | None], int], list[str], list[str]]] = {
    # name: (main, full arguments, --quick arguments)
    "core": (core.main, [], ["--quick"]),
    "scale": (scale.main, [], ["--instances", "5000", "--no-output"]),
    "reindex": (reindex.main, ["--output", "bench/results/reindex.json"],
                ["--instances", "2000"]),
    "export": (export.main, [], ["--instances", "200"]),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small runs, no results files")
    parser.add_argument("names", nargs="*", metavar="name",
                        help=f"which benchmarks: {', '.join(BENCHMARKS)} (default all)")
    args = parser.parse_args(argv)
    unknown = set(args.names) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark {', '.join(sorted(unknown))}")
    failed = []
    for name in args.names or BENCHMARKS:
        run, full, quick = BENCHMARKS[name]
        print(f"== bench.{name}", flush=True)
        if run(quick if args.quick else full) != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
