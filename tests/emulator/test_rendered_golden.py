"""Rendered images are byte-for-byte what they were: every input of the golden file.

``rendered_golden.json`` was made from main's rendering code (``tests.support.rendered_golden``)
before rendering was optimized; any change of a byte here is a change users would see.
The 8-bit pixels are compared everywhere. The encoded bytes are compared where Pillow,
libjpeg, zlib and the CPU family are those the golden file was made with (the pinned
wheels on x86-64 Linux); elsewhere an encoder build of its own may pick other bytes for
the same pixels, and that part is skipped with the versions named.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.rendered_golden import (
    GOLDEN,
    azure_inputs,
    bench_input,
    encoder_versions,
    pydicom_inputs,
    render_outcomes,
)

_GOLDEN = json.loads(GOLDEN.read_text())
RENDERS: dict[str, dict[str, str]] = _GOLDEN["renders"]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("golden")
    return dict([*pydicom_inputs(), *azure_inputs(), *bench_input(tmp)])


def test_golden_file_covers_every_kind_of_input() -> None:
    kinds = {key.split(":")[0] for key in RENDERS}
    assert kinds == {"pydicom", "azure", "bench"}
    assert sum("pixels" in outcome for outcome in RENDERS.values()) >= 100


@pytest.mark.parametrize("key", sorted(RENDERS))
def test_render_is_unchanged(key: str, inputs: dict[str, Path]) -> None:
    name, frame = key.rsplit("#", 1)
    if name not in inputs:
        pytest.skip(f"{name} is not on this machine (the Azure samples live in ../shared)")
    expected = RENDERS[key]
    actual = render_outcomes(inputs[name], int(frame))
    assert actual.get("pixels") == expected.get("pixels")
    errors = {k: v for k, v in expected.items() if v.startswith("error:")}
    assert {k: v for k, v in actual.items() if k in errors} == errors
    if encoder_versions() != _GOLDEN["encoders"]:
        pytest.skip(f"encoders {encoder_versions()} differ from the golden file's "
                    f"{_GOLDEN['encoders']}: only the pixels and errors were compared")
    assert actual == expected
