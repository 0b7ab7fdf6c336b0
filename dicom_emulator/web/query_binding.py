"""Query-string binding for the Azure-only JSON APIs, with the service's error messages.

The service binds ``offset``, ``limit``, ``includeMetadata``, ``startTime``… with ASP.NET
Core model binding (names case-insensitive, first value wins) and reports the first
invalid one through ``QueryModelStateValidatorAttribute``: "The query parameter '{key}' is
invalid. {message}". The key is the parameter's name for simple parameters (``limit``)
and the property's name for option objects (``Limit`` of ``PaginationOptions``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from starlette.requests import Request

from dicom_emulator.dicom.values import integer_in_bits
from dicom_emulator.errors import BadRequestError

_INTEGER = re.compile(r"^\s*[+-]?\d+\s*$")
LONG_MAX = 2**63 - 1
# How .NET prints long.MaxValue once RangeAttribute has made it a double.
LONG_MAX_TEXT = "9.223372036854776E+18"
# DateTimeOffset.MinValue / MaxValue in the "O" format, for the time-range message.
MIN_TIME_TEXT = "0001-01-01T00:00:00.0000000+00:00"
MAX_TIME_TEXT = "9999-12-31T23:59:59.9999999+00:00"


class InvalidQueryParameterError(BadRequestError):
    """``InvalidQueryStringValuesException``."""

    def __init__(self, key: str, message: str):
        super().__init__(f"The query parameter '{key}' is invalid. {message}")


class QueryBinder:
    """Reads named query parameters of one request the way ASP.NET Core binds them."""

    def __init__(self, request: Request):
        self._values: dict[str, str] = {}
        for name, value in request.query_params.multi_items():
            self._values.setdefault(name.lower(), value)

    def raw(self, name: str) -> str | None:
        return self._values.get(name.lower())

    def integer(self, name: str, key: str, minimum: int, maximum: int, default: int) -> int:
        """An integer in ``[minimum, maximum]``; ``key`` names it in error messages."""
        text = self.raw(name)
        if text is None:
            return default
        if not text.strip():
            raise InvalidQueryParameterError(key, f"The value '{text}' is invalid.")
        value = integer_in_bits(text, 63)
        if value is None:
            raise InvalidQueryParameterError(key, f"The value '{text}' is not valid for {key}.")
        if not minimum <= value <= maximum:
            top = LONG_MAX_TEXT if maximum == LONG_MAX else str(maximum)
            raise InvalidQueryParameterError(
                key, f"The field {key} must be between {minimum} and {top}."
            )
        return value

    def boolean(self, name: str, key: str, default: bool) -> bool:
        text = self.raw(name)
        if text is None:
            return default
        if not text.strip():
            raise InvalidQueryParameterError(key, f"The value '{text}' is invalid.")
        folded = text.strip().lower()
        if folded not in ("true", "false"):
            raise InvalidQueryParameterError(key, f"The value '{text}' is not valid for {key}.")
        return folded == "true"

    def time(self, name: str, key: str) -> datetime | None:
        """An ISO 8601 date and time that must carry a zone (``MandatoryTimeZoneBinder``)."""
        text = self.raw(name)
        if text is None or not text.strip():
            return None
        try:
            value = datetime.fromisoformat(text.strip())
        except ValueError:
            raise InvalidQueryParameterError(
                key, f"The value '{text}' is not valid for {key}."
            ) from None
        if value.tzinfo is None:
            raise InvalidQueryParameterError(key, "Date and time value must specify a time zone.")
        try:
            return value.astimezone(UTC)
        except OverflowError:
            # DateTime.Parse's FormatException: "The UTC representation of the date … falls
            # outside the year range 1-9999." (a binding failure like any other format error)
            raise InvalidQueryParameterError(
                key, f"The value '{text}' is not valid for {key}.") from None


def round_trip_text(value: datetime | None, default: str) -> str:
    """.NET's "O" format of a UTC time (seven fractional digits), as messages show it."""
    if value is None:
        return default
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0+00:00"


def check_time_window(start: datetime | None, end: datetime | None) -> None:
    """``WindowedPaginationOptions.Validate``: the start must come strictly before the end."""
    if start is not None and end is not None and end <= start:
        raise InvalidQueryParameterError(
            "", f"The start time '{round_trip_text(start, MIN_TIME_TEXT)}' must occur strictly "
                f"before the end time '{round_trip_text(end, MAX_TIME_TEXT)}'.",
        )
