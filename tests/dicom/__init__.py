"""Unit tests of the DICOM rules (``dicom_emulator.dicom``), one module each."""
