"""What the tests share, one concept per module (fixtures stay in the ``conftest.py`` files).

- ``paths``: where the repository and the shared sample files are.
- ``headers``: the media types, transfer syntaxes and header sets tests put on the wire.
- ``datasets``: small DICOM instances made in memory, valid by default, broken on request.
- ``stow``: STOW-RS request bodies (multipart/related written independently of the emulator).
- ``wado``: storing through STOW and reading WADO-RS answers (multipart split, no Accept).
- ``extended_query_tags``: adding tags, waiting for operations, pausing the reindexer.
- ``tokens``: real tokens from the token endpoint, and every kind of bad one.
- ``live_emulator``: emulator processes (the ``live`` tier) and their fixtures.
"""
