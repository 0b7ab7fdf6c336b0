"""uvicorn's h11 protocol with an idle timeout while a request is being received.

uvicorn times out only a kept-alive connection between requests
(``timeout_keep_alive``, armed when a response completes): a connection that opens and
sends nothing, or half a request head, or a body that stops coming, holds its socket for
ever, and a few hundred of them use up the process's open files. Here the timer is armed
when the connection opens and re-armed whenever bytes arrive; when it fires while the
server is still waiting for the client (no request yet, or its body unfinished), the
connection is closed. A request the app is working on is never cut.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from dicom_emulator.web.min_data_rate import DataRateLimits, with_min_data_rate

DEFAULT_IDLE_TIMEOUT = 30.0  # seconds a client may stay silent while it owes us bytes


class IdleTimeoutH11Protocol(H11Protocol):
    """:class:`H11Protocol` closing connections whose client went silent mid-request."""

    idle_timeout = DEFAULT_IDLE_TIMEOUT

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._idle: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
        self._idle = self.loop.call_later(self.idle_timeout, self._on_idle)

    def _waiting_for_client(self) -> bool:
        cycle = self.cycle
        return cycle is None or cycle.response_complete or (
            cycle.more_body and not cycle.response_started)

    def _on_idle(self) -> None:
        self._idle = None
        if self.transport.is_closing():
            return
        if self._waiting_for_client():
            self.transport.close()
        else:
            self._arm()  # the app is answering: look again later

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        self._arm()
        super().data_received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        super().connection_lost(exc)


def with_idle_timeout(seconds: float) -> type[IdleTimeoutH11Protocol]:
    """The protocol class with ``seconds`` as its timeout (uvicorn takes a class)."""
    return type("IdleTimeoutH11Protocol", (IdleTimeoutH11Protocol,), {"idle_timeout": seconds})


def protocol_options(idle_timeout: float, data_rate: DataRateLimits) -> dict[str, Any]:
    """The ``uvicorn.Config`` options of every server the emulator runs (HTTP, HTTPS): the
    idle timeout, and Kestrel's head deadline and minimum body data rate."""
    return {
        "http": with_min_data_rate(with_idle_timeout(idle_timeout), data_rate),
        "h11_max_incomplete_event_size": 64 * 1024,  # what h11 buffers of an unfinished head
    }
