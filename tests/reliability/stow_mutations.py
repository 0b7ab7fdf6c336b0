"""Hostile STOW-RS requests made from real files: each case is a body, its headers, a kind.

Seeds are the kit's own sample files (``helpers.samples``: the files pydicom ships) and a
small generated instance; every case gets fresh UIDs where it keeps a dataset readable, so
a case never collides with the instances stored before the run. Kinds mutate the DICOM
bytes (truncation, flipped bytes, element lengths, VRs, deep sequences, transfer
syntaxes, NumberOfFrames) or the multipart framing (boundaries, part headers, part counts).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from io import BytesIO

from pydicom import dcmread
from pydicom.uid import generate_uid

from helpers.samples import pydicom_examples
from tests.reliability import dicom_bytes as db
from tests.support.datasets import make_instance

DICOM = "application/dicom"
ACCEPT = "application/dicom+json"
# What the service answers a STOW with: stored, partly, nothing sent, a bad request, all
# failed, too large, a media type it does not take.
STOW_STATUSES = frozenset({200, 202, 204, 400, 409, 413, 415})
SEED_NAMES = ("ct", "mr", "jpeg-extended", "ybr-multiframe")
ODD_SYNTAXES = [b"1.2.840.10008.1.2", b"1.2.840.10008.1.2.2", b"1.2.840.10008.1.2.1.99",
                b"1.2.840.10008.1.2.4.50", b"1.2.840.10008.1.2.5", b"1.2.3", b"", b"abc",
                b"1.2.840.10008.1.2.4.90\0\0", b"9" * 70]
ODD_FRAMES = [b"abc", b"-1", b"0", b"99999999999", b"1.5", b"", b"1\\2", b" 3 "]


@dataclass(frozen=True)
class Case:
    kind: str
    body: bytes
    headers: dict[str, str]


def seeds() -> list[bytes]:
    """The real files the mutations start from, each with new UIDs."""
    files = [path.read_bytes() for name, path in pydicom_examples().items() if name in SEED_NAMES]
    return files + [make_instance()]


def with_new_uids(data: bytes) -> bytes:
    """The file with a new study, series and SOP instance UID (so it is a new instance)."""
    ds = dcmread(BytesIO(data))
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.SOPInstanceUID = generate_uid()
    if "MediaStorageSOPInstanceUID" in ds.file_meta:
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    out = BytesIO()
    ds.save_as(out, enforce_file_format=False)
    return out.getvalue()


def multipart(parts: list[tuple[dict[str, str], bytes]], boundary: str = "B0und") -> bytes:
    chunks = []
    for headers, data in parts:
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        chunks.append(f"--{boundary}\r\n{head}\r\n".encode("latin-1") + data + b"\r\n")
    return b"".join(chunks) + f"--{boundary}--\r\n".encode()


def related(boundary: str = "B0und", type_: str | None = DICOM) -> dict[str, str]:
    typed = f'; type="{type_}"' if type_ else ""
    return {"Accept": ACCEPT, "Content-Type": f"multipart/related{typed}; boundary={boundary}"}


def _flip(rng: random.Random, data: bytes, low: int, high: int, count: int) -> bytes:
    out = bytearray(data)
    for _ in range(count):
        if high > low:
            out[rng.randrange(low, high)] ^= 1 << rng.randrange(8)
    return bytes(out)


def _element(rng: random.Random, data: bytes) -> db.Element | None:
    elements = db.walk(data)
    return rng.choice(elements) if elements else None


def _set_length(data: bytes, element: db.Element, length: int) -> bytes:
    size = element.length_size
    length &= (1 << (8 * size)) - 1
    return (data[:element.length_offset] + length.to_bytes(size, "little")
            + data[element.length_offset + size:])


# -- DICOM mutations: bytes -> bytes ------------------------------------------------------

def truncated(rng: random.Random, data: bytes) -> bytes:
    return data[:rng.randrange(0, len(data))]


def flipped_header(rng: random.Random, data: bytes) -> bytes:
    elements = db.walk(data)
    end = elements[-1].start if elements else min(len(data), 2048)
    return _flip(rng, data, db.PREAMBLE, max(end, db.PREAMBLE + 1), rng.randint(1, 16))


def flipped_pixels(rng: random.Random, data: bytes) -> bytes:
    return _flip(rng, data, len(data) * 2 // 3, len(data), rng.randint(1, 64))


def huge_length(rng: random.Random, data: bytes) -> bytes:
    element = _element(rng, data)
    if element is None:
        return data
    top = (1 << (8 * element.length_size)) - 1
    return _set_length(data, element, rng.choice([top, top - 1, top // 2, 0x7FFFFFFF]))


def wrong_length(rng: random.Random, data: bytes) -> bytes:
    element = _element(rng, data)
    if element is None:
        return data
    return _set_length(data, element, max(0, element.length + rng.choice([-3, -2, -1, 1, 2, 7])))


def unknown_vr(rng: random.Random, data: bytes) -> bytes:
    element = _element(rng, data)
    if element is None:
        return data
    vr = rng.choice([b"ZZ", b"\0\0", b"xx", b"SQ", b"UN", b"OB", b"US", b"AT", b"??"])
    return data[:element.vr_offset] + vr + data[element.vr_offset + 2:]


def deep_sequence(rng: random.Random, data: bytes) -> bytes:
    return db.insert_before_pixels(data, db.nested_sequence(rng.choice([64, 100, 164, 400, 2000])))


def odd_transfer_syntax(rng: random.Random, data: bytes) -> bytes:
    return db.replace_element(data, 0x00020010, b"UI", rng.choice(ODD_SYNTAXES))


def odd_frames(rng: random.Random, data: bytes) -> bytes:
    return db.replace_element(data, 0x00280008, b"IS", rng.choice(ODD_FRAMES))


DICOM_MUTATIONS: dict[str, Callable[[random.Random, bytes], bytes]] = {
    "truncated": truncated, "flipped header": flipped_header, "flipped pixels": flipped_pixels,
    "huge element length": huge_length, "wrong element length": wrong_length,
    "unknown VR": unknown_vr, "deep sequence": deep_sequence,
    "odd transfer syntax": odd_transfer_syntax, "odd NumberOfFrames": odd_frames,
}


# -- framing mutations: a good instance and a mutated one -> a whole request ---------------

def _framing(rng: random.Random, good: bytes, bad: bytes) -> Case:
    kind = rng.choice(["no closing boundary", "duplicated boundary", "wrong boundary",
                       "no boundary parameter", "part without content type",
                       "huge part header", "tiny parts", "junk around parts",
                       "boundary inside data", "single part", "bare LF framing"])
    part = {"Content-Type": DICOM}
    body = multipart([(part, good), (part, bad)])
    headers = related()
    if kind == "no closing boundary":
        body = body[:body.rindex(b"--B0und--")]
    elif kind == "duplicated boundary":
        body = body.replace(b"--B0und\r\n", b"--B0und\r\n--B0und\r\n", 1)
    elif kind == "wrong boundary":
        headers = related("Other")
    elif kind == "no boundary parameter":
        headers = {"Accept": ACCEPT, "Content-Type": f'multipart/related; type="{DICOM}"'}
    elif kind == "part without content type":
        body = multipart([(part, good), ({}, bad)] if rng.random() < 0.5 else [({}, good)])
    elif kind == "huge part header":
        size = rng.choice([8 * 1024, 64 * 1024, 1024 * 1024])
        body = multipart([({**part, "X-Padding": "a" * size}, good)])
    elif kind == "tiny parts":
        count = rng.choice([100, 1000, 10_000])
        body = multipart([(part, rng.choice([b"", b"\0", b"DICM"])) for _ in range(count)])
    elif kind == "junk around parts":
        body = b"preamble junk\r\n" + body + b"epilogue junk" * rng.randint(1, 100)
    elif kind == "boundary inside data":
        cut = rng.randrange(len(good))
        body = multipart([(part, good[:cut] + b"\r\n--B0und\r\n" + good[cut:])])
    elif kind == "single part":
        body, headers = bad, {"Accept": ACCEPT, "Content-Type": DICOM}
    elif kind == "bare LF framing":
        body = body.replace(b"\r\n", b"\n")
    return Case("framing: " + kind, body, headers)


def cases(seed: int, count: int, sources: list[bytes] | None = None) -> Iterator[Case]:
    """``count`` hostile STOW requests, the same for the same ``seed``."""
    rng = random.Random(seed)
    originals = sources or seeds()
    for _ in range(count):
        good = with_new_uids(rng.choice(originals))
        if rng.random() < 0.3:
            yield _framing(rng, with_new_uids(rng.choice(originals)), good)
            continue
        kind = rng.choice(list(DICOM_MUTATIONS))
        bad = DICOM_MUTATIONS[kind](rng, good)
        if rng.random() < 0.5:  # a good part beside it: it must be stored or refused whole
            yield Case(kind, multipart([({"Content-Type": DICOM}, bad),
                                        ({"Content-Type": DICOM}, with_new_uids(good))]),
                       related())
        else:
            yield Case(kind, bad, {"Accept": ACCEPT, "Content-Type": DICOM})
