"""Fixtures of the storage tests: a real index file in the test's temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dicom_emulator.storage.extended_query_tags import ExtendedQueryTagIndex
from dicom_emulator.storage.index import Index


@pytest.fixture
def index(tmp_path: Path) -> Iterator[Index]:
    """An index with the extended-query-tag extension, as the emulator builds it."""
    index = Index(tmp_path / "index.sqlite", extensions=[ExtendedQueryTagIndex()])
    yield index
    index.close()
