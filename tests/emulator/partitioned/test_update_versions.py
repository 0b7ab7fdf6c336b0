"""``tests/emulator/test_update_versions.py`` in partition p1 (see ``conftest.py``)."""

from tests.emulator import test_update_versions as source
from tests.support.partitions import copied_tests

# Not inside a partition: they count the files of another app's data dir, build an app
# of their own, or (the UID rules) update a partition no store made yet.
LEAVE_OUT = {
    "test_uid_update_rules",
    "test_intermediate_versions_are_not_kept",
    "test_delete_removes_the_original_too",
    "test_an_upsert_replaces_both_versions",
    "test_a_study_deleted_during_its_update_fails_the_operation",
    "test_an_instance_deleted_during_the_update_is_left_out",
    "test_a_crash_between_a_studys_files_and_its_switch_is_redone",
}
globals().update(copied_tests(source, LEAVE_OUT))
