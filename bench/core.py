"""Benchmark: the emulator's core request paths side by side with Orthanc, in one run.

Each repetition starts both servers on empty temp storage and measures STOW (1 client x
1 instance per request), WADO instance retrieve (1 and 4 clients), QIDO latencies and
rendered latency; then both again on empty storage for STOW with 4 clients x 10 instances
per request. The servers take turns in small blocks (bench.measure), so that the shared
machine's noise hits both. Peak RSS is each server process's VmHWM. The disk's durable-write
rate (write + fsync + rename of the same bytes) is the reference for STOW. A null server
(answering at once) gives the client's own latency floor and rate ceiling. Reports medians
over repetitions, paired ratios emulator/Orthanc, and pass/fail against DESIGN.md::

    .venv/bin/python -m bench.core           # 2,000 instances, 3 repetitions, writes results
    .venv/bin/python -m bench.core --quick   # 300 instances, 1 repetition, prints only
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from bench import measure
from bench.report import head_commit, markdown, plain
from bench.servers import (
    Server,
    emulator,
    null_server,
    orthanc,
    orthanc_version,
    say_if_orthanc_missing,
    stop_on_sigterm,
)
from bench.workload import Instance, generate

RESULTS = Path(__file__).parent / "results"
# The figures issue 16 started from (commit 27176e9, before the performance work): every
# report prints them beside its own.
BASELINE = RESULTS / "core-baseline.json"
EMULATOR, ORTHANC = "emulator", "Orthanc"
QIDO_CALLS = 30
RENDERED_CALLS = 40
DURABLE_FILES = 500

# metric -> server (or "disk") -> value of one repetition
Values = dict[str, dict[str, float]]


def _servers(stack: ExitStack, tmp: Path, order: list[str], tree: Path | None) -> list[Server]:
    start = {EMULATOR: lambda d: emulator(d, tree), ORTHANC: orthanc}
    return [stack.enter_context(start[name](tmp / name)) for name in order]


def repetition(instances: list[Instance], order: list[str], tmp: Path,
               tree: Path | None = None) -> Values:
    """One repetition on fresh servers (the emulator from checkout ``tree`` when given);
    returns each metric's value per server."""
    values: Values = defaultdict(dict)
    queries = measure.qido_queries(instances, QIDO_CALLS)
    step = max(1, len(instances) // RENDERED_CALLS)
    to_render = instances[::step][:RENDERED_CALLS]

    def rates(metric: str, result: dict[str, measure.Rate]) -> None:
        for name, rate in result.items():
            values[metric][name] = rate.per_second
            values[f"{metric} cpu"][name] = rate.cpu_ms

    with ExitStack() as stack:
        servers = _servers(stack, tmp / "a", order, tree)
        clients = stack.enter_context(measure.clients(servers))
        for server in servers:
            values["ready"][server.name] = server.ready_seconds
        rates("stow 1x1", measure.stow(clients, instances, 1, 1))
        rates("wado 1", measure.wado(clients, instances, 1))
        rates("wado 4", measure.wado(clients, instances, 4))
        for name, latencies in measure.qido(clients, queries).items():
            for server, latency in latencies.items():
                values[f"qido p50 {name}"][server] = latency.p50
                values[f"qido p95 {name}"][server] = latency.p95
        for server, latency in measure.rendered(clients, to_render).items():
            values["rendered p50"][server] = latency.p50
        for server, latency in measure.rendered(clients, to_render, quality=90).items():
            values["rendered p50 q90"][server] = latency.p50
        for level in ("instance", "series"):
            for server, latency in measure.metadata(clients, to_render, level).items():
                values[f"{level} metadata p50"][server] = latency.p50
        for server in servers:
            values["rss"][server.name] = server.peak_rss_mb()
    with null_server() as floor, measure.clients([floor]) as (client,):
        values["client floor p50"][floor.name] = measure.metadata([client], to_render)[
            floor.name].p50
    with null_server(len(instances[0].data)) as floor, measure.clients([floor]) as (client,):
        for parallel in (1, 4):
            values[f"client floor wado {parallel}"][floor.name] = measure.wado(
                [client], instances, parallel)[floor.name].per_second
    with ExitStack() as stack:
        servers = _servers(stack, tmp / "b", order, tree)
        clients = stack.enter_context(measure.clients(servers))
        rates("stow 4x10", measure.stow(clients, instances, 4, 10))
        for server in servers:
            values["rss"][server.name] = max(values["rss"][server.name], server.peak_rss_mb())
    values["durable write"]["disk"] = measure.durable_writes(
        instances[0].data, DURABLE_FILES, str(tmp))
    return values


@dataclass(frozen=True)
class Row:
    """One line of the report: a metric, what it is compared with, and the target."""

    label: str
    metric: str
    reference: str = ORTHANC  # a server name, or "disk" for the durable-write rate
    target: str = ""
    passes: Callable[[float], bool] | None = None  # takes the ratio, or the emulator value
    on_ratio: bool = True


def rows(qido_names: list[str]) -> list[Row]:
    at_least = lambda x: lambda r: r >= x  # noqa: E731
    at_most = lambda x: lambda r: r <= x  # noqa: E731
    table = [
        Row("STOW 1 client x 1/request (inst/s)", "stow 1x1", target=">= 1.5x Orthanc",
            passes=at_least(1.5)),
        Row("STOW 4 clients x 10/request (inst/s)", "stow 4x10", target=">= 1.5x Orthanc",
            passes=at_least(1.5)),
        Row("STOW 1x1 vs durable write (files/s)", "stow 1x1", "disk", ">= 0.5x disk",
            at_least(0.5)),
        Row("STOW 4x10 vs durable write (files/s)", "stow 4x10", "disk", ">= 0.5x disk",
            at_least(0.5)),
        Row("WADO 1 client (inst/s)", "wado 1", target=">= 1.5x Orthanc", passes=at_least(1.5)),
        Row("WADO 4 clients (inst/s)", "wado 4", target=">= 1.5x Orthanc", passes=at_least(1.5)),
    ]
    for name in qido_names:
        table.append(Row(f"QIDO p50 {name} (ms)", f"qido p50 {name}", target="<= 1x Orthanc",
                         passes=at_most(1.0)))
    for name in qido_names:
        table.append(Row(f"QIDO p95 {name} (ms)", f"qido p95 {name}"))
    table += [
        Row("rendered p50, image/jpeg, default quality (ms)", "rendered p50",
            target="<= 1x Orthanc", passes=at_most(1.0)),
        Row("rendered p50, image/jpeg, quality=90 on both (ms)", "rendered p50 q90",
            target="<= 1x Orthanc", passes=at_most(1.0)),
        Row("instance metadata p50 (ms)", "instance metadata p50", target="<= 0.5x Orthanc",
            passes=at_most(0.5)),
        Row("series metadata p50, 25 instances (ms)", "series metadata p50",
            target="<= 0.5x Orthanc", passes=at_most(0.5)),
        Row("server CPU per instance, STOW 1x1 (ms)", "stow 1x1 cpu", target="<= 2 ms",
            passes=lambda v: v <= 2, on_ratio=False),
        Row("server CPU per instance, STOW 4x10 (ms)", "stow 4x10 cpu", target="<= 2 ms",
            passes=lambda v: v <= 2, on_ratio=False),
        Row("server CPU per instance, WADO 1 client (ms)", "wado 1 cpu"),
        Row("peak RSS (MB)", "rss", target="< 200 MB", passes=lambda v: v < 200, on_ratio=False),
        Row("ready, empty data dir (s)", "ready", target="< 1 s", passes=lambda v: v < 1,
            on_ratio=False),
    ]
    return table


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def _medians(runs: list[Values], row: Row) -> tuple[float, float, float] | None:
    """The emulator's median, the reference's median and the median of the paired ratios;
    None when these runs did not measure the row (an older baseline)."""
    reference = row.metric if row.reference != "disk" else "durable write"
    if any(row.metric not in run or reference not in run for run in runs):
        return None
    ours = [run[row.metric][EMULATOR] for run in runs]
    theirs = [run[reference][row.reference] for run in runs]
    ratio = statistics.median(a / b for a, b in zip(ours, theirs, strict=True))
    return statistics.median(ours), statistics.median(theirs), ratio


def summarize(runs: list[Values], before: Baseline | None = None) -> list[list[str]]:
    """Table lines: medians over repetitions, the median of the paired ratios, pass/fail;
    with ``before``, the baseline's emulator figure and ratio beside them."""
    qido_names = [m.removeprefix("qido p50 ") for m in runs[0] if m.startswith("qido p50 ")]
    head = ["measure", "emulator", "reference", "ratio"]
    if before is not None:
        head += [f"before ({before.commit})", "ratio before"]
    lines = [[*head, "target", "result"]]
    for row in rows(qido_names):
        now = _medians(runs, row)
        if now is None:
            continue
        mine, theirs, ratio = now
        verdict = ""
        if row.passes is not None:
            verdict = "pass" if row.passes(ratio if row.on_ratio else mine) else "FAIL"
        line = [row.label, _fmt(mine), f"{_fmt(theirs)} ({row.reference})", f"{ratio:.2f}"]
        if before is not None:
            then = _medians(before.runs, row)
            line += [_fmt(then[0]), f"{then[2]:.2f}"] if then else ["-", "-"]
        lines.append([*line, row.target, verdict])
    return lines


@dataclass(frozen=True)
class Baseline:
    """The repetitions of an earlier run, to print beside today's (``--baseline``)."""

    commit: str
    date: str
    runs: list[Values]

    @classmethod
    def load(cls, path: Path) -> Baseline:
        saved = json.loads(path.read_text())
        return cls(saved["commit"], saved["date"], saved["runs"])

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"commit": self.commit, "date": self.date,
                                    "runs": self.runs}, indent=1) + "\n")


