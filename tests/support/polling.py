"""Waiting for what happens in the background: poll with a deadline, never a bare sleep.

A fixed ``sleep`` before an assertion is too short on a loaded machine and too long on an
idle one; these retry until the condition holds and fail with a clear message at the deadline.
"""

from __future__ import annotations

import time
from collections.abc import Callable

DEFAULT_TIMEOUT = 30.0


def wait_until(condition: Callable[[], bool], timeout: float = DEFAULT_TIMEOUT,
               interval: float = 0.01, what: str = "condition") -> None:
    """Poll ``condition`` until it is true; an ``AssertionError`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} not met within {timeout} s"
        time.sleep(interval)


def assert_eventually(check: Callable[[], None], timeout: float = DEFAULT_TIMEOUT,
                      interval: float = 0.05) -> None:
    """Run ``check`` (it asserts) until it passes; at the deadline its last failure is raised."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            check()
            return
        except AssertionError:
            if time.monotonic() >= deadline:
                raise
        time.sleep(interval)
