"""The emulator's error tree: each error knows its status code and the service's message.

Pure (no web framework): every layer may raise these. One handler maps them to HTTP
(``web.responses.dicom_error_response``, registered in ``create_app``): like the Azure
service (``ExceptionHandlingMiddleware``), error bodies are plain-text messages; 401 and
406 have empty bodies.
"""

from __future__ import annotations


class DicomServiceError(Exception):
    """Base of every error the emulator raises on purpose."""

    status_code = 500
    default_message = "An internal error occurred."

    def __init__(self, message: str | None = None, headers: dict[str, str] | None = None):
        self.message = message if message is not None else self.default_message
        self.headers = headers or {}
        super().__init__(self.message)


class BadRequestError(DicomServiceError):
    status_code = 400
    default_message = "The request is invalid."


class InvalidRequestBodyError(BadRequestError):
    """``InvalidRequestBodyException`` (ASP.NET model validation of a JSON body,
    ``BodyModelStateValidatorAttribute``); ``key`` is the JSON path of the bad field."""

    def __init__(self, key: str, message: str):
        super().__init__(f"The field '{key}' in request body is invalid: {message}")


class InvalidIdentifierError(BadRequestError):
    """A path UID the service rejects: its ``InvalidIdentifierException``, an
    ``ElementValidationException`` whose message is ``DicomElementValidationFailed``
    around ``ErrorMessageUidIsInvalid``; ``name`` is the parameter's (``StudyInstanceUid``,
    ``SeriesInstanceUid``, ``SopInstanceUid``). The value is not in the message."""

    def __init__(self, name: str):
        super().__init__(f"Dicom element '{name}' failed validation for VR 'UI': DICOM "
                         f"Identifier is invalid. Value length should not exceed the maximum "
                         f"length of 64 characters. Value should contain characters in "
                         f"'0'-'9' and '.'. Each component must start with non-zero number.")


class UnauthorizedError(DicomServiceError):
    status_code = 401
    default_message = ""


class ForbiddenError(DicomServiceError):
    status_code = 403
    default_message = "The principal does not have the required data action."


class NotFoundError(DicomServiceError):
    status_code = 404
    default_message = "The specified resource cannot be found."


class StudyNotFoundError(NotFoundError):
    default_message = "The specified study cannot be found."


class SeriesNotFoundError(NotFoundError):
    default_message = "The specified series cannot be found."


class InstanceNotFoundError(NotFoundError):
    default_message = "The specified instance cannot be found."


class FrameNotFoundError(NotFoundError):
    default_message = "The specified frame cannot be found."


class NotAcceptableError(DicomServiceError):
    """406. The service answers most negotiation failures with an empty body."""

    status_code = 406
    default_message = ""


class ConflictError(DicomServiceError):
    status_code = 409
    default_message = "The request conflicts with the current state of the resource."


class PayloadTooLargeError(DicomServiceError):
    status_code = 413
    default_message = "The request payload is too large."


class UnsupportedMediaTypeError(DicomServiceError):
    status_code = 415

    def __init__(self, content_type: str | None, message: str | None = None):
        super().__init__(message if message is not None else
                         f"The specified content type '{content_type or ''}' is not supported.")


class ServiceUnavailableError(DicomServiceError):
    """503: what ``ExceptionHandlingMiddleware`` makes of a ``DicomServerException`` it has
    no other case for (the message is kept), e.g. more extended query tags than allowed."""

    status_code = 503

    def __init__(self, message: str):
        super().__init__(message)


class DataStoreError(ServiceUnavailableError):
    """``DataStoreException``: the index could not be written (a full disk): 503."""

    def __init__(self) -> None:
        super().__init__("The data store operation failed.")


def not_found(series: str | None, sop: str | None) -> NotFoundError:
    """404 named after the level asked for (the service's ``ThrowNotFoundException``)."""
    if sop is not None:
        return InstanceNotFoundError()
    return SeriesNotFoundError() if series is not None else StudyNotFoundError()
