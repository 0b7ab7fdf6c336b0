"""Transfer syntax conversion with pydicom: whole instances and single frames.

The service transcodes with fo-dicom's ``DicomTranscoder`` (``Transcoder.cs``) from a
fixed set of source syntaxes to Explicit VR Little Endian or JPEG 2000 lossless; any
other source, a codec failure, or a file over ``MaxDicomFileSize`` is a 406. Here the
codecs are pydicom's pixel decoders and encoders (pylibjpeg and its plugins).

Everything in this module blocks (file reads, decoding): call it from a worker thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.pixels import get_decoder, get_encoder
from pydicom.uid import (
    JPEG2000,
    UID,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGLossless,
    JPEGLosslessSV1,
    RLELossless,
)

from dicom_emulator.dicom.vr import OTHER_WORD_SIZES
from dicom_emulator.errors import NotAcceptableError

# Sources fo-dicom's transcoder handles in the service (spec §1, "Transcoding").
TRANSCODABLE_SOURCES = frozenset({
    ImplicitVRLittleEndian, ExplicitVRLittleEndian, ExplicitVRBigEndian,
    JPEGBaseline8Bit, JPEGLossless, JPEGLosslessSV1, JPEG2000Lossless, JPEG2000, RLELossless,
})
TRANSCODING_TARGETS = frozenset({ExplicitVRLittleEndian, JPEG2000Lossless})
# Uncompressed little-endian data is already in the bytes Explicit VR LE would carry.
NATIVE_LITTLE_ENDIAN = frozenset({ImplicitVRLittleEndian, ExplicitVRLittleEndian})

FILE_TOO_BIG = (
    "Requested DICOM instance size is above the supported limit of {0}. The entire instance "
    "can be retrieved with the original transfer syntax by specifying 'transfer-syntax=*' in "
    "the Accept header."
)

_PIXEL_DATA = 0x7FE00010


class TranscodingError(NotAcceptableError):
    """406: the instance cannot be converted to the requested syntax."""

    default_message = "The specified transcoding is not supported."


def needs_transcoding(stored: str, requested: str) -> bool:
    """Whether ``requested`` (``"*"`` or a UID) differs from the stored syntax."""
    return requested != "*" and requested != stored


def check_size(size: int, limit: int) -> None:
    """406 with the service's message when a file is too large to load and convert."""
    if size > limit:
        raise NotAcceptableError(FILE_TOO_BIG.format(limit))


@contextmanager
def _codec_errors() -> Iterator[None]:
    """Whatever pydicom or a codec raises for data it refuses becomes a 406."""
    try:
        yield
    except (TranscodingError, FileNotFoundError):
        raise
    except Exception as exc:  # pydicom and the codecs raise many types for data they refuse
        raise TranscodingError() from exc


def transcode_instance(path: Path, target: str, out: BinaryIO) -> None:
    """Write the instance stored at ``path`` to ``out`` in the ``target`` syntax.

    The SOP Instance UID and every other attribute are kept; only the encoding and the
    pixel data representation change.

    Parameters
    ----------
    path : Path
        The stored Part 10 file.
    target : str
        ``1.2.840.10008.1.2.1`` or ``1.2.840.10008.1.2.4.90``.
    out : BinaryIO
        Where the new Part 10 file is written.

    Raises
    ------
    TranscodingError
        The source or target syntax is not supported, or a codec failed.
    """
    with _codec_errors():
        ds = dcmread(path)
        source = _source_syntax(ds, target)
        _decode_to_little_endian(ds, source)
        if target == JPEG2000Lossless:
            arr = None
            if ds.get("PhotometricInterpretation") == "YBR_FULL_422":
                # Subsampled native data: the encoder takes full-resolution RGB.
                arr = ds.pixel_array
                ds.PhotometricInterpretation = "RGB"
            ds.compress(JPEG2000Lossless, arr, generate_instance_uid=False)
        ds.save_as(out, enforce_file_format=True)


