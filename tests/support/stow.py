"""STOW-RS request bodies: ``multipart/related`` written here, not by the emulator's encoder.

Building requests with the code under test would hide a fault that the encoder and the
parser share; these few lines follow RFC 2046 (CRLF line ends, ``--boundary`` delimiters,
a closing ``--boundary--``) directly.
"""

from __future__ import annotations

from tests.support.headers import DICOM, DICOM_JSON

DEFAULT_BOUNDARY = "XYZ"


def multipart_related(parts: list[tuple[str, bytes]], boundary: str = DEFAULT_BOUNDARY) -> bytes:
    """A ``multipart/related`` body of ``(content type, bytes)`` parts."""
    delimiter = f"--{boundary}\r\n".encode("ascii")
    body = b"".join(delimiter + f"Content-Type: {content_type}\r\n\r\n".encode("ascii") +
                    data + b"\r\n" for content_type, data in parts)
    return body + f"--{boundary}--\r\n".encode("ascii")


def multipart_stow(*instances: bytes, boundary: str = DEFAULT_BOUNDARY
                   ) -> tuple[bytes, dict[str, str]]:
    """One STOW request storing ``instances`` (Part 10 bytes): its body and headers."""
    headers = {"Accept": DICOM_JSON,
               "Content-Type": f'multipart/related; type="{DICOM}"; boundary={boundary}'}
    return multipart_related([(DICOM, data) for data in instances], boundary), headers
