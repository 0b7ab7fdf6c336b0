"""Frames of a stored instance: where they sit in the file, and their bytes.

Only the header is parsed (large values are deferred, so the pixel data is never loaded
whole); a native frame is read with one seek, an encapsulated one through pydicom's
``encaps.get_frame``. Frames that need another transfer syntax go to :mod:`transcode`.

Everything here blocks on file reads: call it from a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
from pydicom import dcmread
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.encaps import get_frame
from pydicom.uid import UID, ExplicitVRLittleEndian, ImplicitVRLittleEndian

from dicom_emulator.errors import FrameNotFoundError
from dicom_emulator.features.retrieve.transcode import (
    NATIVE_LITTLE_ENDIAN,
    check_size,
    needs_transcoding,
    transcode_frames,
)

# Values larger than this stay on disk while the header is parsed.
_DEFER_SIZE = 1024
_UNDEFINED_LENGTH = 0xFFFFFFFF


@dataclass(frozen=True)
class PixelLayout:
    """Where the Pixel Data value is, and how its frames are laid out."""

    transfer_syntax: UID
    number_of_frames: int
    offset: int
    length: int
    frame_bits: int
    extended_offsets: tuple[bytes, bytes] | None = None

    @property
    def encapsulated(self) -> bool:
        return self.length == _UNDEFINED_LENGTH

    @property
    def available_frames(self) -> int:
        if self.encapsulated or self.frame_bits == 0:
            return self.number_of_frames
        return min(self.number_of_frames, self.length * 8 // self.frame_bits)


def locate_pixel_data(path: Path) -> PixelLayout:
    """The instance's pixel data layout, read from the header only.

    Raises
    ------
    FrameNotFoundError
        The instance has no Pixel Data (or lacks Rows, Columns, Bits Allocated), as the
        service's ``GetPixelData`` decides.
    """
    try:
        ds = dcmread(path, defer_size=_DEFER_SIZE)
    except FileNotFoundError:
        raise
    except Exception as exc:  # pydicom raises many types for a file it cannot parse
        raise FrameNotFoundError() from exc
    return pixel_layout(ds)


def pixel_layout(ds: Dataset) -> PixelLayout:
    """:func:`locate_pixel_data` for a dataset already read (its Pixel Data not yet used)."""
    elem = ds.get_item(0x7FE00010, keep_deferred=True)
    if not isinstance(elem, RawDataElement) or not all(
        k in ds for k in ("BitsAllocated", "Rows", "Columns")
    ):
        raise FrameNotFoundError()
    try:
        frames_value = ds.get("NumberOfFrames")
        number_of_frames = int(frames_value) if frames_value else 1
        samples = int(ds.get("SamplesPerPixel", 1) or 1)
        if (elem.length != _UNDEFINED_LENGTH
                and ds.get("PhotometricInterpretation") == "YBR_FULL_422"):
            # Native 4:2:2 stores two Y values and one Cb/Cr pair for every two pixels.
            samples = 2
        extended = None
        if "ExtendedOffsetTable" in ds and "ExtendedOffsetTableLengths" in ds:
            extended = (bytes(ds.ExtendedOffsetTable), bytes(ds.ExtendedOffsetTableLengths))
        frame_bits = int(ds.Rows) * int(ds.Columns) * samples * int(ds.BitsAllocated)
    except (TypeError, ValueError) as exc:  # values that are not numbers: no usable frames
        raise FrameNotFoundError() from exc
    return PixelLayout(
        transfer_syntax=UID(str(ds.file_meta.get("TransferSyntaxUID", ImplicitVRLittleEndian))),
        number_of_frames=number_of_frames,
        offset=elem.value_tell,
        length=elem.length,
        frame_bits=frame_bits,
        extended_offsets=extended,
    )


def check_frames(layout: PixelLayout, indices: list[int]) -> None:
    """404 "The specified frame cannot be found." for any index past the last frame."""
    if any(i < 0 or i >= layout.available_frames for i in indices):
        raise FrameNotFoundError()


def read_stored_frames(path: Path, layout: PixelLayout, indices: list[int]) -> list[bytes]:
    """The frames at 0-based ``indices`` exactly as stored (compressed ones compressed)."""
    frames = []
    with open(path, "rb") as f:
        for index in indices:
            f.seek(layout.offset)
            if layout.encapsulated:
                frames.append(_encapsulated_frame(f, layout, index))
            else:
                frames.append(_native_frame(f, layout, index))
    return frames


def get_frames(path: Path, size: int, indices: list[int], requested: str,
                    max_transcode_bytes: int) -> tuple[list[bytes], str]:
    """The frames a WADO-RS frames request returns, and their transfer syntax.

    Parameters
    ----------
    path : Path
        The stored instance file.
    size : int
        Its size in bytes (the transcoding limit applies to the whole file).
    indices : list of int
        0-based frame numbers, in the order requested (repeats allowed).
    requested : str
        ``"*"`` (as stored), ``1.2.840.10008.1.2.1`` or ``1.2.840.10008.1.2.4.90``.
    max_transcode_bytes : int
        Largest file that may be decoded.

    Raises
    ------
    FrameNotFoundError
        No pixel data, or an index past the last frame.
    NotAcceptableError
        Transcoding is needed and the file is too large, or it is not possible.
    """
    layout = locate_pixel_data(path)
    check_frames(layout, indices)
    # Each distinct frame is read once; a repeated number shares its bytes, so a list such
    # as 1,1,1,… costs one frame of memory, not one per entry.
    distinct = list(dict.fromkeys(indices))
    if not needs_transcoding(layout.transfer_syntax, requested):
        frames, syntax = read_stored_frames(path, layout, distinct), str(layout.transfer_syntax)
    elif requested == ExplicitVRLittleEndian and layout.transfer_syntax in NATIVE_LITTLE_ENDIAN:
        # Implicit to explicit VR does not touch the pixel bytes.
        frames, syntax = read_stored_frames(path, layout, distinct), requested
    else:
        check_size(size, max_transcode_bytes)
        frames, syntax = transcode_frames(path, distinct, requested), requested
    by_index = dict(zip(distinct, frames, strict=True))
    return [by_index[i] for i in indices], syntax


def _native_frame(stream: BinaryIO, layout: PixelLayout, index: int) -> bytes:
    start_bit = index * layout.frame_bits
    if layout.frame_bits % 8 == 0:
        stream.seek(layout.offset + start_bit // 8)
        return _read_exactly(stream, layout.frame_bits // 8)
    # Bits Allocated 1: frames need not start on a byte boundary.
    first, end = start_bit // 8, -(-(start_bit + layout.frame_bits) // 8)
    stream.seek(layout.offset + first)
    bits = np.unpackbits(np.frombuffer(_read_exactly(stream, end - first), np.uint8),
                         bitorder="little")
    shift = start_bit - first * 8
    return np.packbits(bits[shift:shift + layout.frame_bits], bitorder="little").tobytes()


def _encapsulated_frame(stream: BinaryIO, layout: PixelLayout, index: int) -> bytes:
    try:
        return get_frame(stream, index, number_of_frames=layout.number_of_frames,
                         extended_offsets=layout.extended_offsets)
    except Exception as exc:  # fragments that are cut short or do not add up to the frames
        raise FrameNotFoundError() from exc


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:  # the file ends before the frame does
        raise FrameNotFoundError()
    return data
