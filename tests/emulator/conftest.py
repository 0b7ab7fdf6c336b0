"""Fixtures of the emulator's HTTP tests (the QIDO seed data: ``tests/support/qido.py``)."""

from tests.support.qido import read_only_http, seeded, seeded_app, writable_seeded

__all__ = ["read_only_http", "seeded", "seeded_app", "writable_seeded"]
