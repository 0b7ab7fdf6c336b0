"""``tests/emulator/test_retrieve.py`` in partition p1 (see ``conftest.py``)."""

from tests.emulator import test_retrieve as source
from tests.support.partitions import copied_tests

# Not inside a partition: they read the index or the files of the default partition,
# compare URLs with unpartitioned ones, or send an invalid UID to a partition no
# store made yet (the partition's 400 comes first, as in the service).
LEAVE_OUT = {
    "test_invalid_uid_is_400",
    "test_file_deleted_under_the_index_is_404",
    "test_metadata_etag_and_if_none_match",
}
globals().update(copied_tests(source, LEAVE_OUT))