def transcode_frames(path: Path, indices: list[int], target: str) -> list[bytes]:
    """The frames at 0-based ``indices``, decoded and re-encoded in ``target``.

    For Explicit VR Little Endian a frame is its native pixel bytes (colour as RGB, the
    way :meth:`~pydicom.dataset.Dataset.decompress` leaves it); for JPEG 2000 lossless it
    is one JPEG 2000 code stream.

    Raises
    ------
    TranscodingError
        The source or target syntax is not supported, or a codec failed.
    """
    with _codec_errors():
        ds = dcmread(path)
        source = _source_syntax(ds, target)
        decoder = get_decoder(source)
        frames = []
        for index in indices:
            # pydicom annotates the decoding options as ``**kwargs: DecodeOptions``.
            arr, meta = decoder.as_array(ds, index=index, as_rgb=True)  # type: ignore[arg-type]
            arr = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
            if target == JPEG2000Lossless:
                frames.append(get_encoder(JPEG2000Lossless).encode(arr, **_encode_options(meta)))
            else:
                frames.append(native_bytes(arr, int(meta["bits_allocated"])))
        return frames


def native_bytes(arr: np.ndarray, bits_allocated: int) -> bytes:
    """Pixel values as Explicit VR Little Endian pixel data bytes."""
    if bits_allocated == 1:
        return np.packbits(arr.astype(np.uint8).ravel(), bitorder="little").tobytes()
    return arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()


def swap_to_little_endian(data: bytes, word_size: int) -> bytes:
    """Big-endian words of ``word_size`` bytes as little-endian ones."""
    if word_size < 2:
        return data
    return np.frombuffer(data, dtype=f">u{word_size}").astype(f"<u{word_size}").tobytes()


def pixel_word_size(vr: str | None, bits_allocated: int) -> int:
    """Byte width to swap big-endian pixel data by (OB is a byte stream: no swap)."""
    if vr == "OB":
        return 1
    return max(2, bits_allocated // 8)


def _source_syntax(ds: Dataset, target: str) -> UID:
    source = UID(str(ds.file_meta.get("TransferSyntaxUID", ImplicitVRLittleEndian)))
    if source not in TRANSCODABLE_SOURCES or target not in TRANSCODING_TARGETS:
        raise TranscodingError()
    return source


def _decode_to_little_endian(ds: Dataset, source: UID) -> None:
    """Leave ``ds`` as uncompressed Explicit VR Little Endian, same SOP Instance UID."""
    if source.is_compressed:
        # pydicom 3 would give the decompressed instance a new SOP Instance UID.
        ds.decompress(generate_instance_uid=False)
        return
    if source == ExplicitVRBigEndian:
        _swap_words(ds)
        ds.set_original_encoding(False, True, ds.original_character_set)
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian


def _swap_words(ds: Dataset) -> None:
    # pydicom writes numbers in the new byte order but leaves O* byte strings as they are:
    # swap each word of an "other" VR when leaving big endian.
    bits_allocated = int(ds.get("BitsAllocated", 16) or 16)
    for elem in ds.iterall():
        if elem.VR not in OTHER_WORD_SIZES or not isinstance(elem.value, bytes | bytearray):
            continue
        size = OTHER_WORD_SIZES[elem.VR]
        if elem.tag == _PIXEL_DATA:
            size = pixel_word_size(elem.VR, bits_allocated)
        elem.value = swap_to_little_endian(bytes(elem.value), size)


def _encode_options(meta: dict[str, Any]) -> dict[str, Any]:
    options = {key: meta[key] for key in (
        "rows", "columns", "samples_per_pixel", "bits_allocated", "bits_stored",
        "pixel_representation", "photometric_interpretation",
    )}
    options["number_of_frames"] = 1
    if int(meta["samples_per_pixel"]) > 1:
        options["planar_configuration"] = 0
    return options

