"""``tests/emulator/test_frames.py`` in partition p1 (see ``conftest.py``)."""

from tests.emulator import test_frames as source
from tests.support.partitions import copied_tests

# Not inside a partition: they read the index or the files of the default partition,
# compare URLs with unpartitioned ones, or send an invalid UID to a partition no
# store made yet (the partition's 400 comes first, as in the service).
LEAVE_OUT = {
    "test_a_repeated_frame_is_read_once_and_shared",
    "test_damaged_files_never_give_5xx",
}
globals().update(copied_tests(source, LEAVE_OUT))
