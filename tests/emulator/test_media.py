"""Unit tests of media-type parsing and multipart/related framing."""

from __future__ import annotations

from pathlib import Path

import pytest

from dicom_emulator.features.store.body import MultipartError, MultipartSpooler
from dicom_emulator.web.media import (
    encode_multipart,
    parse_accept,
    parse_media_type,
)


def test_parse_media_type_reads_quoted_parameters() -> None:
    media = parse_media_type('multipart/related; type="application/dicom"; transfer-syntax=*')
    assert media.type == "multipart/related"
    assert media.params == {"type": "application/dicom", "transfer-syntax": "*"}


def test_parse_accept_keeps_order_and_quality() -> None:
    ranges = parse_accept('application/dicom+json;q=0.5, */*; q=0.1, application/json')
    assert [r.type for r in ranges] == ["application/dicom+json", "*/*", "application/json"]
    assert [r.quality for r in ranges] == [0.5, 0.1, 1.0]


def test_parse_accept_does_not_split_inside_quotes() -> None:
    (media,) = parse_accept('multipart/related; type="a/b, c/d"')
    assert media.params["type"] == "a/b, c/d"


@pytest.mark.parametrize(
    ("range_", "concrete", "expected"),
    [
        ("*/*", "application/dicom+json", True),
        ("application/*", "application/dicom+json", True),
        ("image/*", "application/dicom+json", False),
        ("application/dicom+json", "application/dicom+json", True),
        ("application/json", "application/dicom+json", False),
    ],
)
def test_media_range_matching(range_: str, concrete: str, expected: bool) -> None:
    assert parse_media_type(range_).matches(concrete) is expected


def _spool(body: bytes, boundary: str, tmp_path: Path, chunk: int) -> list[tuple[dict, bytes]]:
    spooler = MultipartSpooler(boundary, tmp_path)
    for start in range(0, len(body), chunk):
        spooler.feed(body[start:start + chunk])
    return [(p.headers, p.path.read_bytes()) for p in spooler.finish()]


@pytest.mark.parametrize("chunk", [1, 7, 64, 1 << 20])
def test_multipart_round_trip_in_any_chunking(tmp_path: Path, chunk: int) -> None:
    parts = [("application/dicom", b"first\r\n--not-a-boundary"), ("application/dicom", b"")]
    parts.append(("application/dicom", bytes(range(256)) * 40))
    body = encode_multipart(parts, "BOUNDARY42")
    received = _spool(body, "BOUNDARY42", tmp_path, chunk)
    assert [payload for _, payload in received] == [p for _, p in parts]
    assert all(h["content-type"] == "application/dicom" for h, _ in received)


def test_truncated_body_drops_the_incomplete_part(tmp_path: Path) -> None:
    body = encode_multipart([("application/dicom", b"whole"), ("application/dicom", b"cut")], "B")
    received = _spool(body[: body.index(b"cut") + 2], "B", tmp_path, 5)
    assert [payload for _, payload in received] == [b"whole"]
    assert len(list(tmp_path.iterdir())) == 1  # the cut part's temp file is gone


def test_malformed_framing_raises_multipart_error(tmp_path: Path) -> None:
    spooler = MultipartSpooler("B", tmp_path)
    with pytest.raises(MultipartError):
        spooler.feed(b"--B\r\nContent-Type application/dicom\r\n\r\n" + b"x" * 10 + b"\r\n--B--")
