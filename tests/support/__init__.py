"""What the tests share, one concept per module (fixtures stay in the ``conftest.py`` files).

- ``paths``: where the repository and the shared sample files are.
- ``headers``: the media types, transfer syntaxes and header sets tests put on the wire.
- ``datasets``: small DICOM instances made in memory, valid by default, broken on request.
- ``stow``: STOW-RS request bodies (multipart/related written independently of the emulator).
- ``wado``: storing through STOW and reading WADO-RS answers (multipart split, no Accept).
- ``extended_query_tags``: adding tags, waiting for operations, pausing the reindexer.
- ``tokens``: real tokens from the token endpoint, and every kind of bad one.
- ``polling``: waiting for background work with a deadline (never a bare ``sleep``).
- ``live_emulator``: emulator processes (the ``live`` tier) and their fixtures.

Helpers whose name starts with ``assert_`` are checks; the others assert only what must hold
for the test to make sense (a STOW that has to succeed, an operation that has to finish).
"""
