"""``tests/emulator/test_query.py`` in partition p1 (see ``conftest.py``)."""

from tests.emulator import test_query as source
from tests.support.partitions import copied_tests

# Not inside a partition: they read the index or the files of the default partition,
# compare URLs with unpartitioned ones, or send an invalid UID to a partition no
# store made yet (the partition's 400 comes first, as in the service).
LEAVE_OUT = {
    "test_empty_store_is_204",
}
globals().update(copied_tests(source, LEAVE_OUT))
