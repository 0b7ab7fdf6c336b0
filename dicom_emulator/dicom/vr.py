"""Value representations (VRs), classified once: which VRs each rule of the emulator concerns.

Every set is named for the rule that uses it, because the same VR belongs to different
classes for different rules: IS is compared as text by QIDO on core attributes but
indexed as an integer for an extended query tag, as in the service.
"""

from __future__ import annotations

__all__ = [
    "ALL_VRS",
    "ASCII_TEXT_VRS",
    "BINARY_VALUE_SIZES",
    "BULK_DATA_VRS",
    "DATE_TIME_VRS",
    "EXTENDED_QUERY_TAG_VRS",
    "INDEXED_AS_INTEGER_VRS",
    "INDEXED_AS_REAL_VRS",
    "MAX_LENGTHS",
    "OTHER_WORD_SIZES",
    "QUERIED_AS_INTEGER_VRS",
    "QUERIED_AS_REAL_VRS",
    "QUERIED_AS_TEXT_VRS",
    "STRING_VRS",
]

# -- DICOM itself (PS3.5 §6.2) ---------------------------------------------------------

# Every VR code PS3.5 defines: what ``DicomVR.TryParse`` knows; another code is no VR at all.
ALL_VRS = frozenset({"AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO", "LT",
                     "OB", "OD", "OF", "OL", "OV", "OW", "PN", "SH", "SL", "SQ", "SS", "ST",
                     "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV"})

# Character strings whose repertoire is the default one (ASCII) whatever the character set
# says, so their raw bytes can be read without the dataset's decoding.
ASCII_TEXT_VRS = frozenset({"AE", "AS", "CS", "DA", "DS", "DT", "IS", "TM", "UI"})

# Every character-string VR (the ASCII-only ones and those in the dataset's character set).
STRING_VRS = ASCII_TEXT_VRS | {"LO", "LT", "PN", "SH", "ST", "UC", "UR", "UT"}

# Dates and times: compared by their fixed-width canonical text (``dicom.values``), and
# the VRs QIDO accepts ranges for.
DATE_TIME_VRS = frozenset({"DA", "DT", "TM"})

# Bytes per value of the binary numeric VRs: a value field of another length is invalid.
BINARY_VALUE_SIZES = {"US": 2, "SS": 2, "UL": 4, "SL": 4, "FL": 4, "FD": 8, "AT": 4, "SV": 8,
                      "UV": 8}

# Bytes per word of the "other" VRs: the unit a byte-order change swaps (OB has none).
OTHER_WORD_SIZES = {"OW": 2, "OF": 4, "OL": 4, "OD": 8, "OV": 8}

# -- the service's rules ---------------------------------------------------------------

# Bulk data: left out of the metadata the service returns (``DicomDatasetExtensions``'
# ``DicomBulkDataVr``); the service offers no BulkDataURIs.
BULK_DATA_VRS = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "UN"})

# ``ExtendedQueryTagEntryValidator.SupportedVRCodes``: 17 VRs (the docs add DS; the code not).
EXTENDED_QUERY_TAG_VRS = frozenset({"AE", "AS", "CS", "DA", "DT", "FD", "FL", "IS", "LO", "PN",
                                    "SH", "SL", "SS", "TM", "UI", "UL", "US"})

# How an extended query tag's value is stored and compared (``ExtendedQueryTagLimit``:
# LongData and DoubleData); the others are text, PN folded, dates and times canonical.
INDEXED_AS_INTEGER_VRS = frozenset({"IS", "SL", "SS", "UL", "US"})
INDEXED_AS_REAL_VRS = frozenset({"FL", "FD"})

# How QIDO parses a filter value (``BaseQueryParser.ValueParsers``): as text, as a ``long``,
# as a ``double``; ``DATE_TIME_VRS`` as dates and times. Any other VR cannot be queried.
QUERIED_AS_TEXT_VRS = frozenset({"UI", "LO", "SH", "PN", "CS", "AE", "AS", "DS", "IS"})
QUERIED_AS_INTEGER_VRS = frozenset({"SL", "SS", "UL", "US"})
QUERIED_AS_REAL_VRS = frozenset({"FL", "FD"})

# Longest value, in characters, the service's ``ElementMaxLengthValidation`` accepts when
# it indexes (``ElementMinimumValidator``; UI's 64 is ``UidValidation``'s).
MAX_LENGTHS = {"AE": 16, "CS": 16, "SH": 16, "LO": 64, "UI": 64}
