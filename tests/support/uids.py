"""The service's 400 text for an invalid UID in a URL path, spelled out once.

``InvalidIdentifierException`` is an ``ElementValidationException``: its message is
``DicomElementValidationFailed`` (``Dicom element '{0}' failed validation for VR '{1}': {2}``)
around ``ErrorMessageUidIsInvalid``; ``{0}`` is the request's parameter name.
"""

from __future__ import annotations

INVALID_UID = (
    "Dicom element '{}' failed validation for VR 'UI': DICOM Identifier is invalid. Value "
    "length should not exceed the maximum length of 64 characters. Value should contain "
    "characters in '0'-'9' and '.'. Each component must start with non-zero number."
)
