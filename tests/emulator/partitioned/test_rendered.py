"""``tests/emulator/test_rendered.py`` in partition p1 (see ``conftest.py``)."""

from tests.emulator import test_rendered as source
from tests.support.partitions import copied_tests

globals().update(copied_tests(source))
