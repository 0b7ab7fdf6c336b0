"""Kestrel's request timeouts for uvicorn: a deadline for a request head, a minimum data
rate for a request body.

The idle timeout (``idle_timeout.py``) re-arms on each byte, so a client dripping one byte
every 29 s would keep its connection for ever. Kestrel, which the service runs on, gives a
head ``RequestHeadersTimeout`` (30 s from its first byte) and a body
``MinRequestBodyDataRate`` (240 bytes/s on average once a 5 s grace period is over, timed
only while the app waits for body bytes). A head too slow gets Kestrel's own ``408
Request Timeout`` and the connection is closed. A body too slow fails the app's read with
``BadHttpRequestException``, which the service's ``ExceptionHandlingMiddleware`` answers
as a 400 with its message; Kestrel closes the connection after that answer, and answers
408 itself if the app gives none.

:class:`MinDataRate` is the per-connection hook: the protocol calls it on
``connection_made``, ``data_received`` and ``connection_lost``. It reads only what every
uvicorn HTTP protocol (h11 and httptools) has: ``cycle`` (with its ``scope`` and
``message_event``) and ``flow``. :class:`BodyTimeoutErrors`, an ASGI middleware, turns the
hook's verdict into the failed read.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any, Literal

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dicom_emulator.errors import BadRequestError

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


# Kestrel's RequestBodyTimeout message (CoreStrings.BadRequest_RequestBodyTimeout).
BODY_TIMEOUT = ("Reading the request body timed out due to data arriving too slowly. "
                "See MinRequestBodyDataRate.")
TIMED_OUT = "dicom_emulator.body_timed_out"  # the scope key the hook sets


def timeout_response() -> bytes:
    """Kestrel's own answer to a request too slow to arrive (``SendTimeoutResponse``)."""
    return (b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nDate: "
            + formatdate(usegmt=True).encode() + b"\r\nContent-Length: 0\r\n\r\n")


class BodyTimeoutErrors:
    """ASGI middleware: once :class:`MinDataRate` has timed a request's body out, the
    app's next read of it fails with Kestrel's message (a 400 from the error handler)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def checked_receive() -> Message:
            message = await receive()
            if scope.get(TIMED_OUT):
                raise BadRequestError(BODY_TIMEOUT)
            return message

        await self.app(scope, checked_receive, send)


class MinDataRate:
    """Times the head or body a connection is receiving, and ends one too slow."""

    def __init__(self, protocol: Any, limits: DataRateLimits):
        self.protocol = protocol  # a uvicorn HTTP protocol
        self.limits = limits
        self._received = 0        # bytes on this connection so far
        self._timing: tuple[Phase, Any] | None = None  # what is being timed, and its cycle
        self._since = 0.0         # when it started
        self._active = 0.0        # seconds of it during which we were reading
        self._base = 0            # bytes received before it started
        self._last_beat = 0.0
        self._beat: asyncio.TimerHandle | None = None
        self._timed_out: Any = None  # the cycle whose body was too slow, if any

    def _phase(self) -> tuple[Phase, Any]:
        """What the connection waits for from its client, with the cycle it belongs to."""
        cycle = self.protocol.cycle
        if cycle is None or cycle.response_complete:
            return "head", cycle
        if cycle.more_body and not cycle.response_started:
            return "body", cycle
        return "other", cycle

    def _start(self, phase: tuple[Phase, Any], received_before: int) -> None:
        self._timing, self._since, self._active = phase, time.monotonic(), 0.0
        self._base, self._last_beat = received_before, self._since
        if self._beat is None:
            self._beat_again()

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

    def _beat_again(self) -> None:
        self._beat = self.protocol.loop.call_later(self.limits.heartbeat, self._on_beat)

    def _on_beat(self) -> None:
        self._beat = None
        transport = self.protocol.transport
        if transport.is_closing():
            return
        now, phase = time.monotonic(), self._phase()
        if self._timed_out is not None:
            self._after_body_timeout(phase, now)
            return
        if phase != self._timing:  # the head ended; its body may have begun
            self._timing = None
            if phase[0] == "body":
                self._start(phase, self._received)
            return
        # A body's time: not while the app is not reading (uvicorn paused the socket, or
        # has not sent the 100 Continue the client waits for).
        if phase[0] == "body" and not (self.protocol.flow.read_paused
                                       or phase[1].waiting_for_100_continue):
            self._active += now - self._last_beat
        self._last_beat = now
        if not self._too_slow(phase[0], now):
            self._beat_again()
        elif phase[0] == "head":
            self._answer_408()
        else:  # the app's read fails (BodyTimeoutErrors); wake it if it waits
            cycle = phase[1]
            cycle.scope[TIMED_OUT] = True
            cycle.message_event.set()
            self._timed_out, self._since = cycle, now
            self._beat_again()

    def _after_body_timeout(self, phase: tuple[Phase, Any], now: float) -> None:
        """Close once the app has answered; answer 408 if it does not (Kestrel's
        ``RequestTimesOutEvenIfNotConsumedByApp``)."""
        cycle = self._timed_out
        if phase[1] is not cycle or cycle.response_complete:
            self.protocol.transport.close()
        elif (not cycle.response_started
              and now - self._since >= self.limits.body_grace):
            self._answer_408()
        else:
            self._beat_again()

    def _answer_408(self) -> None:
        self.protocol.transport.write(timeout_response())
        self.protocol.transport.close()

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
