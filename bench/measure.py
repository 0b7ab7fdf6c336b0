"""The measurements: one function per request path, each run against several servers at once.

The machine is shared, and its load changes from second to second: so the servers take
turns in small blocks (a hundred instances, or one query), the first one alternating, and
each server's time is the sum over its turns. Every request sends ``Accept-Encoding:
identity`` (no gzip on either side) and checks the status, so that a fast error is never
counted as a fast answer.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bench.servers import Server
from bench.workload import Instance
from dicom_emulator.web.media import encode_multipart, multipart_content_type

IDENTITY = {"Accept-Encoding": "identity"}
DICOM_JSON = {**IDENTITY, "Accept": "application/dicom+json"}
WADO_ACCEPT = 'multipart/related; type="application/dicom"; transfer-syntax=*'
TIMEOUT = 60
BLOCK = 100  # instances per turn


class BadAnswer(RuntimeError):
    """A server answered a benchmark request with an unexpected status or body."""


@dataclass
class Client:
    """Keep-alive sessions to one server, one per parallel client."""

    server: Server
    sessions: list[requests.Session] = field(default_factory=list)

    def session(self, n: int) -> requests.Session:
        while len(self.sessions) <= n:
            self.sessions.append(requests.Session())
        return self.sessions[n]

    def get(self, n: int, path: str, headers: dict[str, str], what: str) -> requests.Response:
        url = f"{self.server.base}/{path}"
        return self._check(self.session(n).get(url, headers=headers, timeout=TIMEOUT), what)

    def post(self, n: int, path: str, body: bytes, headers: dict[str, str],
             what: str) -> requests.Response:
        url = f"{self.server.base}/{path}"
        return self._check(self.session(n).post(url, data=body, headers=headers,
                                                timeout=TIMEOUT), what)

    def _check(self, response: requests.Response, what: str) -> requests.Response:
        if response.status_code != 200:
            raise BadAnswer(f"{self.server.name} {what}: {response.status_code} "
                            f"{response.text[:300]}")
        return response


@contextmanager
def clients(servers: Sequence[Server]) -> Iterator[list[Client]]:
    """A :class:`Client` per server, closed on exit."""
    made = [Client(server) for server in servers]
    try:
        yield made
    finally:
        for client in made:
            for session in client.sessions:
                session.close()


@dataclass(frozen=True)
class Rate:
    """Instances per second, and the server's CPU time per instance in milliseconds."""

    per_second: float
    cpu_ms: float


def _turns(clients: Sequence[Client], instances: Sequence[Instance],
           run: Callable[[Client, Sequence[Instance]], None]) -> dict[str, Rate]:
    """Each client runs each block of instances in turn; returns each server's rate."""
    seconds = {c.server.name: 0.0 for c in clients}
    cpu = dict(seconds)
    for n, block in enumerate(_blocks(instances, BLOCK)):
        for client in clients if n % 2 == 0 else list(reversed(clients)):
            cpu_before, started = client.server.cpu_seconds(), time.perf_counter()
            run(client, block)
            seconds[client.server.name] += time.perf_counter() - started
            cpu[client.server.name] += client.server.cpu_seconds() - cpu_before
    count = len(instances)
    return {name: Rate(count / seconds[name], cpu[name] * 1000 / count) for name in seconds}


