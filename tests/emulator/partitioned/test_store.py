"""``tests/emulator/test_store.py`` in partition p1 (see ``conftest.py``)."""

from tests.emulator import test_store as source
from tests.support.partitions import copied_tests

# Not inside a partition: they read the index or the files of the default partition,
# compare URLs with unpartitioned ones, or send an invalid UID to a partition no
# store made yet (the partition's 400 comes first, as in the service).
LEAVE_OUT = {
    "test_single_part_store_returns_referenced_sop_with_absolute_url",
    "test_multipart_store_to_study_path_adds_study_retrieve_url",
    "test_v2_stores_with_a_warning_and_drops_the_invalid_value",
}
globals().update(copied_tests(source, LEAVE_OUT))
