"""Validation of extended query tag requests, with the service's rules and messages.

Three layers, in the service's order: the body's shape (ASP.NET model validation:
"The field '…' in request body is invalid: …"), then each entry
(``ExtendedQueryTagEntryValidator``: path, core tags, private creator, VR), then
duplicates and the empty list. Tag paths in URLs are parsed like ``DicomTagParser``:
a case-sensitive standard keyword, or 8 hex digits of a known or private tag.
"""

from __future__ import annotations

from typing import Any

from pydicom.datadict import get_entry

from dicom_emulator.dicom.attributes import SEARCHABLE
from dicom_emulator.dicom.tags import (
    format_tag,
    is_private,
    is_private_creator,
    is_tag_hex,
    keyword_tag,
    parse_tag,
)
from dicom_emulator.dicom.values import is_valid_long_string
from dicom_emulator.dicom.vr import ALL_VRS, EXTENDED_QUERY_TAG_VRS
from dicom_emulator.errors import BadRequestError, InvalidRequestBodyError
from dicom_emulator.storage.extended_query_tags import NewTag, QueryStatus, TagLevel

CORE_TAGS = frozenset(keyword_tag(s.keyword) for s in SEARCHABLE)
_LEVELS = {"study": TagLevel.STUDY, "series": TagLevel.SERIES, "instance": TagLevel.INSTANCE}
_QUERY_STATUSES = {"enabled": QueryStatus.ENABLED, "disabled": QueryStatus.DISABLED}


def invalid_tag_path(path: str) -> BadRequestError:
    return BadRequestError(f"The extended query tag '{path}' is invalid as it cannot be parsed "
                           f"into a valid Dicom Tag.")


def parse_tag_path(path: str) -> int | None:
    """The tag a path names, or None when it names none (``DicomTagParser.TryParse``).

    A standard keyword, or 8 hex digits of a private tag or of one the dictionary knows
    (:func:`dicom_emulator.dicom.tags.parse_tag` takes any 8 hex digits).

    Raises
    ------
    BadRequestError
        For a sequence path (``a.b``), which the service refuses outright.
    """
    if not path or not path.strip():
        return None
    if "." in path:
        raise BadRequestError(f"Dicom element '{path}' failed validation for VR 'SQ': "
                              f"Sequential dicom tags are currently not supported.")
    tag = parse_tag(path)
    if tag is None:
        return None
    if not is_tag_hex(path):  # a keyword
        return None if is_private(tag) else tag
    if is_private(tag):  # any element of an odd group
        return tag
    try:
        get_entry(tag)
    except KeyError:
        return None
    return tag


def normalize_tag_path(path: str) -> str:
    """A tag path from a URL as the stored 8 hex digits; 400 if it cannot be parsed."""
    tag = parse_tag_path(path)
    if tag is None:
        raise invalid_tag_path(path)
    return format_tag(tag)


def _dictionary_vrs(tag: int) -> list[str] | None:
    """The dictionary's VRs for a tag (first = default), None for an unknown tag."""
    if is_private_creator(tag):
        return ["LO"]
    if is_private(tag):
        return None
    return [vr.strip() for vr in get_entry(tag)[0].split(" or ")]


def _property(item: dict[str, Any], name: str) -> Any:
    """A property by case-insensitive name (the service's JSON reading is)."""
    for key, value in item.items():
        if key.lower() == name.lower():
            return value
    return None


def _entry_shape(index: int, item: Any) -> tuple[str, str | None, str | None, TagLevel]:
    """Model validation of one entry: types, a path and a level (``AddExtendedQueryTagEntry``)."""
    if not isinstance(item, dict):
        raise InvalidRequestBodyError(f"[{index}]", "The entry must be a JSON object.")
    path, vr, creator, level = (_property(item, n) for n in ("path", "vr", "privateCreator",
                                                              "level"))
    for name, value in (("Path", path), ("VR", vr), ("PrivateCreator", creator)):
        if value is not None and not isinstance(value, str):
            raise InvalidRequestBodyError(f"[{index}].{name}", "The value must be a string.")
    if path is None or not path.strip():
        raise InvalidRequestBodyError(
            f"[{index}].Path", "The Dicom Tag Property Path must be specified and must not be "
                               "null, empty or whitespace.")
    if level is None:
        raise InvalidRequestBodyError(
            f"[{index}].Level", "The Dicom Tag Property Level must be specified and must not "
                                "be null, empty or whitespace.")
    # StrictStringEnumConverter: names only (case-insensitive), never numbers.
    if not isinstance(level, str) or level.strip().lower() not in _LEVELS:
        raise InvalidRequestBodyError(
            f"[{index}].Level", f"Input Dicom Tag Level '{level}' is invalid. It must have value "
                                f"'Study', 'Series' or 'Instance'.")
    return path, vr, creator, _LEVELS[level.strip().lower()]


