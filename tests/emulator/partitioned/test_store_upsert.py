"""``tests/emulator/test_store_upsert.py`` in partition p1 (see ``conftest.py``)."""

from tests.emulator import test_store_upsert as source
from tests.support.partitions import copied_tests

globals().update(copied_tests(source))
