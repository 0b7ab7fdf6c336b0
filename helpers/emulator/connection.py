"""A notebook's session when the local emulator goes away, or comes back wiped.

The emulator runs on while kernels come and go; it can also stop under them (killed,
``make reset``, ``python -m helpers.kit stop`` from a terminal). Two things then go wrong
in a notebook, and this module turns each into one line that says what to do:

- **stopped**: the next request's connection is refused. :class:`LocalEmulatorAdapter`
  raises :class:`EmulatorNotRunningError` at once, with the advice, instead of
  dicomweb-client retrying for half a minute and a page of chained tracebacks. It does
  not start the emulator again by itself: it was stopped on purpose (or crashed, which
  its log explains), and a silent restart after ``make reset`` would show an empty
  service as if nothing had happened. Re-running the notebook's first cell starts it.
- **wiped** (``make reset`` and a new start): a new tenant and new signing keys, so the
  token in hand gets 401 and the stored workshop app is unknown. :class:`RenewingEmulatorAuth`
  provisions the workshop app again and retries the request once with a new token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests
from azure.core.credentials import TokenCredential
from requests.adapters import HTTPAdapter

from helpers.auth import BearerTokenAuth

__all__ = ["EmulatorNotRunningError", "LocalEmulatorAdapter", "RenewingEmulatorAuth"]


class EmulatorNotRunningError(requests.ConnectionError):
    """The local emulator refused the connection: it is not running (any more)."""


def not_running(url: str) -> EmulatorNotRunningError:
    return EmulatorNotRunningError(
        f"The local DICOM emulator at {url} is not running (stopped, killed, or 'make "
        "reset'). Re-run this notebook's first cell to start it again (or run 'python -m "
        "helpers.kit serve' in a terminal).")


class LocalEmulatorAdapter(HTTPAdapter):
    """Sends to the local emulator; a refused connection is :class:`EmulatorNotRunningError`."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url

    def send(self, request: requests.PreparedRequest, *args: Any,
             **kwargs: Any) -> requests.Response:
        try:
            return super().send(request, *args, **kwargs)
        except requests.ConnectionError as error:
            if isinstance(error, requests.exceptions.SSLError):
                raise
            raise not_running(self.url) from None  # the chain is a page of urllib3


class RenewingEmulatorAuth(BearerTokenAuth):
    """:class:`~helpers.auth.BearerTokenAuth` for the local emulator that survives a reset.

    Parameters
    ----------
    url : str
        The emulator's root URL.
    new_credential : callable
        Returns a credential of the workshop app, provisioning it when the emulator does
        not know the stored one (:func:`helpers.emulator.identity.emulator_credential`).
    """

    def __init__(self, url: str, new_credential: Callable[[], TokenCredential],
                 **kwargs: Any) -> None:
        self.url = url
        self._new_credential = new_credential
        self.renewals = 0
        super().__init__(new_credential(), **kwargs)

    def token(self) -> str:
        try:
            return super().token()
        except requests.ConnectionError:
            raise not_running(self.url) from None

    def renew(self) -> None:
        """Forget the token and the credential: provision the workshop app again."""
        with self._lock:
            self.credential = self._new_credential()
            self._token = None
            self.renewals += 1

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request = super().__call__(request)
        request.register_hook("response", self._retry_after_reset)  # type: ignore[no-untyped-call]
        return request

    def _retry_after_reset(self, response: requests.Response, **kwargs: Any,
                           ) -> requests.Response:
        """On a 401, renew once and resend: the data dir was wiped, the token is stale."""
        request = response.request
        if response.status_code != 401 or getattr(request, "_kit_renewed", False):
            return response
        if request.body is not None and not isinstance(request.body, bytes | str):
            return response  # a streamed body cannot be sent twice
        try:
            self.renew()
        except (requests.ConnectionError, RuntimeError):
            return response
        response.content  # noqa: B018 (read, so that the connection can be released)
        response.close()
        retry = request.copy()
        retry._kit_renewed = True  # type: ignore[attr-defined]
        retry.headers["Authorization"] = f"Bearer {self.token()}"
        sent = response.connection.send(retry, **kwargs)
        sent.history.append(response)
        sent.request = retry
        return sent
