"""Why a workitem transaction failed: the service's failure reason codes and the error
that carries one.

A transaction's answer (status, body, Warning header) is decided from the code, per
transaction (``WorkitemResponseBuilder``), so the code travels with the message instead
of an HTTP status. Codes from ``FailureReasonCodes.cs``; PS3.4 CC.2.4 names the C3xx ones.
"""

from __future__ import annotations

from enum import IntEnum


class Failure(IntEnum):
    PROCESSING = 272
    MISSING_ATTRIBUTE = 288
    MISSING_ATTRIBUTE_VALUE = 289
    VALIDATION = 43264
    ALREADY_EXISTS = 45070
    NOT_FOUND = 0xC307
    UPDATE_NOT_ALLOWED = 0xC300
    ALREADY_COMPLETED = 0xC306
    ALREADY_CANCELED = 0xC304
    # The service gives "update conflict" the value of "already canceled" (both 0xC304), so
    # an update of a CANCELED workitem is answered as a conflict (409); IntEnum makes it an
    # alias, which keeps that visible.
    UPDATE_CONFLICT = 0xC304
    PERFORMER_CHOOSES_NOT_TO_CANCEL = 0xC313
    TRANSACTION_UID_INCORRECT = 0xC301
    TRANSACTION_UID_ABSENT = 0xC302


class WorkitemFailure(Exception):
    """A refused workitem transaction: the failure reason and the service's message."""

    def __init__(self, code: Failure, message: str):
        super().__init__(message)
        self.code = code
        self.message = message
