"""STOW's header read (``features.store.rules.read_header``): the same dataset whether the
part is parsed from memory or from disk, long (deferred) values included."""

from __future__ import annotations

from pathlib import Path

import pytest

from dicom_emulator.features.store import rules
from tests.support.datasets import make_dataset, to_bytes

LONG_TEXT = "x" * 10_000  # past the header read's defer size (4096 bytes)


@pytest.mark.parametrize("in_memory_bytes", [rules.HEADER_IN_MEMORY_BYTES, 0])
def test_a_header_is_read_alike_from_memory_and_from_disk(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_memory_bytes: int) -> None:
    monkeypatch.setattr(rules, "HEADER_IN_MEMORY_BYTES", in_memory_bytes)
    ds = make_dataset(ImageComments=LONG_TEXT)
    part = tmp_path / "part"
    part.write_bytes(to_bytes(ds))

    read = rules.read_header(part)

    assert read.ImageComments == LONG_TEXT  # the deferred value, read when asked for
    assert read.SOPInstanceUID == ds.SOPInstanceUID
    assert "PixelData" not in read and read.preamble is not None


@pytest.mark.parametrize("in_memory_bytes", [rules.HEADER_IN_MEMORY_BYTES, 0])
def test_a_header_without_preamble_is_read_too(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_memory_bytes: int) -> None:
    monkeypatch.setattr(rules, "HEADER_IN_MEMORY_BYTES", in_memory_bytes)
    ds = make_dataset()
    part = tmp_path / "part"
    part.write_bytes(to_bytes(ds)[132:])  # what dcmwrite makes of an in-memory dataset

    read = rules.read_header(part)

    assert read.SOPInstanceUID == ds.SOPInstanceUID and read.preamble is None