def check_body_shape(body: Any) -> list[tuple[str, str | None, str | None, TagLevel]]:
    """The entries of an add request, or 400 when the body is not an array of entries."""
    if body is None:
        raise InvalidRequestBodyError("", "A non-empty request body is required.")
    if not isinstance(body, list):
        raise InvalidRequestBodyError(
            "$", "The request body must be a JSON array of extended query tag entries.")
    return [_entry_shape(i, item) for i, item in enumerate(body)]


def _check_private_creator(tag: int, creator: str | None, path: str) -> None:
    """``ValidatePrivateCreator``."""
    given = creator is not None and creator.strip() != ""
    if not is_private(tag):
        if given:
            raise BadRequestError(f"The private creator is not empty for standard tag '{path}'.")
        return
    if is_private_creator(tag):
        if given:
            raise BadRequestError(
                f"The private creator is not empty for private identification code '{path}'.")
        return
    if not given:
        raise BadRequestError(f"The private creator for private tag '{path}' is missing.")
    assert creator is not None
    if not is_valid_long_string(creator):
        raise BadRequestError(f"The private creator for tag '{path}' is not a valid LO "
                              f"attribute.")


def _check_vr(tag: int, vr: str | None, path: str) -> str:
    """``ValidateVRCode``: the tag's VR (given or from the dictionary), if supported."""
    code = vr.strip().upper() if vr is not None and vr.strip() else None
    if code is not None and code not in ALL_VRS:
        raise BadRequestError(f"The VR code '{vr}' for tag '{path}' is invalid.")
    known = _dictionary_vrs(tag)
    if known is not None:
        if code is None:
            code = known[0]
        elif code not in known:
            raise BadRequestError(
                f"The VR code '{vr}' is incorrectly specified for '{path}'. The expected VR code "
                f"for it is '{known[0]}'. Retry this request either with the correct VR code or "
                f"without specifying it.")
    elif code is None:
        raise BadRequestError(f"The vr for tag '{path}' is missing.")
    if code not in EXTENDED_QUERY_TAG_VRS:
        raise BadRequestError(f"The VR code '{code}' specified for tag '{path}' is not supported.")
    return code


def validate_entries(
    entries: list[tuple[str, str | None, str | None, TagLevel]],
) -> list[NewTag]:
    """``ExtendedQueryTagEntryValidator.ValidateExtendedQueryTags`` plus normalization."""
    seen: set[str] = set()
    tags: list[NewTag] = []
    for path, vr, creator, level in entries:
        tag = parse_tag_path(path)
        if tag is None:
            raise invalid_tag_path(path)
        if tag in CORE_TAGS:
            raise BadRequestError(f"The query tag '{path}' is already supported.")
        _check_private_creator(tag, creator, path)
        code = _check_vr(tag, vr, path)
        normalized = format_tag(tag)
        # The service compares the paths as given; two spellings of one tag are caught too.
        if path.lower() in seen or normalized.lower() in seen:
            raise BadRequestError(f"The extended query tag '{path}' has been specified before.")
        seen.update((path.lower(), normalized.lower()))
        stripped = creator.strip() if creator is not None and creator.strip() else None
        tags.append(NewTag(normalized, code, stripped, level))
    if not tags:
        raise BadRequestError("The extended query tag(s) is missing.")
    return tags


def parse_query_status_body(body: Any) -> QueryStatus:
    """``UpdateExtendedQueryTagOptions``: exactly ``{"queryStatus": "Enabled"|"Disabled"}``."""
    if body is None:
        raise InvalidRequestBodyError("", "A non-empty request body is required.")
    if not isinstance(body, dict):
        raise InvalidRequestBodyError("$", "The request body must be a JSON object.")
    for key in body:
        if key.lower() != "querystatus":
            raise InvalidRequestBodyError(key, f'The field is not supported: "{key}".')
    value = _property(body, "queryStatus")
    if value is None:
        raise InvalidRequestBodyError("QueryStatus", "The QueryStatus field is required.")
    if not isinstance(value, str) or value.strip().lower() not in _QUERY_STATUSES:
        raise InvalidRequestBodyError(
            "QueryStatus", f"The value '{value}' is not valid for QueryStatus. It must be "
                           f"'Enabled' or 'Disabled'.")
    return _QUERY_STATUSES[value.strip().lower()]
