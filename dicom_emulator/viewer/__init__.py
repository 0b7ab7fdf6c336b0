"""The OHIF viewer, served from the emulator's origin (``serve --viewer``): optional.

- :mod:`~dicom_emulator.viewer.files`: where OHIF's built ``dist/`` is, and which file a
  path names (OHIF's client routes fall back to ``index.html``);
- :mod:`~dicom_emulator.viewer.config`: the ``app-config.js`` written for this emulator;
- :mod:`~dicom_emulator.viewer.endpoint`: the routes (HTTP).

OHIF 3.13.2's bundles load their chunks from ``/`` (webpack's public path is fixed at
build time), so the viewer lives at the origin's root, beside ``/v1``, ``/v2`` and the
identity routes: its routes come last and never answer a path the service knows.
"""
