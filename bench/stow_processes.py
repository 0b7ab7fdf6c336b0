"""Design measurement: how STOW would scale with several emulator processes (issue 16).

The emulator is one process, and its STOW is bound by the GIL on one core. The design
that would spread it over cores is several processes sharing one data dir (SQLite in WAL
mode takes concurrent writers; the blob store is plain files). This measures that design's
headroom before anyone builds it: N emulator processes, each a uvicorn server on its own
``SO_REUSEPORT`` socket on one port (Linux spreads connections over them), beside a single
emulator and Orthanc, with ``bench.measure``'s STOW loads, servers taking turns::

    .venv/bin/python -m bench.stow_processes               # 1,000 instances, 3 rounds
    .venv/bin/python -m bench.stow_processes --processes 3 --no-output

What it runs is not a supported configuration: every process runs the app's lifespan
(recovery and the background workers) on the shared data dir. That is harmless here, on
an empty dir with no operations, and is what a real design would change (one process runs
them). The sockets are made with ``IPPROTO_TCP``, as uvicorn's own are, so that asyncio
sets ``TCP_NODELAY`` (uvicorn's ``--workers`` shares a socket made with proto 0, which
gets Nagle's 40 ms delays: about 21 STOW/s at 1 client).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bench import measure
from bench.report import head_commit, markdown, plain
from bench.servers import (
    START_TIMEOUT,
    Server,
    ServerError,
    free_port,
    orthanc,
    orthanc_version,
    say_if_orthanc_missing,
    stop_on_sigterm,
)
from bench.workload import generate

RESULTS = Path(__file__).parent / "results"
LOADS = ((1, 1), (4, 10))  # clients, instances per request

# One emulator process serving on a socket shared by port (argv: port).
_PROCESS = """
import socket, sys, uvicorn
from dicom_emulator.app import create_app
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
sock.bind(("127.0.0.1", int(sys.argv[1])))
uvicorn.Server(uvicorn.Config(create_app(), log_level="info", access_log=False,
                              lifespan="on")).run(sockets=[sock])
"""


@contextmanager
def emulator_processes(data_dir: Path, count: int) -> Iterator[Server]:
    """``count`` emulator processes on one port and one data dir, auth off."""
    port = free_port()
    env = {**os.environ, "DICOM_EMULATOR_DATA_DIR": str(data_dir),
           "DICOM_EMULATOR_AUTH": "off"}
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    processes: list[subprocess.Popen[bytes]] = []
    logs = [data_dir.parent / f"{data_dir.name}-{n}.log" for n in range(count)]
    try:
        # One after another: two processes creating the index at once collide (its
        # journal-mode switch takes a lock before the busy timeout is set: "database is
        # locked"), which a real multi-process design would have to order too.
        for n, log in enumerate(logs, 1):
            with open(log, "wb") as stderr:
                processes.append(subprocess.Popen([sys.executable, "-c", _PROCESS, str(port)],
                                                  env=env, stdout=stderr, stderr=stderr))
            _wait_ready(processes, logs[:n])
        base = f"http://127.0.0.1:{port}/v2"
        yield Server(f"emulator x{count}", base, processes[0], time.perf_counter() - started)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def _wait_ready(processes: list[subprocess.Popen[bytes]], logs: list[Path]) -> None:
    """Until every process has said uvicorn's "Application startup complete"."""
    deadline = time.monotonic() + START_TIMEOUT
    while not all(b"startup complete" in log.read_bytes() for log in logs):
        if any(p.poll() is not None for p in processes) or time.monotonic() > deadline:
            tails = "\n".join(log.read_text(errors="replace")[-1000:] for log in logs)
            raise ServerError(f"an emulator process did not start:\n{tails}")
        time.sleep(0.1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.stow_processes",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--no-output", action="store_true", help="print only")
    args = parser.parse_args(argv)
    stop_on_sigterm()
    if say_if_orthanc_missing():
        return 2
    started, load_before = time.perf_counter(), os.getloadavg()[0]
    instances = list(generate(args.instances))
    rates: dict[tuple[int, int], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    names: list[str] = []
    for n in range(args.repetitions):
        print(f"repetition {n + 1}/{args.repetitions} ...", flush=True)
        for clients, per_request in LOADS:
            with tempfile.TemporaryDirectory(prefix="bench-procs-") as tmp, \
                    ExitStack() as stack:
                servers = [stack.enter_context(emulator_processes(Path(tmp) / "one", 1)),
                           stack.enter_context(emulator_processes(Path(tmp) / "many",
                                                                  args.processes)),
                           stack.enter_context(orthanc(Path(tmp) / "orthanc"))]
                if n % 2:
                    servers.reverse()  # who goes first alternates
                names = sorted(s.name for s in servers)
                connected = stack.enter_context(measure.clients(servers))
                result = measure.stow(connected, instances, clients, per_request)
                for name, rate in result.items():
                    rates[(clients, per_request)][name].append(rate.per_second)
    table = _table(rates, names, args.processes)
    print(plain(table))
    if not args.no_output:
        out = RESULTS / f"stow-processes-{dt.date.today():%Y-%m-%d}.md"
        out.write_text(
            f"# STOW with {args.processes} emulator processes, {dt.date.today():%Y-%m-%d}\n\n"
            f"- command: `python -m bench.stow_processes --processes {args.processes} "
            f"--instances {args.instances} --repetitions {args.repetitions}`\n"
            f"- emulator: work tree at commit {head_commit()}; {orthanc_version()}\n"
            f"- {os.cpu_count()} CPUs shared by the client and the servers; load average "
            f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after; "
            f"{(time.perf_counter() - started) / 60:.1f} min\n"
            f"- instances/s, medians over repetitions (fresh servers for each load)\n\n"
            f"{markdown(table)}\n")
        print(f"written to {out}")
    return 0


def _table(rates: dict[tuple[int, int], dict[str, list[float]]], names: list[str],
           processes: int) -> list[list[str]]:
    many, one = f"emulator x{processes}", "emulator x1"
    lines = [["STOW load", *names, f"x{processes} / x1", f"x{processes} / Orthanc"]]
    for (clients, per_request), by_server in sorted(rates.items()):
        medians = {name: statistics.median(values) for name, values in by_server.items()}
        lines.append([f"{clients} client(s) x {per_request}/request",
                      *[f"{medians[name]:,.0f}" for name in names],
                      f"{medians[many] / medians[one]:.2f}",
                      f"{medians[many] / medians['Orthanc']:.2f}"])
    return lines


if __name__ == "__main__":
    sys.exit(main())
