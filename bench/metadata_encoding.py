"""Benchmark: STOW's metadata encoding, pydicom's path against the fast encoder, in-process.

For each header (``bench.workload`` instances, the three Azure sample files when
``../shared`` is there, and pydicom's larger example headers), a fresh dataset is read as
STOW reads it and validated as v2 does (neither timed), then one ``to_metadata`` is timed:
pydicom's path (``pydicom_metadata``) and the entry point (the fast encoder) take turns,
so the shared machine's noise hits both. Also timed: the JSON text the store writes (the
metadata and its three level subsets), as before and as now. Reports median CPU time
(this thread's) in microseconds per instance, and the ratio. Never part of the tests::

    .venv/bin/python -m bench.metadata_encoding               # 200 instances, 20 rounds
    .venv/bin/python -m bench.metadata_encoding --instances 20 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset

from bench.workload import generate
from dicom_emulator.dicom.attributes import LEVEL_ATTRIBUTES, Level
from dicom_emulator.dicom.dicom_json import pydicom_metadata, subset, to_metadata
from dicom_emulator.dicom.reading import use_emulator_reading_policy
from dicom_emulator.dicom.tags import tag_hex
from dicom_emulator.features.store import service
from dicom_emulator.features.store.rules import validate

SHARED_SAMPLES = Path(__file__).resolve().parents[1].parent / "shared/data/azure-samples"
LARGER_HEADERS = ["CT_small.dcm", "MR_small.dcm", "JPEG2000.dcm"]  # 60 to 150 elements
LEVELS = (Level.STUDY, Level.SERIES, Level.INSTANCE)


def _header(data: bytes) -> Dataset:
    ds = dcmread(BytesIO(data), stop_before_pixels=True, defer_size=4096)
    validate(ds, None, 2)  # what the store does before encoding (it converts some elements)
    return ds


def _time(encode: Callable[[Dataset], Any], data: bytes) -> float:
    ds = _header(data)
    start = time.thread_time()
    encode(ds)
    return (time.thread_time() - start) * 1e6


def _old_text(metadata: dict[str, Any]) -> None:
    """The store's JSON text before: json.dumps four times, keywords looked up each time."""
    def dumps(value: dict[str, Any]) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    for level in LEVELS:
        dumps({tag_hex(k): metadata[tag_hex(k)] for k in LEVEL_ATTRIBUTES[level]
               if tag_hex(k) in metadata})
    dumps(metadata).encode("utf-8")


def _new_text(metadata: dict[str, Any]) -> None:
    for level in LEVELS:
        service._json(subset(metadata, LEVEL_ATTRIBUTES[level]))
    service._utf8_json(metadata)


def _row(name: str, headers: list[bytes], rounds: int) -> tuple[str, int, float, float]:
    old: list[float] = []
    new: list[float] = []
    for _ in range(rounds):
        for data in headers:
            old.append(_time(lambda ds: pydicom_metadata(ds, frozenset()), data))
            new.append(_time(to_metadata, data))
    elements = len(to_metadata(_header(headers[0])))
    return name, elements, statistics.median(old), statistics.median(new)


def _text_row(headers: list[bytes], rounds: int) -> tuple[str, int, float, float]:
    metadata = [to_metadata(_header(data)) for data in headers]
    old: list[float] = []
    new: list[float] = []
    for _ in range(rounds):
        for m in metadata:
            for encode, times in ((_old_text, old), (_new_text, new)):
                start = time.thread_time()
                encode(m)
                times.append((time.thread_time() - start) * 1e6)
    return ("JSON text (4 dumps), workload", len(metadata[0]), statistics.median(old),
            statistics.median(new))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.metadata_encoding",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=20, help="rounds for the small sets")
    args = parser.parse_args(argv)
    use_emulator_reading_policy()
    load_before = os.getloadavg()[0]
    workload = [instance.data for instance in generate(args.instances)]
    rows = [_row(f"bench.workload ({args.instances} instances)", workload, 1)]
    if SHARED_SAMPLES.is_dir():
        for path in sorted(SHARED_SAMPLES.glob("*.dcm")):
            rows.append(_row(f"Azure sample {path.name}", [path.read_bytes()], args.rounds))
    else:
        print(f"(no {SHARED_SAMPLES}: Azure samples skipped)")
    for name in LARGER_HEADERS:
        found = get_testdata_file(name, download=False)
        if isinstance(found, str):
            rows.append(_row(f"pydicom {name}", [Path(found).read_bytes()], args.rounds))
    rows.append(_text_row(workload[:20], args.rounds))
    print(f"load average (1 min) {load_before:.1f} before, {os.getloadavg()[0]:.1f} after; "
          f"{os.cpu_count()} CPUs\n")
    print("| headers | elements | before (CPU us) | now (CPU us) | before/now |")
    print("|---|---|---|---|---|")
    for name, elements, old, new in rows:
        print(f"| {name} | {elements} | {old:.0f} | {new:.0f} | {old / new:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
