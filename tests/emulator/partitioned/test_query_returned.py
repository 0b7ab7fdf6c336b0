"""``tests/emulator/test_query_returned.py`` in partition p1 (see ``conftest.py``)."""

from tests.emulator import test_query_returned as source
from tests.support.partitions import copied_tests

globals().update(copied_tests(source))
