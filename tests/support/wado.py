"""WADO-RS test helpers: store instances through STOW, split multipart responses."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import httpx
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid
from python_multipart.multipart import MultipartParser
from starlette.testclient import TestClient

from dicom_emulator.web.media import parse_media_type
from tests.support.datasets import to_bytes
from tests.support.headers import STOW_SINGLE_PART


@dataclass(frozen=True)
class Stored:
    """What a test stored: the bytes sent and where to find the instance."""

    data: bytes
    study: str
    series: str
    sop: str

    @property
    def url(self) -> str:
        return f"/v2/studies/{self.study}/series/{self.series}/instances/{self.sop}"

    @property
    def series_url(self) -> str:
        return f"/v2/studies/{self.study}/series/{self.series}"

    @property
    def study_url(self) -> str:
        return f"/v2/studies/{self.study}"

    @property
    def as_stored(self) -> bytes:
        """The file as the emulator keeps it: the 128-byte preamble zeroed."""
        if self.data[128:132] == b"DICM":
            return bytes(128) + self.data[128:]
        return self.data

    def dataset(self) -> Dataset:
        return dcmread(BytesIO(self.data))


def store_bytes(http: TestClient, data: bytes) -> Stored:
    """POST one Part 10 file; it must be stored (200 or 202)."""
    response = http.post("/v2/studies", content=data, headers=STOW_SINGLE_PART)
    assert response.status_code in (200, 202), response.text
    ds = dcmread(BytesIO(data), stop_before_pixels=True)
    return Stored(data, ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)


def with_new_uids(ds: Dataset, study: str | None = None, series: str | None = None) -> Dataset:
    """``ds`` with fresh study/series/SOP instance UIDs, so tests never collide."""
    ds.StudyInstanceUID = study or generate_uid()
    ds.SeriesInstanceUID = series or generate_uid()
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    if "PatientID" not in ds:
        ds.PatientID = "PYDICOM"
    return ds


def store_dataset(http: TestClient, ds: Dataset) -> Stored:
    return store_bytes(http, to_bytes(ds))


def store_testdata(http: TestClient, name: str, study: str | None = None) -> Stored:
    """Store one of the files that ship inside the pydicom wheel, under new UIDs."""
    path = get_testdata_file(name)
    assert path is not None, name
    return store_dataset(http, with_new_uids(dcmread(path), study))


def read_pydicom_test_file(name: str) -> Dataset:
    """One of the files that ship inside the pydicom wheel, as it is (its own UIDs)."""
    path = get_testdata_file(name)
    assert path is not None, name
    return dcmread(Path(path))


@dataclass(frozen=True)
class Part:
    headers: dict[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers["content-type"]


def split_multipart(response: httpx.Response) -> list[Part]:
    """The parts of a ``multipart/related`` response (python-multipart does the parsing)."""
    media = parse_media_type(response.headers["content-type"])
    assert media.type == "multipart/related", response.headers["content-type"]
    parts: list[Part] = []
    headers: dict[str, str] = {}
    field, value, body = bytearray(), bytearray(), bytearray()

    def header_end() -> None:
        headers[field.decode().strip().lower()] = value.decode().strip()
        field.clear()
        value.clear()

    def part_end() -> None:
        parts.append(Part(dict(headers), bytes(body)))
        headers.clear()
        body.clear()

    parser = MultipartParser(media.params["boundary"], {
        "on_header_field": lambda d, s, e: field.extend(d[s:e]),
        "on_header_value": lambda d, s, e: value.extend(d[s:e]),
        "on_header_end": header_end,
        "on_part_data": lambda d, s, e: body.extend(d[s:e]),
        "on_part_end": part_end,
    })
    parser.write(response.content)
    parser.finalize()
    return parts


def get_without_accept(http: TestClient, url: str) -> httpx.Response:
    """GET with no Accept header at all (httpx sends ``*/*`` unless told otherwise)."""
    request = http.build_request("GET", url)
    del request.headers["accept"]
    return http.send(request)
