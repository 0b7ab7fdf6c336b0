"""A local emulator of the Azure Health Data Services DICOM service."""

from dicom_emulator.app import create_app
from dicom_emulator.settings import EmulatorSettings

__all__ = ["EmulatorSettings", "create_app"]
