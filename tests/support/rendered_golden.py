"""Golden renders: what ``render_frame`` makes of every file we can find, as SHA-256.

The inputs are pydicom's test files, the three Azure samples (when ``../shared`` is
there) and one benchmark instance. For each input and frame (the first, and the last of
a multi-frame file) the golden file records, per output (JPEG at quality 100 and 90,
PNG), the SHA-256 of the encoded bytes, or the error type when the render fails; and the
SHA-256 of the 8-bit pixels (``to_8bit``), which depend on numpy alone, not on the
encoder. Encoders differ between builds, so the golden file records the Pillow, libjpeg
and zlib versions it was made with (``tests/emulator/test_rendered_golden.py``)::

    python -m tests.support.rendered_golden   # rewrites tests/emulator/rendered_golden.json

Regenerate it only from code whose output is known right (main), never to make a changed
render pass.
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import PIL
from PIL import features
from pydicom import dcmread
from pydicom.data import get_testdata_files

from dicom_emulator.dicom.reading import use_emulator_reading_policy
from dicom_emulator.features.retrieve.render import render_frame, to_8bit
from dicom_emulator.web.media import JPEG, PNG

GOLDEN = Path(__file__).parents[1] / "emulator" / "rendered_golden.json"
AZURE_SAMPLES = Path(__file__).parents[2].parent / "shared" / "data" / "azure-samples"
OUTPUTS = {"jpeg-100": (JPEG, 100), "jpeg-90": (JPEG, 90), "png": (PNG, 100)}
NO_LIMIT = 1 << 40


def encoder_versions() -> dict[str, str | None]:
    """What the encoded bytes depend on besides our code."""
    return {"pillow": PIL.__version__, "libjpeg": features.version("jpg"),
            "zlib": features.version("zlib"), "machine": platform.machine()}


def pydicom_inputs() -> Iterator[tuple[str, Path]]:
    for name in sorted(get_testdata_files()):
        path = Path(name)
        yield f"pydicom:{path.name}", path


def azure_inputs() -> Iterator[tuple[str, Path]]:
    for path in sorted(AZURE_SAMPLES.glob("*.dcm")):
        yield f"azure:{path.name}", path


def bench_input(tmp: Path) -> Iterator[tuple[str, Path]]:
    from bench.workload import generate

    path = tmp / "bench-0.dcm"
    path.write_bytes(next(generate(1)).data)
    yield "bench:0", path


def frames_of(path: Path) -> list[int]:
    """The frames rendered: the first, and the last of a multi-frame file."""
    try:
        count = int(dcmread(path, stop_before_pixels=True).get("NumberOfFrames") or 1)
    except Exception:  # not a file pydicom can read: frame 0 records the error
        return [0]
    return [0] if count <= 1 else [0, count - 1]


def render_outcomes(path: Path, frame: int) -> dict[str, str]:
    """Output name -> SHA-256 of the bytes, or ``error:<type>``; ``pixels`` too."""
    outcomes: dict[str, str] = {}
    for name, (media_type, quality) in OUTPUTS.items():
        try:
            data = render_frame(path, path.stat().st_size, frame, media_type, quality, NO_LIMIT)
        except Exception as exc:  # the outcome to keep is the error type
            outcomes[name] = f"error:{type(exc).__name__}"
        else:
            outcomes[name] = hashlib.sha256(data).hexdigest()
    if not outcomes["png"].startswith("error:"):
        outcomes["pixels"] = pixels_digest(path, frame)
    return outcomes


def pixels_digest(path: Path, frame: int) -> str:
    image = np.ascontiguousarray(to_8bit(dcmread(path), frame))
    shape = "x".join(map(str, image.shape)).encode()
    return hashlib.sha256(shape + b":" + image.tobytes()).hexdigest()


def main() -> int:
    import tempfile

    use_emulator_reading_policy()
    renders: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        inputs = [*pydicom_inputs(), *azure_inputs(), *bench_input(Path(tmp))]
        if not any(key.startswith("azure:") for key, _ in inputs):
            print(f"the Azure samples are not at {AZURE_SAMPLES}", file=sys.stderr)
            return 1
        for key, path in inputs:
            for frame in frames_of(path):
                renders[f"{key}#{frame}"] = render_outcomes(path, frame)
    GOLDEN.write_text(json.dumps({"encoders": encoder_versions(), "renders": renders},
                                 indent=1, sort_keys=True) + "\n")
    print(f"{len(renders)} renders written to {GOLDEN}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
