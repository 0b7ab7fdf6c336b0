"""The texts of the workitem answers (``DicomCoreResource.resx`` at eeefbe4).

Templates are filled with ``str.format``; tags in them are fo-dicom's ``DicomTag.ToString()``
(``dicom.validation.tag_text``: ``(0008,1195)``). Tests spell the service's words out.
"""

from __future__ import annotations

# Dataset requirements (DicomDatasetExtensions.ValidateRequiredAttribute & co.)
MISSING_TAG = "The required tag '{}' is missing."
MISSING_VALUE = "The value for tag '{}' is missing."
MUST_NOT_BE_EMPTY = "The attribute with tag '{}' must not be empty."
MUST_BE_EMPTY = "The attribute with tag '{}' must be empty."
NOT_ALLOWED = "The attribute with tag '{}' cannot be present."
UNEXPECTED_VALUE = "Expected value '{}' to be one of the following values: [{}]"

# Create
UID_MISMATCH = "SOPInstanceUID in the payload does not match the workitem query parameter."
ALREADY_EXISTS = "The workitem instance already exists. Try creating using a different UID."

# Any transaction on a workitem that is not there
NOT_FOUND = "The workitem instance is not found."

# States and transitions
TRANSITION_REFUSED = "The workitem instance can not transition to '{}' state: {}."
IN_FINAL_STATE = "The workitem instance is already in the final state '{}'. {}."
ALREADY_CANCELED = "The UPS is already in the requested state of CANCELED."
ALREADY_COMPLETED = "The UPS is already COMPLETED."
CANCELED = "The workitem instance has been cancelled."

# Update
WRONG_TRANSACTION_UID = "Invalid TransactionUID for the specified Workitem Instance UID."
NOT_CLAIMED = "The target URI did not reference a claimed Workitem."
INCONSISTENT_STATE = ("The submitted request is inconsistent with the current state of the "
                      "Workitem.")

# Storage (a write that lost a race: the watermark moved meanwhile)
DATA_STORE_FAILED = "The data store operation failed."

# Search (WorkitemQueryParser): unknown or unsupported attributes, nested paths
NOT_QUERYABLE = ("Invalid query: AttributeId {} is not queryable.  If the parameter is an "
                 "attribute keyword, check the casing as they are case-sensitive. The "
                 "conformance statement has a list of supported query parameters, attributes "
                 "and the levels.")
NESTED_SEQUENCES = "Nested Dicom sequence tags are currently not supported."
SEQUENTIAL_TAGS = "Sequential dicom tags are currently not supported."

# Body binding ([FromBody][Required][MinLength(1)] and QueryModelStateValidator)
INVALID_BODY = "The query parameter '{}' is invalid. {}"
EMPTY_BODY = "A non-empty request body is required."
NO_DATASET = ("The field dicomDatasets must be a string or array type with a minimum length "
              "of '1'.")