def _per_repetition(runs: list[Values]) -> list[list[str]]:
    lines = [["metric", "server", *[f"run {n + 1}" for n in range(len(runs))]]]
    for metric, servers in runs[0].items():
        for server in servers:
            lines.append([metric, server, *[_fmt(run[metric][server]) for run in runs]])
    return lines


def _floor(runs: list[Values]) -> str:
    """What the client alone allows, which bounds every server (older runs lack it)."""
    floors = [run["client floor p50"]["floor"] for run in runs if "client floor p50" in run]
    ceilings = {n: [run[f"client floor wado {n}"]["floor"] for run in runs
                    if f"client floor wado {n}" in run] for n in (1, 4)}
    if not floors or not all(ceilings.values()):
        return ""
    return (f"- the client's own limits, against a server that answers at once "
            f"(`bench.servers.null_server`): a metadata request's p50 is "
            f"{statistics.median(floors):.2f} ms, and it fetches at most "
            f"{statistics.median(ceilings[1]):,.0f} (1 client) and "
            f"{statistics.median(ceilings[4]):,.0f} (4 clients) instances/s of this size "
            f"(WADO's method); every latency and rate above includes these costs\n")


def _context(instances: list[Instance], repetitions: int, commit: str, load_before: float,
             seconds: float, runs: list[Values]) -> str:
    return (
        f"- {len(instances):,} CT-like instances (16-bit 256x256 MONOCHROME2, rescale and "
        f"window, {statistics.mean(len(i.data) for i in instances):,.0f} bytes each), "
        f"{repetitions} repetitions on fresh servers; within one, the servers take turns "
        f"({measure.BLOCK} instances, or one query, at a time; who goes first alternates)\n"
        f"- emulator: work tree at commit {commit} (`--auth off`, API v2); {orthanc_version()} "
        f"(StorageCompression off, other settings default)\n"
        f"- client and servers on the same machine: {os.cpu_count()} CPUs, load average "
        f"{load_before:.1f} before and {os.getloadavg()[0]:.1f} after; run took "
        f"{seconds / 60:.1f} min; Python client (requests), `Accept-Encoding: identity`\n"
        f"- values are medians over repetitions; ratio = median of the per-repetition ratios "
        f"emulator/reference; WADO uses `transfer-syntax=*` on both; rendered is the default "
        f"JPEG quality of each server (emulator 100 as Azure, Orthanc 90), then 90 on both; "
        f"QIDO is {QIDO_CALLS} calls per query, rendered {RENDERED_CALLS}, one at a time\n"
        f"{_floor(runs)}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.core", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="300 instances, 1 repetition, no results file")
    parser.add_argument("--instances", type=int, default=None)
    parser.add_argument("--repetitions", type=int, default=None)
    parser.add_argument("--output", type=Path, default=None,
                        help="markdown results file (default bench/results/core-<date>.md); "
                             "its repetitions go beside it as .json")
    parser.add_argument("--baseline", type=Path, default=BASELINE,
                        help=f"earlier repetitions (.json) to print beside (default {BASELINE})")
    parser.add_argument("--no-baseline", dest="baseline", action="store_const", const=None)
    parser.add_argument("--emulator-tree", type=Path, default=None,
                        help="run the emulator from this checkout (e.g. a worktree of an "
                             "earlier commit, to remake the baseline)")
    args = parser.parse_args(argv)
    stop_on_sigterm()
    if say_if_orthanc_missing():
        return 2
    count = args.instances or (300 if args.quick else 2000)
    repetitions = args.repetitions or (1 if args.quick else 3)
    output = args.output or (None if args.quick else
                             RESULTS / f"core-{dt.date.today():%Y-%m-%d}.md")

    started, load_before = time.perf_counter(), os.getloadavg()[0]
    commit = head_commit(args.emulator_tree)
    print(f"generating {count} instances ...", flush=True)
    instances = list(generate(count))
    runs: list[Values] = []
    for n in range(repetitions):
        order = [EMULATOR, ORTHANC] if n % 2 == 0 else [ORTHANC, EMULATOR]
        print(f"repetition {n + 1}/{repetitions} ({' then '.join(order)}) ...", flush=True)
        with tempfile.TemporaryDirectory(prefix="bench-core-") as tmp:
            runs.append(repetition(instances, order, Path(tmp), args.emulator_tree))
    seconds = time.perf_counter() - started

    before = Baseline.load(args.baseline) if args.baseline and args.baseline.exists() else None
    table = summarize(runs, before)
    print(plain(table))
    print(_floor(runs), end="")
    if output is not None:
        context = _context(instances, repetitions, commit, load_before, seconds, runs)
        if before is not None:
            context += (f"- \"before\": the emulator at commit {before.commit} "
                        f"({before.date}), measured the same way ({args.baseline.name})\n")
        output.parent.mkdir(parents=True, exist_ok=True)
        Baseline(commit, f"{dt.date.today():%Y-%m-%d}", runs).save(output.with_suffix(".json"))
        output.write_text(
            f"# Core paths: emulator vs Orthanc, {dt.date.today():%Y-%m-%d}\n\n{context}\n"
            f"{markdown(table)}\n\n## Each repetition\n\n{markdown(_per_repetition(runs))}\n")
        print(f"written to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
