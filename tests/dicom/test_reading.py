"""The process-wide reading policy survives threads encoding DICOM JSON at once."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import pytest
from pydicom import config

from dicom_emulator.dicom.dicom_json import pydicom_metadata, to_metadata
from dicom_emulator.dicom.reading import use_emulator_reading_policy
from tests.support.datasets import make_dataset


@pytest.fixture
def thread_switches_often() -> Iterator[None]:
    """A switch every microsecond, so threads interleave inside the briefest section."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)
        use_emulator_reading_policy()  # whatever a failure left behind


@pytest.mark.usefixtures("thread_switches_often")
def test_threads_encoding_metadata_at_once_leave_the_reading_policy_as_it_was() -> None:
    # STOW encodes on worker threads; the encoders enter pydicom's strict reading for an
    # element at a time (an in-memory dataset's elements are converted: each one does).
    use_emulator_reading_policy()
    ds = make_dataset()
    encoded: list[int] = []

    def encode() -> None:
        for _ in range(300):
            encoded.append(len(to_metadata(ds)) + len(pydicom_metadata(ds, frozenset())))

    threads = [threading.Thread(target=encode) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(encoded) == 1200 and len(set(encoded)) == 1
    assert config.settings.reading_validation_mode == config.IGNORE
