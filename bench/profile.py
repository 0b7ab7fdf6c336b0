"""Profile the emulator under a benchmark load: where its CPU goes, by function.

    .venv/bin/python -m bench.profile stow                      # 4 clients x 10/request
    .venv/bin/python -m bench.profile stow --clients 1 --per-request 1 --label before

Starts the emulator as ``bench.servers`` does, attaches ``py-spy record`` to it, runs the
STOW load of ``bench.measure`` and writes the top functions (self and total share of the
samples) with the server's CPU time per instance to
``bench/results/profile-stow-<label>.md``.

py-spy samples only the thread holding the GIL (``--gil``) by default: the server's
Python work is serialized by the GIL, so those samples are what limits its throughput and
what its CPU time is spent on; threads waiting on fsync, a socket or the GIL are left out,
so a wait never looks like work. ``--all-threads`` samples every thread that is not idle
instead (work done with the GIL released, such as file writes, shows up there). py-spy
runs ``--nonblocking``: it does not pause the server to sample it, so the load and the CPU
figure are those of an unprofiled run.

The machine is shared and its load changes the CPU figure from run to run: with
``--baseline-tree DIR`` a second emulator, from another checkout (e.g. ``/work/main``),
takes turns with the profiled one under the same load (``bench.measure``), unprofiled,
and both figures are reported side by side.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

from bench import measure
from bench.report import head_commit, markdown
from bench.servers import emulator, stop_on_sigterm
from bench.workload import generate

RESULTS = Path(__file__).parent / "results"
RATE = 200  # samples per second
TOP = 25


def py_spy() -> str:
    """The py-spy next to this interpreter (the venv's), else the one on PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    found = str(beside) if beside.exists() else shutil.which("py-spy")
    if found is None:
        raise SystemExit("py-spy is not installed: pip install -r requirements.txt")
    return found


def _function(frame: str) -> tuple[str, bool]:
    """``name (/path/to/module.py)`` -> a short label, and whether it is the emulator's code
    (labelled by its path in the package; other code by its file name)."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    parts = Path(where).parts
    if "dicom_emulator" in parts:
        inside = parts[len(parts) - parts[::-1].index("dicom_emulator"):]
        return f"{name} ({'/'.join(inside)})", True
    return (f"{name} ({Path(where).name})" if where else name), False


def top_functions(raw: str, count: int = TOP) -> tuple[int, list[list[str]], list[list[str]]]:
    """From py-spy's raw (collapsed stacks) output: the number of samples; table lines of
    the ``count`` functions with most self samples; and of the emulator's own functions
    with most samples in total (their callees included)."""
    own: Counter[str] = Counter()
    within: Counter[str] = Counter()
    ours: set[str] = set()
    samples = 0
    for line in raw.splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            continue
        frames = [_function(f) for f in stack.split(";")]
        samples += int(n)
        own[frames[-1][0]] += int(n)
        for frame, mine in set(frames):  # a recursive function counts once per sample
            within[frame] += int(n)
            if mine:
                ours.add(frame)

    def pct(n: int) -> str:
        return f"{100 * n / max(samples, 1):.1f}"

    by_self = [[f, pct(n), pct(within[f])] for f, n in own.most_common(count)]
    by_total = [[f, pct(own[f]), pct(n)] for f, n in within.most_common()
                if f in ours][:count]
    header = ["function", "self %", "total %"]
    return samples, [header, *by_self], [header, *by_total]


def profile_stow(clients: int, per_request: int, instances: int, all_threads: bool,
                 tmp: Path, baseline: Path | None = None) -> tuple[str, dict[str, measure.Rate]]:
    """The raw py-spy output of one STOW run, and the rate of each server ("profiled", and
    "baseline" when a baseline tree is given)."""
    load = list(generate(instances))
    out = tmp / "profile.txt"
    with ExitStack() as stack:
        server = stack.enter_context(emulator(tmp / "emulator"))
        server.name = "profiled"
        servers = [server]
        if baseline is not None:
            other = stack.enter_context(emulator(tmp / "baseline", tree=baseline))
            other.name = "baseline"
            servers.append(other)
        command = [py_spy(), "record", "--pid", str(server.process.pid), "--rate", str(RATE),
                   "--format", "raw", "--nolineno", "--nonblocking", "--output", str(out)]
        if not all_threads:
            command.append("--gil")
        log = tmp / "py-spy.log"
        with open(log, "wb") as errors:
            spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
        try:
            time.sleep(1.0)  # let it attach before the load starts
            if spy.poll() is not None:
                raise SystemExit(f"py-spy failed: {log.read_text(errors='replace')}")
            with measure.clients(servers) as made:
                rates = measure.stow(made, load, clients, per_request)
        finally:
            spy.send_signal(signal.SIGINT)  # py-spy writes its output when interrupted
            spy.wait(timeout=60)
    return out.read_text(), rates


def _rates(rates: dict[str, measure.Rate], baseline: Path | None) -> str:
    profiled = rates["profiled"]
    text = (f"- profiled: {profiled.per_second:.0f} instances/s, server CPU "
            f"{profiled.cpu_ms:.2f} ms per instance (/proc/<pid>/stat, user + system)\n")
    if baseline is not None:
        other = rates["baseline"]
        text += (f"- baseline `{baseline}` at commit {head_commit(baseline)}, unprofiled, "
                 f"taking turns with it: {other.per_second:.0f} instances/s, server CPU "
                 f"{other.cpu_ms:.2f} ms per instance\n")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", choices=["stow"], help="the request path to load")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--per-request", type=int, default=10)
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--all-threads", action="store_true",
                        help="sample every active thread, not only the GIL holder")
    parser.add_argument("--label", default=None,
                        help="the results file's suffix (default <clients>x<per-request>)")
    parser.add_argument("--baseline-tree", type=Path, default=None, metavar="DIR",
                        help="also run, unprofiled and taking turns, the emulator of this "
                             "checkout, and report both CPU figures")
    parser.add_argument("--no-output", action="store_true", help="print only")
    args = parser.parse_args(argv)
    stop_on_sigterm()
    shape = f"{args.clients}x{args.per_request}"
    label = args.label or shape
    commit, load_before = head_commit(), os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        raw, rates = profile_stow(args.clients, args.per_request, args.instances,
                                  args.all_threads, Path(tmp), args.baseline_tree)
    samples, by_self, by_total = top_functions(raw)
    command = "python -m bench.profile " + " ".join(argv if argv is not None else sys.argv[1:])
    report = (
        f"# Profile of STOW {shape}, {label}, {dt.date.today():%Y-%m-%d}\n\n"
        f"- `{command}`\n"
        f"- emulator: work tree at commit {commit} (`--auth off`, API v2); "
        f"{args.instances:,} CT-like instances (bench.workload), {args.clients} client(s) x "
        f"{args.per_request} instance(s) per request\n"
        f"- {os.cpu_count()} CPUs, load average {load_before:.1f} before and "
        f"{os.getloadavg()[0]:.1f} after\n"
        f"{_rates(rates, args.baseline_tree)}"
        f"- py-spy {RATE} Hz, {'every active thread' if args.all_threads else 'GIL holder only'}"
        f", {samples:,} samples; self = the function was running, total = it was on the "
        f"stack\n\n"
        f"## Most samples in the function itself\n\n{markdown(by_self)}\n\n"
        f"## The emulator's functions with most samples, callees included\n\n"
        f"{markdown(by_total)}\n"
    )
    print(report)
    if not args.no_output:
        output = RESULTS / f"profile-stow-{label}.md"
        output.write_text(report)
        print(f"written to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
