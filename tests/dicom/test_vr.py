"""The VR tables: each names only VRs that exist, and the service's sets are its own."""

from __future__ import annotations

from dicom_emulator.dicom import vr


def test_every_table_names_only_dicom_vrs() -> None:
    tables = [getattr(vr, name) for name in vr.__all__ if name != "ALL_VRS"]
    assert all(set(table) <= vr.ALL_VRS for table in tables)
    assert len(vr.ALL_VRS) == 34  # PS3.5 Table 6.2-1


def test_extended_query_tags_support_the_services_seventeen_vrs() -> None:
    # ExtendedQueryTagEntryValidator.SupportedVRCodes
    assert vr.EXTENDED_QUERY_TAG_VRS == {"AE", "AS", "CS", "DA", "DT", "FD", "FL", "IS", "LO",
                                         "PN", "SH", "SL", "SS", "TM", "UI", "UL", "US"}
    stored_as = vr.INDEXED_AS_INTEGER_VRS | vr.INDEXED_AS_REAL_VRS
    assert stored_as <= vr.EXTENDED_QUERY_TAG_VRS


def test_qido_parses_each_vr_one_way_at_most() -> None:
    ways = [vr.QUERIED_AS_TEXT_VRS, vr.QUERIED_AS_INTEGER_VRS, vr.QUERIED_AS_REAL_VRS,
            vr.DATE_TIME_VRS]
    assert sum(len(way) for way in ways) == len(set().union(*ways))
