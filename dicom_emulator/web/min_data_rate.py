"""Kestrel's request timeouts for uvicorn: a deadline for a request head, a minimum data
rate for a request body, and 408 when either is missed.

The idle timeout (``idle_timeout.py``) re-arms on each byte, so a client dripping one byte
every 29 s would keep its connection for ever. Kestrel, which the service runs on, gives a
head ``RequestHeadersTimeout`` (30 s from its first byte) and a body
``MinRequestBodyDataRate`` (240 bytes/s on average once a 5 s grace period is over); a
client that misses either gets ``408 Request Timeout`` with ``Connection: close`` while no
response has started, and the connection is closed.

:class:`MinDataRate` is the per-connection hook: the protocol calls it on
``connection_made``, ``data_received`` and ``connection_lost``. It reads only what every
uvicorn HTTP protocol (h11 and httptools) has: ``cycle`` and ``flow``.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any, Literal

Phase = Literal["head", "body", "other"]
HEARTBEAT = 1.0  # seconds between checks, Kestrel's heartbeat


@dataclass(frozen=True)
class DataRateLimits:
    """Kestrel's defaults; ``DICOM_EMULATOR_REQUEST_HEADERS_TIMEOUT``,
    ``_MIN_REQUEST_BODY_DATA_RATE`` and ``_MIN_REQUEST_BODY_GRACE`` change them."""

    headers_timeout: float = 30.0   # seconds from a head's first byte to its end
    body_rate: float = 240.0        # bytes per second, on average
    body_grace: float = 5.0         # seconds before the body's rate is judged

    @property
    def heartbeat(self) -> float:
        return min(HEARTBEAT, self.headers_timeout / 5, self.body_grace / 5)


def timeout_response() -> bytes:
    """Kestrel's answer to a request too slow to arrive: no body, connection closed."""
    return (b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n"
            b"Date: " + formatdate(usegmt=True).encode() + b"\r\n\r\n")


class MinDataRate:
    """Times the head or body a connection is receiving; answers 408 when it is too slow."""

    def __init__(self, protocol: Any, limits: DataRateLimits):
        self.protocol = protocol  # a uvicorn HTTP protocol
        self.limits = limits
        self._received = 0        # bytes on this connection so far
        self._timing: tuple[Phase, object] | None = None  # what is being timed, and whose
        self._since = 0.0         # when it started
        self._active = 0.0        # seconds of it during which we were reading
        self._base = 0            # bytes received before it started
        self._last_beat = 0.0
        self._beat: asyncio.TimerHandle | None = None

    def _phase(self) -> tuple[Phase, object]:
        """What the connection waits for from its client, with the cycle it belongs to."""
        cycle = self.protocol.cycle
        if cycle is None or cycle.response_complete:
            return "head", cycle
        if cycle.more_body and not cycle.response_started:
            return "body", cycle
        return "other", cycle

    def _start(self, phase: tuple[Phase, object], received_before: int) -> None:
        self._timing, self._since, self._active = phase, time.monotonic(), 0.0
        self._base, self._last_beat = received_before, self._since
        if self._beat is None:
            self._beat = self.protocol.loop.call_later(self.limits.heartbeat, self._on_beat)

    def connection_made(self) -> None:
        self._timing = None

    def data_received(self, size: int) -> None:
        """Before the protocol parses ``size`` new bytes: the first byte of a head starts
        its deadline (a kept-alive connection waiting for none is the idle timeout's)."""
        phase = self._phase()
        if phase[0] == "head" and self._timing != phase:
            self._start(phase, self._received)
        self._received += size

    def connection_lost(self) -> None:
        if self._beat is not None:
            self._beat.cancel()
            self._beat = None

    def _on_beat(self) -> None:
        self._beat = None
        transport = self.protocol.transport
        if transport.is_closing():
            return
        now, phase = time.monotonic(), self._phase()
        if phase != self._timing:  # the head ended; its body may have begun
            self._timing = None
            if phase[0] == "body":
                self._start(phase, self._received)
            return
        # Time the app spent not reading (uvicorn paused the socket) is not the client's.
        if not self.protocol.flow.read_paused:
            self._active += now - self._last_beat
        self._last_beat = now
        if self._too_slow(phase[0], now):
            transport.write(timeout_response())
            transport.close()
            return
        self._beat = self.protocol.loop.call_later(self.limits.heartbeat, self._on_beat)

    def _too_slow(self, phase: Phase, now: float) -> bool:
        if phase == "head":
            return now - self._since >= self.limits.headers_timeout
        if self._active < self.limits.body_grace:
            return False
        return (self._received - self._base) / self._active < self.limits.body_rate


def with_min_data_rate(protocol_class: type, limits: DataRateLimits) -> type:
    """``protocol_class`` (a uvicorn HTTP protocol) calling :class:`MinDataRate` with
    ``limits`` on its connection events; uvicorn takes a class."""

    class MinDataRateProtocol(protocol_class):  # type: ignore[misc]
        def connection_made(self, transport: asyncio.Transport) -> None:
            self.min_data_rate = MinDataRate(self, limits)
            super().connection_made(transport)
            self.min_data_rate.connection_made()

        def data_received(self, data: bytes) -> None:
            self.min_data_rate.data_received(len(data))
            super().data_received(data)

        def connection_lost(self, exc: Exception | None) -> None:
            self.min_data_rate.connection_lost()
            super().connection_lost(exc)

    return MinDataRateProtocol
