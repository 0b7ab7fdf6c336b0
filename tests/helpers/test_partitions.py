"""helpers.partitions against a real emulator process created with data partitions, with
auth on (the kit's workshop credential), through the real dicomweb-client."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace

import pytest
import requests
from pydicom.uid import generate_uid

from helpers import make_client, make_session
from helpers.config import Settings
from helpers.emulator.process import stop_emulator
from helpers.partitions import (
    DEFAULT_PARTITION,
    list_partitions,
    partition_client,
    partitioned_service,
)
from tests.support.datasets import make_dataset

pytestmark = pytest.mark.live


def free_port_pair() -> int:
    """A free port whose next port is free too (the partitioned service takes it)."""
    while True:
        with socket.socket() as sock, socket.socket() as after:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
            try:
                after.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
            return port


@pytest.fixture(scope="module")
def usual(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of a usual local emulator (never started here)."""
    return Settings(emulator_data_dir=tmp_path_factory.mktemp("kit") / "emulator",
                    emulator_port=free_port_pair())


@pytest.fixture(scope="module")
def partitioned(usual: Settings) -> Iterator[Settings]:
    settings = partitioned_service(usual)
    try:
        yield settings
    finally:
        stop_emulator(settings)


def test_the_partitioned_service_is_a_second_emulator(usual: Settings,
                                                      partitioned: Settings) -> None:
    assert partitioned.emulator_port == usual.emulator_port + 1
    assert partitioned.emulator_data_dir.name == "emulator-partitions"
    assert partitioned.emulator_data_partitions and not usual.emulator_data_partitions
    azure = replace(usual, service_url="https://ws-dicom.dicom.azurehealthcareapis.com")
    assert partitioned_service(azure) == azure


def test_two_partitions_keep_two_copies(partitioned: Settings) -> None:
    client = make_client(partitioned)
    ds = make_dataset(generate_uid(), generate_uid(), generate_uid())
    first, second = (partition_client(client, name) for name in ("class-a", "class-b"))
    assert first.base_url == client.base_url + "/partitions/class-a"
    for bound in (first, second):
        bound.store_instances([ds])
    assert len(first.search_for_instances(ds.StudyInstanceUID)) == 1
    first.delete_study(ds.StudyInstanceUID)
    assert first.search_for_instances(ds.StudyInstanceUID) == []
    assert second.retrieve_instance(ds.StudyInstanceUID, ds.SeriesInstanceUID,
                                    ds.SOPInstanceUID).SOPInstanceUID == ds.SOPInstanceUID
    names = [p.partition_name for p in list_partitions(make_session(partitioned),
                                                       client.base_url)]
    assert names == [DEFAULT_PARTITION, "class-a", "class-b"]
    # A partition of a partition client is a sibling, not a nested path.
    assert partition_client(first, "x").base_url == client.base_url + "/partitions/x"


def test_the_usual_client_is_refused_on_a_partitioned_service(partitioned: Settings) -> None:
    with pytest.raises(requests.HTTPError) as error:
        make_client(partitioned).search_for_studies()
    assert error.value.response.status_code == 400
    assert error.value.response.text == "PartitionName value is missing in the route segment."


@pytest.mark.parametrize("name", ["", "a b", "x" * 65, "p/1"])
def test_an_invalid_name_is_refused_before_any_request(partitioned: Settings,
                                                       name: str) -> None:
    with pytest.raises(ValueError, match='Argument "name"'):
        partition_client(make_client(partitioned), name)
