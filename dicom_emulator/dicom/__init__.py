"""DICOM rules: attributes per level, values and their canonical forms, validation, DICOM JSON.

Pure functions over pydicom datasets and DICOM JSON. This package imports nothing from
the web, feature or storage layers (``tests/test_architecture.py`` checks it).
"""
