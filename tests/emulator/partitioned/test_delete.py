"""``tests/emulator/test_delete.py`` in partition p1 (see ``conftest.py``)."""

from tests.emulator import test_delete as source
from tests.support.partitions import copied_tests

# Not inside a partition: they read the index or the files of the default partition,
# compare URLs with unpartitioned ones, or send an invalid UID to a partition no
# store made yet (the partition's 400 comes first, as in the service).
LEAVE_OUT = {
    "test_delete_instance_then_404",
    "test_delete_series_removes_only_that_series",
    "test_delete_study_removes_study_and_leaves_the_other",
    "test_invalid_uid_is_400",
}
globals().update(copied_tests(source, LEAVE_OUT))
