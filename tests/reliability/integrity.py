"""What must hold in a data dir whatever was sent: stored instances unchanged, every index
row with its file, no file without its row, no spooled part left behind.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import requests

from tests.support.headers import DICOM
from tests.support.stow import multipart_stow

PREAMBLE = 128


def store_baseline(url: str, instances: list[bytes]) -> dict[tuple[str, str, str], bytes]:
    """Store ``instances`` (one request); their UIDs and bytes, to compare later."""
    from io import BytesIO

    from pydicom import dcmread

    body, headers = multipart_stow(*instances)
    response = requests.post(f"{url}/v2/studies", data=body, headers=headers, timeout=60)
    assert response.status_code == 200, response.text
    stored = {}
    for data in instances:
        ds = dcmread(BytesIO(data), stop_before_pixels=True)
        stored[(ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)] = data
    return stored


def changed_instances(url: str, stored: dict[tuple[str, str, str], bytes]) -> list[str]:
    """The stored instances that are gone or differ past the (zeroed) preamble."""
    changed = []
    for (study, series, sop), data in stored.items():
        response = requests.get(
            f"{url}/v2/studies/{study}/series/{series}/instances/{sop}",
            headers={"Accept": f"{DICOM}; transfer-syntax=*"}, timeout=60)
        if response.status_code != 200 or response.content[PREAMBLE:] != data[PREAMBLE:]:
            changed.append(f"{sop}: {response.status_code}")
    return changed


def _query(data_dir: Path, sql: str) -> list[tuple[object, ...]]:
    """Rows of ``sql`` on the index, read-only (beside a running emulator)."""
    conn = sqlite3.connect(f"file:{data_dir / 'index.sqlite'}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def index_rows(data_dir: Path) -> set[str]:
    """The file names the index names: current versions, and the originals of updated
    instances."""
    return {str(row[0]) for row in _query(
        data_dir, "SELECT blob FROM instance UNION ALL SELECT blob FROM instance_original")}


def active_operations(data_dir: Path) -> int:
    """Operations not finished yet (a restart resumes them)."""
    rows = _query(data_dir, "SELECT count(*) FROM operation"
                            " WHERE status IN ('notStarted', 'running')")
    return int(str(rows[0][0]))


def blob_files(data_dir: Path) -> set[str]:
    root = data_dir / "blobs"
    return {p.relative_to(root).as_posix() for p in root.glob("*/*.dcm")}


def consistency_problems(data_dir: Path) -> list[str]:
    """Rows without files, files without rows and spooled leftovers, described."""
    rows, files = index_rows(data_dir), blob_files(data_dir)
    spool = data_dir / "tmp"
    leftovers = [p.name for p in spool.iterdir()] if spool.is_dir() else []
    problems = [f"row without file: {n}" for n in sorted(rows - files)]
    problems += [f"orphan file: {n}" for n in sorted(files - rows)]
    problems += [f"spooled leftover: {n}" for n in leftovers]
    return problems


def peak_rss_bytes(pid: int) -> int | None:
    """The process's peak resident set size (Linux ``VmHWM``), None elsewhere."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None