def _blocks(items: Sequence[Instance], size: int) -> list[Sequence[Instance]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _parallel(pool: ThreadPoolExecutor, parallel: int, jobs: list[Sequence[Instance]],
              work: Callable[[int, Sequence[Instance]], None]) -> None:
    """``work(n, job)`` for every job, from ``parallel`` threads, client n taking every nth."""
    def worker(n: int) -> None:
        for job in jobs[n::parallel]:
            work(n, job)

    list(pool.map(worker, range(parallel)))


def stow_batch(client: Client, n: int, batch: Sequence[Instance]) -> None:
    """One multipart STOW-RS request with ``batch``, from the client's ``n``th session."""
    boundary = uuid.uuid4().hex
    body = encode_multipart([("application/dicom", i.data) for i in batch], boundary)
    headers = {**DICOM_JSON, "Content-Type": multipart_content_type(boundary, "application/dicom")}
    client.post(n, "studies", body, headers, "STOW")


def stow(clients: Sequence[Client], instances: Sequence[Instance], parallel: int,
         per_request: int) -> dict[str, Rate]:
    """Store ``instances`` with multipart STOW-RS; returns instances per second per server."""
    def run(client: Client, block: Sequence[Instance]) -> None:
        _parallel(pool, parallel, _blocks(block, per_request),
                  lambda n, batch: stow_batch(client, n, batch))

    with ThreadPoolExecutor(parallel) as pool:
        return _turns(clients, instances, run)


def _instance_path(instance: Instance) -> str:
    return f"studies/{instance.study}/series/{instance.series}/instances/{instance.sop}"


def wado(clients: Sequence[Client], instances: Sequence[Instance],
         parallel: int) -> dict[str, Rate]:
    """Retrieve each instance as stored (``transfer-syntax=*``); instances/s per server."""
    headers = {**IDENTITY, "Accept": WADO_ACCEPT}

    def run(client: Client, block: Sequence[Instance]) -> None:
        def get(n: int, one: Sequence[Instance]) -> None:
            response = client.get(n, _instance_path(one[0]), headers, "WADO")
            if len(response.content) < len(one[0].data) - 128:
                raise BadAnswer(f"{client.server.name} WADO: {len(response.content)} bytes")

        _parallel(pool, parallel, _blocks(block, 1), get)

    with ThreadPoolExecutor(parallel) as pool:
        return _turns(clients, instances, run)


@dataclass(frozen=True)
class Latency:
    """Percentiles of one request path, in milliseconds."""

    p50: float
    p95: float


def _latencies(clients: Sequence[Client], paths: Sequence[str], headers: dict[str, str],
               what: str, warmup: int = 3) -> dict[str, Latency]:
    """One request at a time, the servers taking turns on each path."""
    times: dict[str, list[float]] = {c.server.name: [] for c in clients}
    for n, path in enumerate([*paths[:warmup], *paths]):
        for client in clients if n % 2 == 0 else list(reversed(clients)):
            started = time.perf_counter()
            client.get(0, path, headers, what).content  # noqa: B018 - the body is the answer
            if n >= warmup:
                times[client.server.name].append((time.perf_counter() - started) * 1000)
    return {name: Latency(statistics.median(t),
                          statistics.quantiles(t, n=20, method="inclusive")[18])
            for name, t in times.items()}


def qido_queries(instances: Sequence[Instance], calls: int) -> dict[str, list[str]]:
    """Typical searches, ``calls`` paths each, rotating over the stored values."""
    studies = list(dict.fromkeys(i.study for i in instances))
    series = list(dict.fromkeys((i.study, i.series) for i in instances))
    patients = list(dict.fromkeys(i.patient_id for i in instances))
    # Thirty days from a stored date: a few studies in each range.
    ranges = [f"{d}-{dt.datetime.strptime(d, '%Y%m%d') + dt.timedelta(days=30):%Y%m%d}"
              for d in sorted({i.study_date for i in instances})]

    def rotate(values: list[str]) -> list[str]:
        return [values[n % len(values)] for n in range(calls)]

    return {
        "study by StudyInstanceUID": rotate([f"studies?StudyInstanceUID={s}" for s in studies]),
        "studies by PatientID": rotate([f"studies?PatientID={p}" for p in patients]),
        "studies by StudyDate range": rotate([f"studies?StudyDate={r}" for r in ranges]),
        "series of a study": rotate([f"studies/{s}/series" for s in studies]),
        "instances of a series": rotate(
            [f"studies/{s}/series/{se}/instances" for s, se in series]),
    }


def qido(clients: Sequence[Client], queries: dict[str, list[str]]) -> dict[str, dict[str, Latency]]:
    """Latency of each query (name -> server -> latency)."""
    return {name: _latencies(clients, paths, DICOM_JSON, f"QIDO {name}")
            for name, paths in queries.items()}


def rendered(clients: Sequence[Client], instances: Sequence[Instance],
             quality: int | None = None) -> dict[str, Latency]:
    """Latency of ``/rendered`` as image/jpeg, at ``quality`` or each server's default."""
    query = "" if quality is None else f"?quality={quality}"
    paths = [f"{_instance_path(i)}/rendered{query}" for i in instances]
    return _latencies(clients, paths, {**IDENTITY, "Accept": "image/jpeg"}, "rendered")


def metadata(clients: Sequence[Client], instances: Sequence[Instance],
             level: str = "instance") -> dict[str, Latency]:
    """Latency of ``/metadata`` (DICOM JSON) of each instance, or of each one's series."""
    if level == "instance":
        paths = [f"{_instance_path(i)}/metadata" for i in instances]
    else:
        paths = [f"studies/{i.study}/series/{i.series}/metadata" for i in instances]
    return _latencies(clients, paths, DICOM_JSON, f"{level} metadata")


def durable_writes(data: bytes, count: int, directory: str | None = None) -> float:
    """Files per second written as a durable store does: temp file, write, fsync, rename."""
    with tempfile.TemporaryDirectory(prefix="bench-disk-", dir=directory) as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        for n in range(count):
            spool = root / f"{n}.tmp"
            with open(spool, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(spool, root / f"{n}.dcm")
        return count / (time.perf_counter() - started)
