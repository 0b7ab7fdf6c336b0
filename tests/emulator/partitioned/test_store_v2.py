"""``tests/emulator/test_store_v2.py`` in partition p1 (see ``conftest.py``)."""

from tests.emulator import test_store_v2 as source
from tests.support.partitions import copied_tests

# Not inside a partition: they read the index or the files of the default partition,
# compare URLs with unpartitioned ones, or send an invalid UID to a partition no
# store made yet (the partition's 400 comes first, as in the service).
LEAVE_OUT = {
    "test_v2_empty_patient_id_is_a_warning_and_is_dropped",
    "test_v2_value_multiplicity_is_a_warning_that_drops_the_attribute",
}
globals().update(copied_tests(source, LEAVE_OUT))
