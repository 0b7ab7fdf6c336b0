"""An emulator created with data partitions, and a client that works in one partition.

``PartitionClient`` sends every DICOMweb request of a partitioned family (``/studies``,
``/series``, ``/instances``) below ``/partitions/{name}``, so a test written for the
unpartitioned service runs unchanged inside a partition.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Collection, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from starlette.testclient import TestClient

from dicom_emulator import EmulatorSettings, create_app

# Paths below a version prefix whose family the service partitions.
_PARTITIONED = re.compile(r"^(/v[^/]+)(/(?:studies|series|instances)(?:[/?].*)?)$",
                          re.IGNORECASE)


def partitioned_path(path: str, partition: str) -> str:
    """``path`` below ``/partitions/{partition}`` when its family is partitioned."""
    match = _PARTITIONED.match(path)
    return f"{match[1]}/partitions/{partition}{match[2]}" if match else path


class PartitionClient(TestClient):
    """A test client whose DICOMweb requests go to the partition ``partition``."""

    partition = "p1"

    def build_request(self, method: str, url: Any, *args: Any, **kwargs: Any) -> Any:
        # Every request of an httpx client is built here, sent by send() or request().
        # TestClient.request has joined it to its base already: an absolute URL object.
        parts = urlsplit(str(url))
        url = urlunsplit(parts._replace(path=partitioned_path(parts.path, self.partition)))
        return super().build_request(method, url, *args, **kwargs)


def partitions_settings(data_dir: Path) -> EmulatorSettings:
    return EmulatorSettings(data_dir=data_dir, auth=False, data_partitions=True)


@pytest.fixture
def partitions_http(tmp_path: Path) -> Iterator[TestClient]:
    """The emulator created with data partitions (auth off), called as is."""
    with TestClient(create_app(partitions_settings(tmp_path / "partitioned")),
                    base_url="http://testserver") as client:
        yield client


@pytest.fixture
def in_partition(tmp_path: Path) -> Iterator[PartitionClient]:
    """The emulator created with data partitions, every DICOMweb call in partition p1."""
    with PartitionClient(create_app(partitions_settings(tmp_path / "partitioned")),
                         base_url="http://testserver") as client:
        yield client


# Fixtures of tests that build their own unpartitioned app (``tests/support/qido.py``).
_OWN_APP = {"read_only_http", "seeded", "seeded_app", "writable_seeded"}


def copied_tests(module: ModuleType, leave_out: Collection[str] = ()) -> dict[str, Any]:
    """A test module's tests and fixtures, to run again in another module: without the
    tests ``leave_out`` names, and without those on an app of their own."""
    found = {}
    for name, value in vars(module).items():
        if name.startswith("__") or name in leave_out:
            continue
        if name.startswith("test_") and _OWN_APP & set(inspect.signature(value).parameters):
            continue
        found[name] = value
    return found
