"""QIDO-RS query parameters -> a typed :class:`Query` (pure: no I/O, nothing executed).

The rules are the Azure DICOM service's (``QueryOptionsExtensions.cs``, ``QueryParser.cs``,
``BaseQueryParser.cs``; spec §3), its messages are in :mod:`.messages`. Each filter pairs a
parsed condition with the attribute object that knows where its values are kept; which
attributes exist beyond the core ones is the extension point described in
:mod:`.attributes` (extended query tags arrive through ``parse_query(..., extra=...)``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from dicom_emulator.dicom.attributes import Level, normalize_person_name
from dicom_emulator.dicom.matching import Condition, Exact, Fuzzy, Range, name_tokens
from dicom_emulator.dicom.tags import format_tag, parse_tag
from dicom_emulator.dicom.values import (
    InvalidValueError,
    UtcOffsetError,
    canonical_date,
    canonical_date_time,
    canonical_time,
    integer_in_bits,
)
from dicom_emulator.dicom.vr import (
    DATE_TIME_VRS,
    QUERIED_AS_INTEGER_VRS,
    QUERIED_AS_REAL_VRS,
    QUERIED_AS_TEXT_VRS,
)
from dicom_emulator.errors import BadRequestError
from dicom_emulator.features.query.attributes import CORE_ATTRIBUTES, QueryAttribute
from dicom_emulator.features.query.messages import (
    DATE_TIME_OFFSET,
    DUPLICATE_ATTRIBUTE,
    DUPLICATE_ID,
    EMPTY_RANGE,
    EMPTY_VALUE,
    FUZZY_CHARACTER,
    INCLUDE_ALL_AND_NAMES,
    INCLUDE_UNKNOWN,
    INVALID_DATE,
    INVALID_DATE_TIME,
    INVALID_NUMBER,
    INVALID_OPTION,
    INVALID_TIME,
    NOT_QUERYABLE,
    QUERY_DISABLED,
    REVERSED_RANGE,
    UNKNOWN_PARAMETER,
)
from dicom_emulator.storage.search import Criterion

MAX_LIMIT, DEFAULT_LIMIT = 200, 100
STUDY_UID_TAG, SERIES_UID_TAG = "0020000D", "0020000E"

class QueryParseError(BadRequestError):
    """A QIDO request the service rejects with 400 and a plain-text message."""


# -- resources -------------------------------------------------------------------------


class QueryResource(Enum):
    """The six QIDO routes; the value lists the levels whose attributes they accept."""

    ALL_STUDIES = (Level.STUDY,)
    ALL_SERIES = (Level.STUDY, Level.SERIES)
    ALL_INSTANCES = (Level.STUDY, Level.SERIES, Level.INSTANCE)
    STUDY_SERIES = (Level.SERIES,)
    STUDY_INSTANCES = (Level.SERIES, Level.INSTANCE)
    STUDY_SERIES_INSTANCES = (Level.INSTANCE,)

    @property
    def levels(self) -> tuple[Level, ...]:
        """Levels searchable here, which are also the levels whose attributes results carry."""
        return self.value  # type: ignore[no-any-return]

    @property
    def result_level(self) -> Level:
        return self.value[-1]  # type: ignore[no-any-return]


# -- the parsed query ------------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    """One match condition on one attribute; ``parameter`` is the name the client used."""

    attribute: QueryAttribute
    condition: Condition
    parameter: str

    def criterion(self) -> Criterion:
        return self.attribute.criterion(self.condition)


@dataclass(frozen=True)
class Query:
    """A validated QIDO request."""

    resource: QueryResource
    filters: tuple[Filter, ...] = ()
    include_all: bool = False
    include_tags: tuple[str, ...] = ()
    fuzzy: bool = False
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    study_uid: str | None = None
    series_uid: str | None = None
    erroneous: tuple[str, ...] = ()


_OPTIONS = ("limit", "offset", "fuzzymatching", "includefield")
_INTEGER = re.compile(r"[+-]?[0-9]+")


@dataclass(frozen=True)
class QueryOptions:
    """The options bound as the service's ``[FromQuery] QueryOptions`` are."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0
    fuzzy: bool = False
    include_fields: tuple[str, ...] = ()


