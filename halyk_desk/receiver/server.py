"""The receiver served by uvicorn, with the limits an internet-facing server needs.

uvicorn bounds the header size (h11_max_incomplete_event_size), the connections at once
(limit_concurrency, beyond which it answers 503) and idle keep-alive time, but has no deadline
for a request's headers: a client trickling one byte at a time would hold a connection forever
(slowloris). _HeaderDeadline adds one; the body's deadline is the app's (receiver.app).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from halyk_desk.receiver.app import BODY_TIMEOUT, make_app
from halyk_desk.receiver.checker import StatusChecker
from halyk_desk.services.bank import open_bank

if TYPE_CHECKING:
    from halyk_desk.services.context import AppContext

DEFAULT_LISTEN = "127.0.0.1:8090"


@dataclass(frozen=True)
class Limits:
    #: Seconds from connecting (or from the last answer) to a request's complete headers.
    header_timeout: float = 10.0
    body_timeout: float = BODY_TIMEOUT
    #: Bytes of request line and headers at most.
    max_header_bytes: int = 16 * 1024
    #: Connections at once; more get 503 (the bank sends again).
    max_connections: int = 1000
    keep_alive: float = 5.0


class _HeaderDeadline(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request's headers."""

    header_timeout = Limits.header_timeout

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._armed_for: object = None

    def _arm(self) -> None:
        self._disarm()
        self._armed_for = self.cycle
        self._deadline = self.loop.call_later(self.header_timeout, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def handle_events(self) -> None:
        super().handle_events()
        if self._deadline is not None and self.cycle is not self._armed_for:
            self._disarm()  # a new request's headers are in: the app's body deadline takes over

    def on_response_complete(self) -> None:
        super().on_response_complete()
        waiting = self.cycle is None or self.cycle.response_complete  # not a pipelined request
        if waiting and not self.transport.is_closing():
            self._arm()  # the next request on this connection gets the same deadline

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


def parse_listen(text: str) -> tuple[str, int]:
    """HOST:PORT (IPv6 in brackets: [::1]:8090)."""
    host, sep, port = text.strip().rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535 or not host:
        raise ValueError(text)  # the command says what to write
    return host.strip("[]"), int(port)


def _protocol(limits: Limits) -> type[H11Protocol]:
    return type("HeaderDeadline", (_HeaderDeadline,), {"header_timeout": limits.header_timeout})


class Receiver:
    """The receiver of one profile: the checker thread plus uvicorn, in the calling thread
    (`run`) or in a thread of its own (`running`, for tests and the sandbox)."""

    def __init__(self, ctx: AppContext, host: str, port: int, limits: Limits | None = None,
                 **client_options: Any) -> None:
        self.ctx = ctx
        self.limits = limits or Limits()
        self.checker = StatusChecker(ctx, lambda: open_bank(ctx, **client_options))
        app = make_app(ctx, self.checker, body_timeout=self.limits.body_timeout)
        self.config = uvicorn.Config(
            app, host=host, port=port, http=_protocol(self.limits), lifespan="off",
            log_level="warning", access_log=False, server_header=False,
            limit_concurrency=self.limits.max_connections,
            timeout_keep_alive=int(self.limits.keep_alive),
            h11_max_incomplete_event_size=self.limits.max_header_bytes,
            timeout_graceful_shutdown=5,
        )
        self.server = uvicorn.Server(self.config)

    @property
    def port(self) -> int:
        """The port actually listened on (useful with port 0)."""
        for server in self.server.servers:
            for sock in server.sockets:
                return int(sock.getsockname()[1])
        return self.config.port

    def run(self) -> None:
        """Serve until interrupted (Ctrl-C, SIGTERM from systemd)."""
        self.checker.start()
        try:
            self.server.run()
        finally:
            self.checker.stop()

    @contextmanager
    def running(self) -> Iterator[Receiver]:
        """Serve in a background thread for the block; stops and waits on exit."""
        self.checker.start()
        self.server.config.install_signal_handlers = False  # type: ignore[attr-defined]
        thread = threading.Thread(target=self.server.run, name="callback-receiver",
                                  daemon=True)
        thread.start()
        try:
            while not self.server.started:
                if not thread.is_alive():
                    raise OSError(f"{self.config.host}:{self.config.port}")
                threading.Event().wait(0.02)
            yield self
        finally:
            self.server.should_exit = True
            thread.join()
            self.checker.stop()
