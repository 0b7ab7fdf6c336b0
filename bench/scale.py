"""Benchmark: the emulator at 100,000 instances: start-up, QIDO latency, memory as it grows.

Starts the emulator on an empty temp data dir (three times, for the empty start-up time),
fills one store through STOW (4 clients, 50 small CT-like instances per request), sampling
the server's RSS as it grows, then times the QIDO queries of bench.core against the full
index and restarts the server three times on it. Compared with the DESIGN.md targets: QIDO
under 20 ms at 100,000 instances, ready under 1 s empty and under 2 s full, peak RSS under
200 MB and flat::

    .venv/bin/python -m bench.scale                  # 100,000 instances, writes results
    .venv/bin/python -m bench.scale --instances 20000 --no-output
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import itertools
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import measure
from bench.core import RESULTS
from bench.report import head_commit, markdown, plain
from bench.servers import Server, emulator, stop_on_sigterm
from bench.workload import Instance, generate_many

CLIENTS = 4
PER_REQUEST = 50
SAMPLES = 10  # RSS samples while filling
QIDO_CALLS = 50
STARTS = 3


def fill(server: Server, instances: Iterator[Instance],
         count: int) -> tuple[list[Instance], list[tuple[int, float]], float]:
    """Store ``count`` instances; returns them without bytes, RSS samples, and the seconds."""
    lock = threading.Lock()
    kept: list[Instance] = []
    samples: list[tuple[int, float]] = []
    every = max(PER_REQUEST, count // SAMPLES)

    def batches() -> Iterator[list[Instance]]:
        while True:
            with lock:
                batch = list(itertools.islice(instances, PER_REQUEST))
            if not batch:
                return
            yield batch

    with measure.clients([server]) as (client,), ThreadPoolExecutor(CLIENTS) as pool:
        def work(n: int) -> None:
            for batch in batches():
                measure.stow_batch(client, n, batch)
                with lock:
                    before = len(kept)
                    kept.extend(dataclasses.replace(i, data=b"") for i in batch)
                    if len(kept) // every > before // every:
                        samples.append((len(kept), server.rss_mb()))

        started = time.perf_counter()
        list(pool.map(work, range(CLIENTS)))
        seconds = time.perf_counter() - started
    return kept, samples, seconds


def _ready(data_dir: Path) -> float:
    with emulator(data_dir) as server:
        return server.ready_seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, default=100_000)
    parser.add_argument("--output", type=Path, default=None,
                        help="markdown results file (default bench/results/scale-<date>.md)")
    parser.add_argument("--no-output", action="store_true", help="print only")
    args = parser.parse_args(argv)
    stop_on_sigterm()
    output = None if args.no_output else (
        args.output or RESULTS / f"scale-{dt.date.today():%Y-%m-%d}.md")
    started, load_before, commit = time.perf_counter(), os.getloadavg()[0], head_commit()
    file_size = len(next(generate_many(1)).data)

    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        root = Path(tmp)
        empty = [_ready(root / f"empty-{n}") for n in range(STARTS)]
        data_dir = root / "full"
        with emulator(data_dir) as server:
            print(f"storing {args.instances:,} instances ...", flush=True)
            stored, samples, seconds = fill(server, generate_many(args.instances), args.instances)
            queries = measure.qido_queries(stored, QIDO_CALLS)
            with measure.clients([server]) as clients:
                qido = {name: lat[server.name] for name, lat in measure.qido(clients,
                                                                             queries).items()}
            peak = server.peak_rss_mb()
        size = sum(f.stat().st_size for f in data_dir.rglob("*") if f.is_file())
        full = [_ready(data_dir) for _ in range(STARTS)]

    n = f"{args.instances:,}"
    ok = {True: "pass", False: "FAIL"}
    lines = [["measure", "emulator", "target", "result"]]
    lines.append(["ready, empty data dir (s)", f"{statistics.median(empty):.2f}", "< 1 s",
                  ok[statistics.median(empty) < 1]])
    lines.append([f"ready, {n} instances (s)", f"{statistics.median(full):.2f}", "< 2 s",
                  ok[statistics.median(full) < 2]])
    for name, latency in qido.items():
        lines.append([f"QIDO p50 {name} at {n} (ms)", f"{latency.p50:.1f}", "< 20 ms",
                      ok[latency.p50 < 20]])
    for name, latency in qido.items():
        lines.append([f"QIDO p95 {name} at {n} (ms)", f"{latency.p95:.1f}", "", ""])
    lines.append([f"peak RSS storing and querying {n} (MB)", f"{peak:.0f}", "< 200 MB",
                  ok[peak < 200]])
    first, last = samples[0], samples[-1]
    lines.append([f"RSS at {first[0]:,} -> {last[0]:,} instances (MB)",
                  f"{first[1]:.0f} -> {last[1]:.0f}", "flat", ""])
    lines.append([f"STOW while filling, {CLIENTS} clients x {PER_REQUEST}/request (inst/s)",
                  f"{args.instances / seconds:.0f}", "", ""])
    lines.append(["data dir size (MB)", f"{size / 2**20:.0f}", "", ""])
    print(plain(lines))
    if output is not None:
        context = (
            f"- {n} small CT-like instances ({file_size:,} bytes, 16x16 pixels: the "
            f"index is what is measured, not the files), stored through STOW into one "
            f"emulator process (work tree at commit {commit}, `--auth off`), then queried one "
            f"request at a time, {QIDO_CALLS} calls per query; ready times are medians of "
            f"{STARTS} starts (ready does not wait for the start-up recovery sweep, which "
            f"runs in the background)\n"
            f"- {os.cpu_count()} CPUs shared with the client, load average {load_before:.1f} "
            f"before and {os.getloadavg()[0]:.1f} after; run took "
            f"{(time.perf_counter() - started) / 60:.1f} min\n"
            f"- RSS while filling (instances: MB): "
            f"{', '.join(f'{k:,}: {v:.0f}' for k, v in samples)}\n"
        )
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(f"# Emulator at {n} instances, {dt.date.today():%Y-%m-%d}\n\n"
                          f"{context}\n{markdown(lines)}\n")
        print(f"written to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
