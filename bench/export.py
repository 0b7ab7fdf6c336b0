"""Benchmark: export a 1,000-instance study to Azurite, in files per second.

Starts a real Azurite and an emulator process whose managed identity holds the Azurite
account's key, stores one study of N CT-like instances (256×256 16-bit, ~130 KB each,
multipart STOW), then times the export operation from the 202 to its final 200 and
checks that every file landed. Never part of the tests::

    .venv/bin/python -m bench.export                 # 1,000 instances
    .venv/bin/python -m bench.export --instances 200
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path

import numpy as np
import requests
from azure.storage.blob import ContainerClient
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

from dicom_emulator.launcher import launch
from helpers.azurite import ACCOUNT, start_azurite, stop_process, storage_accounts
from helpers.azurite import storage_credential as azurite_credential

PER_REQUEST = 50


def ct_instance(study: str, series: str, number: int) -> bytes:
    ds = Dataset()
    ds.SOPClassUID = CTImageStorage
    ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID = study, series, generate_uid()
    ds.PatientID, ds.PatientName, ds.Modality = "BENCH", "Bench^Export", "CT"
    ds.InstanceNumber = number
    ds.Rows = ds.Columns = 256
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = (np.arange(256 * 256, dtype=np.uint16) % 4096).tobytes()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    buffer = BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def store(url: str, files: list[bytes]) -> None:
    for start in range(0, len(files), PER_REQUEST):
        body = b"".join(b"--B\r\nContent-Type: application/dicom\r\n\r\n" + f + b"\r\n"
                        for f in files[start:start + PER_REQUEST]) + b"--B--\r\n"
        response = requests.post(f"{url}/v2/studies", data=body, headers={
            "Content-Type": 'multipart/related; type="application/dicom"; boundary=B'})
        assert response.status_code == 200, response.text


def run(instances: int, work: Path) -> dict[str, float]:
    azurite, blob_url = start_azurite(work / "azurite", 0)
    os.environ["DICOM_EMULATOR_STORAGE_CREDENTIAL"] = azurite_credential(work / "azurite")
    emulator, url = launch(work / "emulator", "--auth", "off")
    try:
        account = storage_accounts(work / "azurite", blob_url)[ACCOUNT]
        container = ContainerClient.from_connection_string(account.connection_string, "bench")
        container.create_container()
        study, series = generate_uid(), generate_uid()
        files = [ct_instance(study, series, n) for n in range(instances)]
        store(url, files)
        began = time.perf_counter()
        started = requests.post(f"{url}/v2/export", json={
            "source": {"type": "identifiers", "settings": {"values": [study]}},
            "destination": {"type": "azureblob", "settings": {
                "blobContainerUri": container.url, "useManagedIdentity": True}}})
        assert started.status_code == 202, started.text
        while (state := requests.get(started.json()["href"])).status_code == 202:
            time.sleep(0.05)
        seconds = time.perf_counter() - began
        results = state.json()["results"]
        landed = sum(1 for _ in container.list_blobs(name_starts_with=started.json()["id"]))
        assert results["exported"] == instances and landed == instances + 1  # + errors.log
        megabytes = sum(len(f) for f in files) / 1e6
        return {"instances": instances, "seconds": round(seconds, 2),
                "files_per_second": round(instances / seconds, 1),
                "megabytes_per_second": round(megabytes / seconds, 1)}
    finally:
        emulator.terminate()
        emulator.wait(10)
        stop_process(azurite)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.export", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, default=1000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-export-") as work:
        print(run(args.instances, Path(work)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
