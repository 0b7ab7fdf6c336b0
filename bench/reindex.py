"""Benchmark: a reindex operation over 10,000 stored instances.

Starts an emulator process on a fresh data directory, stores N small instances (multipart
STOW from a few clients), adds three extended query tags (one per level) and times the
reindex operation from the 202 to its final 200. Reports the time and instances/s, and
checks that every instance was indexed once. Never part of the tests::

    .venv/bin/python -m bench.reindex                  # 10,000 instances
    .venv/bin/python -m bench.reindex --instances 2000 --output bench/results/reindex.json
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from dicomweb_client import DICOMwebClient
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

from dicom_emulator.launcher import launch

TAGS = [
    {"path": "PatientAge", "level": "Study"},
    {"path": "SeriesDescription", "level": "Series"},
    {"path": "AcquisitionDateTime", "level": "Instance"},
]
PER_SERIES = 20
PER_REQUEST = 50


def start_emulator(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    return launch(data_dir, "--auth", "off")


def instance(study: str, series: str, number: int) -> Dataset:
    """A small header-only instance with a value for each benchmark tag."""
    ds = Dataset()
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID = study, series, generate_uid()
    ds.PatientID, ds.PatientName, ds.Modality = f"P{number % 97}", "Bench^Mark", "OT"
    ds.PatientAge = f"{number % 100:03d}Y"
    ds.SeriesDescription = f"series {series[-6:]}"
    ds.AcquisitionDateTime = f"2024{1 + number % 12:02d}{1 + number % 28:02d}120000"
    ds.InstanceNumber = number
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    return ds


def store_all(base: str, count: int, clients: int) -> float:
    """Store ``count`` instances; returns the seconds it took."""
    def work(worker: int) -> None:
        client = DICOMwebClient(base)
        numbers = range(worker, count, clients)
        batch: list[Dataset] = []
        study = series = ""
        for i, number in enumerate(numbers):
            if i % PER_SERIES == 0:
                study, series = generate_uid(), generate_uid()
            batch.append(instance(study, series, number))
            if len(batch) == PER_REQUEST:
                client.store_instances(batch)
                batch = []
        if batch:
            client.store_instances(batch)

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(work, range(clients)))
    return time.perf_counter() - started


def reindex(base: str) -> tuple[float, int]:
    """Add the tags and wait for the reindex; returns (seconds, polls)."""
    session = requests.Session()
    started = time.perf_counter()
    response = session.post(f"{base}/extendedquerytags", json=TAGS)
    response.raise_for_status()
    href, polls = response.json()["href"], 0
    while True:
        polls += 1
        state = session.get(href)
        if state.status_code == 200:
            if state.json()["status"] != "succeeded":
                raise RuntimeError(f"reindex ended {state.json()}")
            return time.perf_counter() - started, polls
        time.sleep(0.05)


def indexed_once(data_dir: Path, count: int) -> bool:
    with sqlite3.connect(f"file:{data_dir / 'index.sqlite'}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT tag_key || ':' || instance_key)"
            " FROM extended_query_tag_value").fetchone()
    return bool(rows[0] == rows[1] == count * len(TAGS))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reindex", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=4, help="parallel STOW clients")
    parser.add_argument("--output", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-reindex-") as tmp:
        data_dir = Path(tmp)
        process, root = start_emulator(data_dir)
        try:
            base = f"{root}/v2"
            store_seconds = store_all(base, args.instances, args.clients)
            print(f"stored {args.instances} instances in {store_seconds:.1f} s "
                  f"({args.instances / store_seconds:.0f}/s)")
            seconds, polls = reindex(base)
            ok = indexed_once(data_dir, args.instances)
        finally:
            process.terminate()
            process.wait(timeout=30)
    result = {
        "instances": args.instances,
        "tags": len(TAGS),
        "reindex_seconds": round(seconds, 2),
        "instances_per_second": round(args.instances / seconds, 1),
        "store_instances_per_second": round(args.instances / store_seconds, 1),
        "indexed_exactly_once": ok,
        "polls": polls,
        # The machine is shared: record how busy it was.
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    print(f"reindex of {args.instances} instances on {len(TAGS)} tags: {seconds:.2f} s "
          f"({args.instances / seconds:.0f} instances/s); every instance indexed once: {ok}")
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(result, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
