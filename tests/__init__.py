"""The kit's tests. ``tests/support`` holds what they share; see ``tests/conftest.py``."""

import pytest

# The support helpers assert (``store_bytes``, ``add_tags``…): rewrite their asserts as pytest
# rewrites the tests', so that a failing one shows its values. Before anything imports them.
pytest.register_assert_rewrite("tests.support")
