"""QIDO query parsing and validation: options, filters, matching, messages (no HTTP)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from dicom_emulator.dicom.attributes import Level
from dicom_emulator.dicom.matching import Condition, Exact, Fuzzy, Range
from dicom_emulator.dicom.values import canonical_date_time, canonical_time
from dicom_emulator.features.query.attributes import CORE_ATTRIBUTES
from dicom_emulator.features.query.parser import (
    Query,
    QueryParseError,
    QueryResource,
    parse_condition,
    parse_query,
)
from dicom_emulator.storage.search import Criterion, IndexColumn, SqlFragment, criterion_sql

R = QueryResource
STUDY_UID = "1.2.3.4"
SERIES_UID = "1.2.3.4.5"


def parse(resource: QueryResource = R.ALL_INSTANCES, query: str = "", **kwargs: object) -> Query:
    pairs = [tuple(p.split("=", 1)) for p in query.split("&") if p]
    return parse_query(pairs, resource, **kwargs)  # type: ignore[arg-type]


def error(resource: QueryResource = R.ALL_INSTANCES, query: str = "", **kwargs: object) -> str:
    with pytest.raises(QueryParseError) as info:
        parse(resource, query, **kwargs)
    assert info.value.status_code == 400
    return info.value.message


def condition(query: str, resource: QueryResource = R.ALL_INSTANCES) -> Condition:
    (only,) = parse(resource, query).filters
    return only.condition


# -- options ---------------------------------------------------------------------------


def test_an_empty_query_has_the_default_options() -> None:
    query = parse()
    assert (query.limit, query.offset, query.fuzzy, query.include_all) == (100, 0, False, False)
    assert query.filters == () and query.include_tags == ()


def test_option_names_are_case_insensitive() -> None:
    query = parse(query="LIMIT=5&Offset=3&FuzzyMatching=True&IncludeField=Rows")
    assert (query.limit, query.offset, query.fuzzy, query.include_tags) == (5, 3, True,
                                                                            ("00280010",))


@pytest.mark.parametrize("value", ["0", "201", "-1"])
def test_limit_out_of_range(value: str) -> None:
    assert error(query=f"limit={value}") == (
        "The query parameter 'Limit' is invalid. The field Limit must be between 1 and 200.")


def test_limit_bounds_are_inclusive() -> None:
    assert parse(query="limit=1").limit == 1
    assert parse(query="limit=200").limit == 200


def test_limit_not_a_number() -> None:
    assert error(query="limit=ten") == (
        "The query parameter 'Limit' is invalid. The value 'ten' is not valid for Limit.")


@pytest.mark.parametrize(("query", "message"), [
    ("offset=99999999999999999999",  # more than a long holds: not a 500
     "The query parameter 'Offset' is invalid. The value '99999999999999999999' is not valid "
     "for Offset."),
    ("limit=\u0663", "The query parameter 'Limit' is invalid. The value '\u0663' is not valid "
                    "for Limit."),  # digits of other scripts are not numbers here
])
def test_numbers_the_option_types_cannot_hold(query: str, message: str) -> None:
    assert error(query=query) == message


def test_negative_offset() -> None:
    assert error(query="offset=-1").startswith(
        "The query parameter 'Offset' is invalid. The field Offset must be between 0 and ")


def test_fuzzymatching_must_be_boolean() -> None:
    assert error(query="fuzzymatching=yes") == ("The query parameter 'FuzzyMatching' is invalid. "
                                                "The value 'yes' is not valid for FuzzyMatching.")
    assert parse(query="fuzzymatching=false").fuzzy is False


def test_includefield_comma_separated_repeated_hex_and_keyword() -> None:
    query = parse(
        query="includefield=Rows,00280011&includefield=StudyDescription&includefield=Rows")
    assert query.include_tags == ("00280010", "00280011", "00081030")


def test_includefield_all_any_case() -> None:
    assert parse(query="includefield=ALL").include_all


@pytest.mark.parametrize("query", ["includefield=all,Rows", "includefield=all&includefield=Rows"])
def test_includefield_all_with_names(query: str) -> None:
    assert error(query=query) == (
        "Invalid query: cannot specify included fields in addition to 'all'.")


def test_includefield_unknown_attribute() -> None:
    assert error(query="includefield=rows") == (
        "Invalid query: IncludeField has unknown attribute 'rows'.")


# -- attribute ids and levels ------------------------------------------------------------


def test_unknown_parameter_mentions_casing() -> None:
    message = error(query="patientname=Doe")
    assert message.startswith("Invalid query: unknown query parameter 'patientname'.")
    assert "check the casing" in message


def test_known_keyword_not_queryable() -> None:
    message = error(query="Rows=8")
    assert message.startswith("Invalid query: AttributeId Rows is not queryable.")


@pytest.mark.parametrize(("resource", "allowed", "refused"), [
    (R.ALL_STUDIES, "PatientID=1", "Modality=CT"),
    (R.ALL_SERIES, "Modality=CT", "SOPInstanceUID=1.2"),
    (R.STUDY_SERIES, "Modality=CT", "PatientID=1"),
    (R.STUDY_INSTANCES, "SeriesInstanceUID=1.2", "PatientName=Doe"),
    (R.STUDY_SERIES_INSTANCES, "SOPInstanceUID=1.2", "Modality=CT"),
])
def test_levels_accepted_per_route(resource: QueryResource, allowed: str, refused: str) -> None:
    kwargs = {"study_uid": STUDY_UID} if resource.name.startswith("STUDY") else {}
    if resource is R.STUDY_SERIES_INSTANCES:
        kwargs["series_uid"] = SERIES_UID
    assert parse(resource, allowed, **kwargs).filters
    assert "is not queryable" in error(resource, refused, **kwargs)


def test_all_instances_accepts_every_core_attribute() -> None:
    query = "&".join(f"{a.name}=1" for a in CORE_ATTRIBUTES.values() if a.vr not in ("DA",))
    assert len(parse(R.ALL_INSTANCES, query).filters) == len(CORE_ATTRIBUTES) - 3


@pytest.mark.parametrize("value", ["", "   "])
def test_empty_value(value: str) -> None:
    assert error(query=f"PatientID={value}") == (
        "Invalid query: AttributeId 'PatientID' has empty string value that is not supported.")


def test_same_parameter_twice() -> None:
    assert error(query="PatientID=1&PatientID=2") == (
        "Invalid QIDO-RS query. Duplicate AttributeId 'PatientID'. Each attribute is only "
        "allowed to be specified once.")


def test_keyword_and_hex_of_the_same_attribute() -> None:
    assert error(query="PatientID=1&00100020=2").startswith(
        "Invalid query: attribute '00100020' has been specified more than once")


_NOT_QUERYABLE = ("Invalid query: AttributeId {} is not queryable.  If the parameter is an "
                  "attribute keyword, check the casing as they are case-sensitive. The "
                  "conformance statement has a list of supported query parameters, "
                  "attributes and the levels.")


def test_path_uid_again_as_filter_is_not_queryable() -> None:
    assert error(R.STUDY_SERIES, "StudyInstanceUID=1.2", study_uid=STUDY_UID) == (
        _NOT_QUERYABLE.format("StudyInstanceUID"))
    assert error(R.STUDY_SERIES_INSTANCES, "0020000E=1.2", study_uid=STUDY_UID,
                 series_uid=SERIES_UID) == _NOT_QUERYABLE.format("0020000E")


def test_path_uids_become_filters() -> None:
    query = parse(R.STUDY_SERIES_INSTANCES, study_uid=STUDY_UID, series_uid=SERIES_UID)
    assert {f.attribute.name: f.condition for f in query.filters} == {
        "StudyInstanceUID": Exact(STUDY_UID), "SeriesInstanceUID": Exact(SERIES_UID)}


def test_values_are_trimmed() -> None:
    assert condition("PatientID= P1 ") == Exact("P1")


# -- matching --------------------------------------------------------------------------


def test_no_wildcards_value_is_literal() -> None:
    assert condition("PatientName=Do*") == Exact("Do*")
    assert condition("PatientID=A?") == Exact("A?")


@pytest.mark.parametrize(("value", "expected"), [
    ("20240102", Exact("20240102")),
    ("20240101-20241231", Range("20240101", "20241231")),
    ("20240101-", Range("20240101", None)),
    ("-20241231", Range(None, "20241231")),
    ("20240101-20240101", Range("20240101", "20240101")),
])
def test_date_matching(value: str, expected: Condition) -> None:
    assert condition(f"StudyDate={value}") == expected


@pytest.mark.parametrize("value", ["2024", "2024-01-02", "20240230", "2024013", "yesterday",
                                   "2024\u0660102"])
def test_invalid_date(value: str) -> None:
    message = error(query=f"StudyDate={value}")
    assert message.endswith("Date should be valid and formatted as yyyyMMdd.")
    assert "for attribute 'StudyDate'" in message


def test_dash_alone_is_not_a_range() -> None:
    assert error(query="PatientBirthDate=-").startswith(
        "Invalid query: specified range is invalid.\nBoth parts in the range cannot be empty.")


def test_reversed_date_range() -> None:
    assert error(query="StudyDate=20241231-20240101") == (
        "Invalid query: specified date range '20241231-20240101' is invalid.\nThe first part "
        "date 20241231 should be lesser than or equal to the second part date 20240101.")


@pytest.mark.parametrize(("value", "expected"), [
    ("2024", "20240101000000.000000"),
    ("202402", "20240201000000.000000"),
    ("2024020310", "20240203100000.000000"),
    ("20240203104512.5", "20240203104512.500000"),
])
def test_date_time_canonical_form(value: str, expected: str) -> None:
    assert canonical_date_time(value) == expected


def test_date_time_invalid_and_offset() -> None:
    tag = FakeTag(vr="DT", name="AcquisitionDateTime")
    with pytest.raises(QueryParseError, match="DateTime should be valid"):
        parse_condition(tag, "20241301", fuzzy=False)
    with pytest.raises(QueryParseError, match="contains offset which is not supported"):
        parse_condition(tag, "20240203104512 0100", fuzzy=False)


@pytest.mark.parametrize(("value", "expected"), [
    ("10", "100000.000000"), ("1045", "104500.000000"), ("104512.25", "104512.250000")])
def test_time_canonical_form(value: str, expected: str) -> None:
    assert canonical_time(value) == expected


@pytest.mark.parametrize("value", ["25", "1", "1060", "10:45"])
def test_time_invalid(value: str) -> None:
    with pytest.raises(QueryParseError, match="Time should be valid and formatted as HHmmss"):
        parse_condition(FakeTag(vr="TM", name="StudyTime"), value, fuzzy=False)


def test_a_uid_list_is_one_value() -> None:
    assert condition("StudyInstanceUID=1.2.3, 1.2.4,") == Exact("1.2.3, 1.2.4,")
    assert condition("SOPInstanceUID=1.2.3") == Exact("1.2.3")
    tag = FakeTag(vr="UI", name="ReferencedSOPInstanceUID")
    assert parse_condition(tag, "1.2,1.3", fuzzy=False) == Exact("1.2,1.3")


def test_fuzzy_words_are_normalized() -> None:
    query = parse(R.ALL_STUDIES, "PatientName=Jö^DO&fuzzymatching=true")
    assert query.fuzzy and query.filters[0].condition == Fuzzy(("jo", "do"))


def test_fuzzy_only_changes_person_names() -> None:
    assert condition("PatientID=Jo&fuzzymatching=true") == Exact("Jo")
    assert condition("ReferringPhysicianName=a b&fuzzymatching=true") == Fuzzy(("a", "b"))
    assert condition("PatientName=O'Brien^Ann&fuzzymatching=true") == Fuzzy(("o", "brien",
                                                                             "ann"))


def test_fuzzy_refuses_quotes() -> None:
    assert error(query='PatientName="Doe"&fuzzymatching=true') == (
        "Invalid query: specified tag 'PatientName' value '\"Doe\"' contains unsupported "
        "character '\"'. Character is not supported with Fuzzy match, try exact match or "
        "removing the invalid character. ")


def test_quotes_are_fine_without_fuzzy() -> None:
    assert condition('PatientName="Doe"') == Exact('"Doe"')


# -- SQL fragments of the core attributes (storage.search) ---------------------------------


def fragment(query: str, resource: QueryResource = R.ALL_INSTANCES) -> SqlFragment:
    (only,) = parse(resource, query).filters
    return criterion_sql(only.criterion())


def test_person_name_exact_match_uses_normalized_column() -> None:
    assert fragment("PatientName=JÖHN^Doe^^") == ("st.patient_name = ?", ["john^doe"])


def test_fragments_per_condition() -> None:
    assert fragment("StudyDate=20240101-") == ("st.study_date >= ?", ["20240101"])
    assert fragment("PerformedProcedureStepStartDate=-20240101") == (
        "se.pps_start_date <= ?", ["20240101"])
    assert fragment("SOPInstanceUID=1.2,1.3") == ("i.sop_uid = ?", ["1.2,1.3"])
    sql, params = fragment("ModalitiesInStudy=CT")
    assert "FROM series" in sql and params == ["CT"]
    sql, params = fragment("PatientName=jo do&fuzzymatching=true")
    assert "MATCH ?" in sql and params == ['patient_name : ("jo"* + "do"*)']


# -- the extension point (extended query tags) -------------------------------------------


@dataclass(frozen=True)
class FakeTag:
    """An extended query tag as issue 4 will provide it."""

    tag: str = "00181030"  # ProtocolName, LO
    name: str = "ProtocolName"
    vr: str = "LO"
    level: Level = Level.SERIES
    query_disabled: bool = False
    has_errors: bool = False

    def criterion(self, condition: Condition) -> Criterion:
        return Criterion(IndexColumn(Level.SERIES, "protocol_name"), condition)


def test_extra_attribute_is_queryable_at_its_level_and_above() -> None:
    query = parse_query([("ProtocolName", "P")], R.ALL_SERIES, extra=[FakeTag()])
    assert query.filters[0].criterion() == Criterion(IndexColumn(Level.SERIES, "protocol_name"),
                                                      Exact("P"))
    assert parse_query([("00181030", "P")], R.ALL_INSTANCES, extra=[FakeTag()]).filters
    with pytest.raises(QueryParseError, match="is not queryable"):
        parse_query([("ProtocolName", "P")], R.ALL_STUDIES, extra=[FakeTag()])


def test_extra_attribute_disabled() -> None:
    with pytest.raises(QueryParseError) as info:
        parse_query([("ProtocolName", "P")], R.ALL_SERIES, extra=[FakeTag(query_disabled=True)])
    assert info.value.message == "Query is disabled on specified attribute 'ProtocolName'."


def test_extra_attribute_with_errors_is_reported() -> None:
    query = parse_query([("00181030", "P")], R.ALL_SERIES, extra=[FakeTag(has_errors=True)])
    assert query.erroneous == ("00181030",)


def test_extra_attribute_cannot_replace_a_core_one() -> None:
    impostor = FakeTag(tag="00100020", name="PatientID", level=Level.STUDY)
    (only,) = parse_query([("PatientID", "P")], R.ALL_STUDIES, extra=[impostor]).filters
    assert only.attribute is CORE_ATTRIBUTES["00100020"]


@pytest.mark.parametrize(("vr", "value", "expected"), [
    ("US", "12", Exact(12)), ("SL", "-3", Exact(-3)), ("FD", "1.5", Exact(1.5)),
    ("DT", "2024-2025", Range("20240101000000.000000", "20250101000000.000000")),
    ("TM", "10-", Range("100000.000000", None)),
])
def test_values_of_other_vrs_for_extended_tags(vr: str, value: str, expected: Condition) -> None:
    tag = FakeTag(vr=vr)
    assert parse_query([("ProtocolName", value)], R.ALL_SERIES, extra=[tag]).filters[0].condition \
        == expected


@pytest.mark.parametrize(("vr", "kind"), [("US", "long"), ("FL", "double")])
def test_numbers_that_are_not(vr: str, kind: str) -> None:
    with pytest.raises(QueryParseError) as info:
        parse_query([("ProtocolName", "x1")], R.ALL_SERIES, extra=[FakeTag(vr=vr)])
    assert info.value.message == (f"Invalid query: specified value 'x1' extended query tag with "
                                  f"path 'ProtocolName' is not a valid {kind} value.")


def test_vr_that_cannot_be_queried_is_an_unknown_parameter() -> None:
    with pytest.raises(QueryParseError, match="unknown query parameter 'ProtocolName'"):
        parse_query([("ProtocolName", "x")], R.ALL_SERIES, extra=[FakeTag(vr="ST")])
