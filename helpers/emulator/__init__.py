"""The local emulator of the DICOM service, seen from the client side.

Three jobs, one module each:

- :mod:`helpers.emulator.process`: start, find (reuse) and stop the emulator's process;
- :mod:`helpers.emulator.identity`: its identity service's apps and roles (the workshop
  app the notebooks sign in as, the Azure-CLI-like commands) and their credentials;
- :mod:`helpers.emulator.sign_in`: a browser viewer's sign-in (a user, a single-page app,
  OHIF's ``oidc`` entry).

Nothing here imports ``dicom_emulator``: the client side talks to the emulator only over
HTTP and its command line, as it would to Azure. ``python -m helpers.emulator`` is the
command line (see :mod:`helpers.emulator.__main__`).
"""

from __future__ import annotations

from helpers.emulator.identity import (
    WORKSHOP_APP_FILE,
    emulator_cli,
    emulator_client_secret_credential,
    emulator_credential,
    ensure_workshop_app,
)
from helpers.emulator.process import (
    LOG_FILE,
    PID_FILE,
    ForeignEmulatorError,
    ServedEmulator,
    emulator_url,
    ensure_emulator,
    is_running,
    served_emulator,
    stop_emulator,
)

__all__ = [
    "LOG_FILE",
    "PID_FILE",
    "ForeignEmulatorError",
    "ServedEmulator",
    "WORKSHOP_APP_FILE",
    "emulator_cli",
    "emulator_client_secret_credential",
    "emulator_credential",
    "emulator_url",
    "ensure_emulator",
    "ensure_workshop_app",
    "is_running",
    "served_emulator",
    "stop_emulator",
]
