"""The texts of QIDO's 400 answers (``DicomCoreResource.resx``, ``DicomApiResource.resx``).

Templates are filled with ``str.format``; tests spell the service's words out literally.
"""

from __future__ import annotations

_CHECK_CASING = (
    "If the parameter is an attribute keyword, check the casing as they are case-sensitive. "
    "The conformance statement has a list of supported query parameters, attributes and the "
    "levels."
)
UNKNOWN_PARAMETER = "Invalid query: unknown query parameter '{}'. " + _CHECK_CASING
NOT_QUERYABLE = "Invalid query: AttributeId {} is not queryable.  " + _CHECK_CASING
QUERY_DISABLED = "Query is disabled on specified attribute '{}'."
EMPTY_VALUE = "Invalid query: AttributeId '{}' has empty string value that is not supported."
DUPLICATE_ID = ("Invalid QIDO-RS query. Duplicate AttributeId '{}'. Each attribute is only "
                "allowed to be specified once.")
DUPLICATE_ATTRIBUTE = ("Invalid query: attribute '{}' has been specified more than once using "
                       "different ID formats. Each attribute is only allowed to be specified once.")
INCLUDE_ALL_AND_NAMES = "Invalid query: cannot specify included fields in addition to 'all'."
INCLUDE_UNKNOWN = "Invalid query: IncludeField has unknown attribute '{}'."
INVALID_OPTION = "The query parameter '{}' is invalid. {}"
FUZZY_CHARACTER = ("Invalid query: specified tag '{}' value '{}' contains unsupported character "
                   "'{}'. Character is not supported with Fuzzy match, try exact match or "
                   "removing the invalid character. ")  # the service's text ends with a space
INVALID_DATE = ("Invalid query: specified Date value '{}' is invalid for attribute '{}'. Date "
                "should be valid and formatted as yyyyMMdd.")
INVALID_DATE_TIME = ("Invalid query: specified DateTime value '{}' is invalid for attribute '{}'."
                     " DateTime should be valid and formatted as yyyyMMddHHmmss.FFFFFF where yyyy"
                     " is mandatory.")
DATE_TIME_OFFSET = ("Invalid query: specified DateTime value '{}' for attribute {} contains "
                    "offset which is not supported.")
INVALID_TIME = ("Invalid query: specified Time value '{}' is invalid for parameter '{}'. Time "
                "should be valid and formatted as HHmmss.FFFFFF where HH is mandatory.")
EMPTY_RANGE = (
    "Invalid query: specified range is invalid.\nBoth parts in the range cannot be empty.\n"
    "For details on valid range queries, please refer to Search Matching section in Conformance "
    "Statement (https://github.com/microsoft/dicom-server/blob/main/docs/resources/"
    "conformance-statement.md#search-matching)."
)
REVERSED_RANGE = {
    "DA": "Invalid query: specified date range '{}' is invalid.\nThe first part date {} should "
          "be lesser than or equal to the second part date {}.",
    "DT": "Invalid query: specified date range '{}' is invalid.\nThe first part DateTime {} "
          "should be lesser than or equal to the second part DateTime {}.",
    "TM": "Invalid query: specified date range '{}' is invalid.\nThe first part time {} should "
          "be lesser than or equal to the second part time {}.",
}
INVALID_NUMBER = ("Invalid query: specified value '{}' extended query tag with path '{}' is not a "
                  "valid {} value.")


