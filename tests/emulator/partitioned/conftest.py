"""The unpartitioned service's HTTP tests, run unchanged in partition p1 of a service created
with data partitions: here ``http`` sends every DICOMweb request below ``/partitions/p1``
(``tests/support/partitions.py``). Each module imports one test module's tests and leaves
out, by name and with the reason, those that cannot hold inside a partition.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from dicom_emulator import create_app
from tests.support.partitions import PartitionClient, partitions_settings


@pytest.fixture
def http(tmp_path: Path) -> Iterator[TestClient]:
    with PartitionClient(create_app(partitions_settings(tmp_path / "emulator")),
                         base_url="http://testserver") as client:
        yield client