def bind_options(params: Iterable[tuple[str, str]]) -> QueryOptions:
    """Bind ``limit``, ``offset``, ``fuzzymatching`` and ``includefield`` (names in any case).

    The service does this in model binding, and its ``[QueryModelStateValidator]`` (on the
    controller) throws before the action's ``[AcceptContentFilter]`` runs: a bad option is
    a 400 even when Accept would be a 406. Its messages name the model's property
    (``Limit``, ``Offset``, ``FuzzyMatching``: the ModelState key), not the key as written.

    Raises
    ------
    QueryParseError
        ``The query parameter 'Limit' is invalid. …`` and the like.
    """
    options: dict[str, list[str]] = {}
    for key, value in params:
        if key.strip().lower() in _OPTIONS:
            options.setdefault(key.strip().lower(), []).append(value)
    return QueryOptions(
        limit=_integer_option(options, "Limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
        offset=_integer_option(options, "Offset", 0, 0, None),
        fuzzy=_fuzzy_option(options),
        include_fields=tuple(options.get("includefield", [])),
    )


def parse_query(
    params: Iterable[tuple[str, str]],
    resource: QueryResource,
    *,
    study_uid: str | None = None,
    series_uid: str | None = None,
    extra: Iterable[QueryAttribute] = (),
) -> Query:
    """Validate QIDO query parameters (decoded ``(name, value)`` pairs, in order).

    Parameters
    ----------
    params : iterable of (str, str)
        The query string, e.g. ``request.query_params.multi_items()``.
    resource : QueryResource
        Which of the six routes was called.
    study_uid, series_uid : str, optional
        UIDs from the path (already validated); they become filters.
    extra : iterable of QueryAttribute
        Attributes beyond the core ones (extended query tags in status Ready).

    Returns
    -------
    Query

    Raises
    ------
    QueryParseError
        With the service's message, for anything it would answer with 400.
    """
    params = list(params)
    bound = bind_options(params)
    limit, offset, fuzzy = bound.limit, bound.offset, bound.fuzzy
    filters: dict[str, str] = {}
    for key, value in params:
        key = key.strip()
        if key.lower() in _OPTIONS:
            continue
        if key in filters:
            raise QueryParseError(DUPLICATE_ID.format(key))
        filters[key] = value.strip()
    include_all, include_tags = _include_fields(list(bound.include_fields))

    available: dict[str, QueryAttribute] = dict(CORE_ATTRIBUTES)
    for extra_attribute in extra:
        available.setdefault(extra_attribute.tag, extra_attribute)
    parsed: dict[str, Filter] = {}
    erroneous: list[str] = []
    for key, value in filters.items():
        number = parse_tag(key)
        if number is None:
            raise QueryParseError(UNKNOWN_PARAMETER.format(key))
        tag = format_tag(number)
        # A path UID given again as a filter is not queryable here: the nested routes
        # accept no level it belongs to (QueryParser.GetQualifiedQueryTags drops them).
        attribute = available.get(tag)
        if attribute is None or attribute.level not in resource.levels:
            raise QueryParseError(NOT_QUERYABLE.format(key))
        if attribute.query_disabled:
            raise QueryParseError(QUERY_DISABLED.format(key))
        if not value:
            raise QueryParseError(EMPTY_VALUE.format(key))
        condition = parse_condition(attribute, value, fuzzy)
        if condition is None:
            raise QueryParseError(UNKNOWN_PARAMETER.format(key))
        if tag in parsed:
            raise QueryParseError(DUPLICATE_ATTRIBUTE.format(key))
        parsed[tag] = Filter(attribute, condition, key)
        if attribute.has_errors:
            erroneous.append(key)
    for tag, uid in ((STUDY_UID_TAG, study_uid), (SERIES_UID_TAG, series_uid)):
        if uid is not None:
            parsed[tag] = Filter(CORE_ATTRIBUTES[tag], Exact(uid), CORE_ATTRIBUTES[tag].name)
    return Query(
        resource=resource, filters=tuple(parsed.values()), include_all=include_all,
        include_tags=include_tags, fuzzy=fuzzy, limit=limit, offset=offset,
        study_uid=study_uid, series_uid=series_uid, erroneous=tuple(erroneous),
    )


# -- options ---------------------------------------------------------------------------


def _integer_option(options: dict[str, list[str]], prop: str, default: int, low: int,
                    high: int | None) -> int:
    values = options.get(prop.lower())
    if not values:
        return default
    # ASP.NET binds the first value; its messages name the property (Limit, Offset), and a
    # number its type (int, long) cannot hold does not bind at all.
    text = values[0].strip()
    number = integer_in_bits(text, 31 if high is not None else 63)
    if number is None or not _INTEGER.fullmatch(text):
        raise QueryParseError(INVALID_OPTION.format(
            prop, f"The value '{values[0]}' is not valid for {prop}."))
    if number < low or (high is not None and number > high):
        # RangeAttribute(0, long.MaxValue) prints its maximum as a double.
        shown = str(high) if high is not None else "9.223372036854776E+18"
        raise QueryParseError(INVALID_OPTION.format(
            prop, f"The field {prop} must be between {low} and {shown}."))
    return number


def _fuzzy_option(options: dict[str, list[str]]) -> bool:
    values = options.get("fuzzymatching")
    if not values:
        return False
    text = values[0].strip().lower()
    if text not in ("true", "false"):
        raise QueryParseError(INVALID_OPTION.format(
            "FuzzyMatching", f"The value '{values[0]}' is not valid for FuzzyMatching."))
    return text == "true"


def _include_fields(values: list[str]) -> tuple[bool, tuple[str, ...]]:
    # Comma-separated and/or repeated (AggregateCsvModelBinder: split, trim, keep empties).
    fields = [f.strip() for v in values for f in v.split(",")]
    if any(f.lower() == "all" for f in fields):
        if len(fields) > 1:
            raise QueryParseError(INCLUDE_ALL_AND_NAMES)
        return True, ()
    tags: list[str] = []
    for name in fields:
        number = parse_tag(name)
        if number is None:
            raise QueryParseError(INCLUDE_UNKNOWN.format(name))
        tag = format_tag(number)
        if tag not in tags:
            tags.append(tag)
    return False, tuple(tags)


# -- values ----------------------------------------------------------------------------


def parse_condition(attribute: QueryAttribute, value: str, fuzzy: bool) -> Condition | None:
    """The condition ``value`` means for ``attribute``; None if its VR cannot be queried."""
    vr, name = attribute.vr, attribute.name
    if vr in DATE_TIME_VRS:
        return _date_or_time_condition(vr, value, name)
    if vr == "PN" and fuzzy:
        if '"' in value:
            raise QueryParseError(FUZZY_CHARACTER.format(name, value, '"'))
        # The words of the phrase, as the full-text index splits names (punctuation alone
        # prefixes nothing it keeps).
        words = tuple(name_tokens(normalize_person_name(value)))
        return Fuzzy(words) if words else Exact(value)
    if vr in QUERIED_AS_TEXT_VRS:
        return Exact(value)
    if vr in QUERIED_AS_INTEGER_VRS:
        number = integer_in_bits(value, 63) if _INTEGER.fullmatch(value) else None
        if number is None:  # long.Parse: no number, or none a long holds
            raise QueryParseError(INVALID_NUMBER.format(value, name, "long"))
        return Exact(number)
    if vr in QUERIED_AS_REAL_VRS:
        try:
            return Exact(float(value))
        except ValueError:
            raise QueryParseError(INVALID_NUMBER.format(value, name, "double")) from None
    return None


def _date_or_time_condition(vr: str, value: str, name: str) -> Condition:
    parts = value.split("-")
    if len(parts) == 2:
        low_text, high_text = parts[0].strip(), parts[1].strip()
        if not low_text and not high_text:
            raise QueryParseError(EMPTY_RANGE)
        low = _canonical(vr, low_text, name) if low_text else None
        high = _canonical(vr, high_text, name) if high_text else None
        if low is not None and high is not None and low > high:
            raise QueryParseError(REVERSED_RANGE[vr].format(value, low_text, high_text))
        return Range(low, high)
    return Exact(_canonical(vr, value, name))


_INVALID = {"DA": INVALID_DATE, "DT": INVALID_DATE_TIME, "TM": INVALID_TIME}


def _canonical(vr: str, text: str, name: str) -> str:
    """A DA/DT/TM filter value in the form values are indexed in (``dicom.values``), or 400."""
    if vr == "DT":
        # '+' in a query string arrives as a space; the service encodes it back (and shows
        # it so) before it parses (BaseQueryParser.cs:239).
        text = text.replace(" ", "+")
    try:
        if vr == "DA":
            return canonical_date(text)
        if vr == "TM":
            return canonical_time(text)
        return canonical_date_time(text)
    except UtcOffsetError:
        raise QueryParseError(DATE_TIME_OFFSET.format(text, name)) from None
    except InvalidValueError:
        raise QueryParseError(_INVALID[vr].format(text, name)) from None
