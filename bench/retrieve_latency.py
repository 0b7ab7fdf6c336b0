"""Benchmark: p50 latency of the retrieve paths (rendered, WADO instance, metadata), small.

A short loop for working on the retrieve code, not a report: one emulator (and Orthanc
when it is installed, unless ``--no-orthanc``), a few hundred benchmark instances, then
one request at a time on each path, the servers taking turns (bench.measure)::

    .venv/bin/python -m bench.retrieve_latency                  # ~1 min
    .venv/bin/python -m bench.retrieve_latency --profile "wado instance" --out wado.txt

``--profile NAME`` instead loads the emulator with that path alone for ``--seconds``
while ``py-spy record --format raw --gil`` samples the thread holding the GIL (where
Python spends CPU; py-spy must be installed, and may need root), then prints the
functions with the most samples, inclusive and own.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

from bench import measure
from bench.report import head_commit, plain
from bench.servers import emulator, orthanc, orthanc_missing, stop_on_sigterm
from bench.workload import Instance, generate

WADO = {**measure.IDENTITY, "Accept": measure.WADO_ACCEPT}
JPEG = {**measure.IDENTITY, "Accept": "image/jpeg"}
PNG = {**measure.IDENTITY, "Accept": "image/png"}


def _path(instance: Instance) -> str:
    return (f"studies/{instance.study}/series/{instance.series}/instances/{instance.sop}")


def paths(instances: list[Instance]) -> dict[str, tuple[list[str], dict[str, str]]]:
    """Each measured path: the request paths (one per instance) and the headers."""
    return {
        "rendered jpeg default": ([f"{_path(i)}/rendered" for i in instances], JPEG),
        "rendered jpeg q90": ([f"{_path(i)}/rendered?quality=90" for i in instances], JPEG),
        "rendered png": ([f"{_path(i)}/rendered" for i in instances], PNG),
        "wado instance": ([_path(i) for i in instances], WADO),
        "metadata instance": ([f"{_path(i)}/metadata" for i in instances], measure.DICOM_JSON),
        "metadata series": ([f"studies/{i.study}/series/{i.series}/metadata"
                             for i in instances], measure.DICOM_JSON),
    }


def _load(client: measure.Client, requests: list[str], headers: dict[str, str],
          seconds: float) -> int:
    done, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        client.get(0, requests[done % len(requests)], headers, "load")
        done += 1
    return done


def profile(client: measure.Client, name: str, measured: dict[str, tuple[list[str], dict[str,
            str]]], seconds: float, out: Path) -> None:
    """Load one path while py-spy samples the emulator (raw collapsed stacks in ``out``)."""
    requests, headers = measured[name]
    spy = subprocess.Popen(["py-spy", "record", "--pid", str(client.server.process.pid),
                            "--duration", str(int(seconds)), "--rate", "250", "--format",
                            "raw", "--gil", "--output", str(out), "--nonblocking"])
    time.sleep(1)  # py-spy attaches
    done = _load(client, requests, headers, seconds)
    spy.wait()
    print(f"{done} requests of {name} in {seconds:.0f} s; samples in {out}")
    print(top_functions(out))


def top_functions(raw: Path, count: int = 25) -> str:
    """The functions in most samples of a py-spy raw file, inclusive and own, in %."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, samples = line.rpartition(" ")
        frames = [re.sub(r":\d+\)$", ")", frame) for frame in stack.split(";")]
        total += int(samples)
        inclusive.update(dict.fromkeys(frames, int(samples)))
        own[frames[-1]] += int(samples)
    lines = [f"{total} samples", "inclusive:"]
    lines += [f"{100 * n / total:5.1f}%  {f}" for f, n in inclusive.most_common(count)]
    lines.append("own:")
    lines += [f"{100 * n / total:5.1f}%  {f}" for f, n in own.most_common(count)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--instances", type=int, default=200)
    parser.add_argument("--calls", type=int, default=100, help="requests per path and server")
    parser.add_argument("--no-orthanc", action="store_true")
    parser.add_argument("--profile", help="load this path under py-spy instead of measuring")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--out", type=Path, default=Path("py-spy-retrieve.txt"))
    args = parser.parse_args(argv)
    stop_on_sigterm()
    with_orthanc = not args.no_orthanc and not args.profile and orthanc_missing() is None
    instances = list(generate(args.instances))
    started, load_before = time.perf_counter(), os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        servers = [stack.enter_context(emulator(Path(tmp) / "emulator"))]
        if with_orthanc:
            servers.append(stack.enter_context(orthanc(Path(tmp) / "orthanc")))
        clients = stack.enter_context(measure.clients(servers))
        measure.stow(clients, instances, 1, 10)
        measured = paths(instances)
        if args.profile:
            profile(clients[0], args.profile, measured, args.seconds, args.out)
            return 0
        step = max(1, len(instances) // args.calls)
        lines = [["path (p50 ms)", *(s.name for s in servers)]]
        if with_orthanc:
            lines[0].append("ratio")
        lines[0] += [f"{s.name} CPU ms" for s in servers]
        for name, (requests, headers) in measured.items():
            chosen = requests[::step][:args.calls]
            cpu = [s.cpu_seconds() for s in servers]
            latencies = measure._latencies(clients, chosen, headers, name)
            # Server CPU per request, warm-up requests included (measure._latencies' 3).
            cpu = [(s.cpu_seconds() - c) * 1000 / (len(chosen) + 3)
                   for s, c in zip(servers, cpu, strict=True)]
            row = [name, *(f"{latencies[s.name].p50:.2f}" for s in servers)]
            if with_orthanc:
                row.append(f"{latencies['emulator'].p50 / latencies['Orthanc'].p50:.2f}")
            lines.append(row + [f"{c:.2f}" for c in cpu])
    print(f"commit {head_commit()} (work tree), {args.instances} instances, {args.calls} calls "
          f"per path, load {load_before:.1f} before and {os.getloadavg()[0]:.1f} after, "
          f"{time.perf_counter() - started:.0f} s")
    print(plain(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
