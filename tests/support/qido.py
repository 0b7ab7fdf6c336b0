"""QIDO tests' data and checks: three seeded studies, one app seeded once per module.

Most QIDO tests only read: they share one app seeded once per test module
(``read_only_http`` and ``seeded``), and fail if they store or delete anything there. A
test that changes the seed data takes ``writable_seeded``, the same data in its own app
(``http``). The fixtures are registered by ``tests/emulator/conftest.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from pydicom.uid import generate_uid
from starlette.testclient import TestClient

from dicom_emulator import EmulatorSettings, create_app
from tests.support.datasets import make_instance
from tests.support.headers import ACCEPT_DICOM_JSON, STOW_SINGLE_PART

STUDY_UID, SERIES_UID, SOP_UID = "0020000D", "0020000E", "00080018"
PATIENT_NAME, MODALITY = "00100010", "00080060"


def values(dataset: dict[str, Any], tag: str) -> list[Any]:
    return dataset.get(tag, {}).get("Value", [])


def first(dataset: dict[str, Any], tag: str) -> Any:
    return values(dataset, tag)[0]


def store(http: TestClient, study: str, series: str, sop: str, **attributes: Any) -> None:
    response = http.post("/v2/studies", content=make_instance(study, series, sop, **attributes),
                         headers=STOW_SINGLE_PART)
    assert response.status_code == 200, response.text


def assert_search(http: TestClient, url: str, status: int = 200) -> list[dict[str, Any]]:
    """GET a QIDO ``url`` and assert its status (200: DICOM JSON; 204: an empty body)."""
    response = http.get(url, headers=ACCEPT_DICOM_JSON)
    assert response.status_code == status, response.text
    if status == 204:
        assert response.content == b""
        return []
    assert response.headers["content-type"].startswith("application/dicom+json")
    return response.json()  # type: ignore[no-any-return]


def uids(datasets: list[dict[str, Any]], tag: str) -> list[str]:
    return [first(d, tag) for d in datasets]


@dataclass
class Seeded:
    """Three studies stored oldest first: A (2 series, 3 instances), B, C (newest)."""

    a: str
    a_ct: str
    a_mr: str
    b: str
    b_us: str
    c: str
    c_ct: str
    sops: list[str]  # in store order

    @property
    def newest_instances(self) -> list[str]:
        return self.sops[::-1]


def seed(http: TestClient) -> Seeded:
    """Store the three studies of ``Seeded``, one instance per request."""
    s = Seeded(*(generate_uid() for _ in range(7)), sops=[])  # type: ignore[misc]
    study_a = dict(PatientName="John^Doe", PatientID="PID-A", StudyDate="20200115",
                   AccessionNumber="ACC-1", ReferringPhysicianName="House^Gregory",
                   StudyDescription="Head CT", StudyTime="101500", PatientSex="M", StudyID="7")
    instances = [
        (s.a, s.a_ct, dict(study_a, Modality="CT", ManufacturerModelName="Scanner X",
                           PerformedProcedureStepStartDate="20200115", InstanceNumber=1)),
        (s.a, s.a_ct, dict(study_a, Modality="CT", ManufacturerModelName="Scanner X",
                           PerformedProcedureStepStartDate="20200115", InstanceNumber=2)),
        (s.a, s.a_mr, dict(study_a, Modality="MR", ImageComments="the MR one")),
        (s.b, s.b_us, dict(PatientName="Renée^Françoise", PatientID="PID-B", StudyDate="20210610",
                           StudyDescription="Tête", Modality="US")),
        (s.c, s.c_ct, dict(PatientName="Johnson^Mary", PatientID="pid-c", StudyDate="20220301",
                           Modality="CT")),
    ]
    for study, series, attributes in instances:
        sop = generate_uid()
        s.sops.append(sop)
        store(http, study, series, sop, **attributes)
    return s


def latest_change(http: TestClient) -> object:
    response = http.get("/v2/changefeed/latest", headers=ACCEPT_DICOM_JSON)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def seeded_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Seeded]]:
    """One app for the module, seeded once: (client, what was stored)."""
    settings = EmulatorSettings(data_dir=tmp_path_factory.mktemp("query") / "emulator",
                                auth=False)
    with TestClient(create_app(settings), base_url="http://testserver") as client:
        yield client, seed(client)


@pytest.fixture
def read_only_http(seeded_app: tuple[TestClient, Seeded]) -> Iterator[TestClient]:
    """The module's seeded app, for a test that only reads; one that writes fails here."""
    client, _ = seeded_app
    before = latest_change(client)
    yield client
    assert latest_change(client) == before, (
        "this test changed the shared seed data: give it `writable_seeded` and `http`")


@pytest.fixture
def seeded(seeded_app: tuple[TestClient, Seeded], read_only_http: TestClient,
           request: pytest.FixtureRequest) -> Seeded:
    """What ``read_only_http`` holds (the app's own ``http`` is empty: never pair them)."""
    assert "http" not in request.fixturenames, "seeded data is in `read_only_http`, not `http`"
    return seeded_app[1]


@pytest.fixture
def writable_seeded(http: TestClient) -> Seeded:
    """The seed data stored in the test's own app, for a test that changes it."""
    return seed(http)
