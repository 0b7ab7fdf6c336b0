"""The fast DICOM JSON encoder against pydicom's path: the same JSON, or the same exception.

Every dataset is read twice, as STOW reads it (header only, values over 4 KB deferred),
and each copy goes through one encoder. The results must be the same dict, key order and
value types included (``1`` is not ``1.0``), and the same JSON text as the store writes
it; where pydicom's path raises, the fast one must raise the same type. Each dataset is
also encoded after STOW's validation has converted some elements, after every element
was converted, and with some tags dropped.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

import pydicom
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError

from bench.workload import generate
from dicom_emulator.dicom import json_encoder
from dicom_emulator.dicom.dicom_json import pydicom_metadata, to_metadata
from dicom_emulator.features.store.rules import read_header, validate
from helpers import samples
from tests.dicom import raw_files
from tests.dicom.raw_files import EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE, Element, Encoding

# Both encoders read what pydicom warns about (bad encodings, unknown VRs): expected here.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

Encoder = Callable[[Dataset, frozenset[int]], dict[str, Any]]
Source = Path | bytes


def _read(source: Source) -> Dataset:
    if isinstance(source, Path):
        try:
            return read_header(source)
        except InvalidDicomError:  # some of pydicom's test files are no Part 10 files
            return dcmread(source, stop_before_pixels=True, defer_size=4096, force=True)
    return dcmread(BytesIO(source), stop_before_pixels=True, defer_size=4096)


def _convert_all(ds: Dataset) -> None:
    for _ in ds.iterall():
        pass


# How the store path may hand a dataset over: as read, after validation, all converted.
PREPARED: dict[str, Callable[[Dataset], object]] = {
    "as read": lambda ds: None,
    "validated (v2)": lambda ds: validate(ds, None, 2),
    "validated (v1)": lambda ds: validate(ds, None, 1),
    "converted": _convert_all,
}


def typed(value: Any) -> Any:
    """``value`` with every type spelled out: ``1``, ``1.0`` and ``True`` all differ."""
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    if isinstance(value, str):  # a UID or VR (str subclasses) is text in JSON
        return ("str", str(value))
    if isinstance(value, float):
        return (type(value).__name__, repr(value))  # NaN equals NaN here
    return (type(value).__name__, value)


def _stored_text(result: dict[str, Any]) -> str:
    """The JSON text as the store writes it, or the exception doing so raises."""
    try:
        text = json.dumps(result, ensure_ascii=False, separators=(",", ":"))
        text.encode("utf-8")
    except Exception as exc:
        return f"raised {type(exc).__name__}"
    return text


def outcome(encode: Encoder, source: Source, prepare: str, drop_every: int) -> Any:
    try:
        ds = _read(source)
    except Exception as exc:  # the store would fail it before encoding
        return ("reading raised", type(exc))
    try:
        PREPARED[prepare](ds)
    except Exception as exc:
        return ("preparing raised", type(exc))
    drop = frozenset(list(ds.keys())[::drop_every]) if drop_every else frozenset()
    try:
        result = encode(ds, drop)
    except Exception as exc:
        return ("raised", type(exc))
    return typed(result), _stored_text(result)


def assert_same(source: Source, prepare: str = "as read", drop_every: int = 0) -> None:
    expected = outcome(pydicom_metadata, source, prepare, drop_every)
    assert outcome(json_encoder.metadata, source, prepare, drop_every) == expected


def assert_same_everyhow(source: Source) -> None:
    for prepare in PREPARED:
        assert_same(source, prepare)
    assert_same(source, "as read", drop_every=3)
    assert_same(source, "validated (v2)", drop_every=4)


def test_the_comparison_tells_types_apart() -> None:
    assert typed({"a": [1]}) != typed({"a": [1.0]})
    assert typed({"a": [1]}) != typed({"a": [True]})
    assert typed({"a": 1, "b": 2}) != typed({"b": 2, "a": 1})
    assert typed([float("nan")]) == typed([float("nan")])


def test_the_emulator_reading_policy_is_what_the_encoder_assumes() -> None:
    assert json_encoder.can_encode()  # tests/conftest.py sets the emulator's policy


@pytest.mark.parametrize("path", [p for p in pydicom.data.get_testdata_files()
                                  if Path(p).is_file()], ids=lambda p: Path(p).name)
def test_pydicoms_test_files(path: str) -> None:
    assert_same_everyhow(Path(path))


def test_the_azure_samples(azure_samples: dict[str, Path]) -> None:
    assert len(azure_samples) == 3
    for path in azure_samples.values():
        assert_same_everyhow(path)


def test_the_kits_samples(tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("samples")
    for path in [*samples.generate(folder), samples.xa_multiframe(folder)]:
        assert_same_everyhow(path)


def test_the_benchmarks_instances() -> None:
    for instance in generate(5):
        assert_same_everyhow(instance.data)


# -- hand-made datasets: what pydicom reads in a special way ---------------------------------

PN, DS, IS, US, SQ = 0x00100010, 0x00200032, 0x00081160, 0x00280010, 0x00081115
CHARSET, LUT_DESCRIPTOR, SMALLEST_PIXEL = 0x00080005, 0x00283002, 0x00280106


def _us(*values: int) -> bytes:
    return struct.pack(f"<{len(values)}H", *values)


CASES: dict[str, list[Element]] = {
    "invalid IS (retried as text, then dropped)": [(IS, "IS", b"1\\abc ")],
    "empty IS value among others": [(IS, "IS", b"1\\\\2 ")],
    "IS too large for a float": [(IS, "IS", b"12345678901234567890")],
    "DS NaN and infinity": [(DS, "DS", b"nan\\1e400\\-inf ")],
    "blank DS": [(DS, "DS", b"  ")],
    "US of odd length (raises)": [(US, "US", b"\x01\x00\x02")],
    "US of length 0": [(US, "US", b"")],
    "LUT descriptor, first value negative": [(LUT_DESCRIPTOR, "SS", struct.pack("<3h", -1, 0, 16))],
    "ambiguous US or SS": [(0x00280103, "US", _us(1)), (SMALLEST_PIXEL, "SS", b"\xff\xff")],
    "PN with three groups and empty ones": [(PN, "PN", "A^B=山田^太郎=やまだ^たろう".encode())],
    "PN empty among several (dropped)": [(PN, "PN", b"A\\\\B ")],
    "PN of spaces": [(PN, "PN", b"    ")],
    "UTF-8 text": [(CHARSET, "CS", b"ISO_IR 192"), (PN, "PN", "Bülow^Jörg".encode()),
                   (0x00081080, "LO", "Ça va\\très bien ".encode())],
    "invalid UTF-8": [(CHARSET, "CS", b"ISO_IR 192"), (0x00081080, "LO", b"\xff\xfe"),
                      (PN, "PN", b"\xc3(")],
    "Latin-1 text": [(CHARSET, "CS", b"ISO_IR 100"), (PN, "PN", "Müller^É".encode("latin-1"))],
    "escape sequences": [(CHARSET, "CS", b"\\ISO 2022 IR 87"),
                         (PN, "PN", b"Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B")],
    "Japanese without escapes": [(CHARSET, "CS", b"ISO_IR 13"), (0x00081080, "LO", b"\xb1\xb2")],
    "unknown character set": [(CHARSET, "CS", b"ISO_IR 999"), (0x00081080, "LO", b"\xe9")],
    "UN of a known tag": [(0x00081080, "UN", b"UN TEXT ")],
    "private tags": [(0x00090010, "LO", b"ACME"), (0x00091001, "DS", b"1.5 "),
                     (0x00091002, "UN", b"\x01\x02")],
    "unknown VR (raises)": [(0x00081080, "ZZ", b"AB")],
    "sequence with a failing element (whole sequence dropped)": [
        (SQ, "SQ", [[(0x00081150, "UI", b"1.2\0")], [(IS, "IS", b"x")]]), (US, "US", _us(5))],
    "sequence with a failing element and a raising one": [
        (SQ, "SQ", [[(IS, "IS", b"x")], [(US, "US", b"\x01")]])],
    "empty sequence and empty item": [(SQ, "SQ", []), (0x0040A730, "SQ", [[]])],
    "character set in an item": [(SQ, "SQ", [[(CHARSET, "CS", b"ISO_IR 192"),
                                              (PN, "PN", "Ä^B".encode())]])],
    "AT values": [(0x00209165, "AT", _us(0x0010, 0x0010, 0x0020, 0x000D))],
    "AT of length 6": [(0x00209165, "AT", _us(0x0010, 0x0010, 0x0020))],
    "deferred values": [(0x00081080, "LO", b"A" * 5000), (0x00420011, "OB", b"\0" * 5000)],
    "group length and unknown tag": [(0x00080000, "UL", struct.pack("<L", 10)),
                                     (0x0008FF00, "LO", b"what")],
}
ENCODINGS = {"explicit LE": EXPLICIT_LE, "implicit LE": IMPLICIT_LE, "explicit BE": EXPLICIT_BE,
             "undefined lengths": Encoding(EXPLICIT_LE.syntax, False, True, True)}


@pytest.mark.parametrize("encoding", ENCODINGS.values(), ids=ENCODINGS.keys())
@pytest.mark.parametrize("elements", CASES.values(), ids=CASES.keys())
def test_hand_made_datasets(elements: list[Element], encoding: Encoding) -> None:
    assert_same_everyhow(raw_files.part10(sorted(elements, key=lambda e: e[0]), encoding))


# -- generated datasets ----------------------------------------------------------------------

# Tags whose dictionary VR is each VR (what an implicit VR file is read with), and a few
# that are read in a special way: ambiguous VRs, LUT descriptors, private and unknown tags.
TAGS = [0x00080054, 0x0072005F, 0x00209165, 0x00080008, 0x00080020, 0x00200032, 0x0008002A,
        0x00186054, 0x0018605A, 0x00081160, 0x00081080, 0x00080108, 0x00420011, 0x003A032E,
        0x00181638, 0x00660040, 0x00720081, 0x00281201, 0x0008009C, 0x00080094, 0x0040A162,
        0x00189442, 0x00080081, 0x00720082, 0x0014407C, 0x00160008, 0x00081150, 0x00081161,
        0x0072006D, 0x00280010, 0x0008030E, 0x00720083, 0x00081190, 0x00280106, 0x00283006,
        LUT_DESCRIPTOR, 0x00281101, 0x00280103, PN, 0x00090010, 0x00091001, 0x00080000,
        0x0008FF00]
VRS = ["AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO", "LT", "OB", "OD",
       "OF", "OL", "OV", "OW", "PN", "SH", "SL", "SS", "ST", "SV", "TM", "UC", "UI", "UL",
       "UN", "UR", "US", "UT", "UV"]
CHARSETS = [b"", b"ISO_IR 100", b"ISO_IR 192", b"\\ISO 2022 IR 87", b"ISO_IR 13", b"GB18030",
            b"ISO_IR 144", b"ISO_IR 100\\ISO_IR 192", b"bogus"]

_text = st.text(alphabet="0123456789.+-eE \\^=Aa\0\x1b\t\xe9\xff山\u00a0", max_size=12)
_numbers = st.lists(st.one_of(st.integers(-(2**40), 2**40), st.floats()), max_size=3).map(
    lambda values: "\\".join(map(str, values)))
values = st.one_of(
    st.binary(max_size=12),
    _text.map(lambda text: text.encode("utf-8")),
    _text.map(lambda text: text.encode("latin-1", "replace")),
    _numbers.map(str.encode),
    st.lists(st.floats(width=32), max_size=3).map(lambda v: struct.pack(f"<{len(v)}f", *v)),
    st.lists(st.integers(0, 65535), max_size=4).map(lambda v: _us(*v)),
)
_plain_element = st.tuples(st.sampled_from(TAGS), st.sampled_from(VRS), values)
_charset = st.tuples(st.just(CHARSET), st.just("CS"), st.sampled_from(CHARSETS))


def _datasets(children: st.SearchStrategy[Element]) -> st.SearchStrategy[list[Element]]:
    elements = st.one_of(children, children, children, _charset)
    return st.dictionaries(st.integers(), elements, max_size=8).map(
        lambda found: sorted({e[0]: e for e in found.values()}.values(), key=lambda e: e[0]))


_item_element = st.one_of(_plain_element, st.tuples(
    st.sampled_from([SQ, 0x0040A730]), st.just("SQ"), st.lists(_datasets(_plain_element),
                                                                max_size=2)))
_element = st.one_of(_plain_element, st.tuples(
    st.sampled_from([SQ, 0x0040A730]), st.just("SQ"), st.lists(_datasets(_item_element),
                                                                max_size=3)))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elements=_datasets(_element), encoding=st.sampled_from(list(ENCODINGS.values())),
       prepare=st.sampled_from(list(PREPARED)), drop_every=st.sampled_from([0, 0, 2, 3]))
def test_generated_datasets(elements: list[Element], encoding: Encoding, prepare: str,
                            drop_every: int) -> None:
    assert_same(raw_files.part10(elements, encoding), prepare, drop_every)


# -- the entry point ----------------------------------------------------------------------

def _failing(ds: Dataset, drop: frozenset[int]) -> dict[str, Any]:
    raise AssertionError("the fast encoder was used")


def test_to_metadata_leaves_another_reading_policy_to_pydicom(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_encoder, "metadata", _failing)
    monkeypatch.setattr(pydicom.config.settings, "reading_validation_mode", pydicom.config.WARN)
    data = next(generate(1)).data
    assert to_metadata(_read(data)) == pydicom_metadata(_read(data), frozenset())


def test_to_metadata_lets_pydicom_decide_when_the_fast_encoder_gives_up(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_encoder, "metadata", _failing)
    data = next(generate(1)).data
    expected = pydicom_metadata(_read(data), frozenset({0x00100010}))
    assert to_metadata(_read(data), [0x00100010]) == expected
    assert "00100010" not in expected and "00100020" in expected


def test_to_metadata_raises_where_pydicom_does() -> None:
    data = raw_files.part10([(US, "US", b"\x01\x00\x02")])
    with pytest.raises(pydicom.errors.BytesLengthException):
        to_metadata(_read(data))
