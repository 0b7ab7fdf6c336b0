"""What tests put in Accept and Content-Type headers, spelled out once.

Media types and transfer syntax UIDs as they appear on the wire, and the header sets most
requests use. Tests spell these out themselves rather than import the emulator's constants,
so that a constant that drifts from the DICOMweb standard or the Azure service is caught.
"""

from __future__ import annotations

DICOM = "application/dicom"
DICOM_JSON = "application/dicom+json"
OCTET_STREAM = "application/octet-stream"
MULTIPART_DICOM = 'multipart/related; type="application/dicom"'
MULTIPART_OCTET_STREAM = 'multipart/related; type="application/octet-stream"'
MULTIPART_JP2 = 'multipart/related; type="image/jp2"'

IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2"
EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1"
RLE_LOSSLESS = "1.2.840.10008.1.2.5"
JPEG_2000_LOSSLESS = "1.2.840.10008.1.2.4.90"

ACCEPT_DICOM_JSON = {"Accept": DICOM_JSON}
# One Part 10 file in the body, the STOW response as DICOM JSON.
STOW_SINGLE_PART = {"Accept": DICOM_JSON, "Content-Type": DICOM}
