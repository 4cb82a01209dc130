"""The sandbox bank served over real HTTP/1.1 (keep-alive) on loopback, with injected faults."""

from __future__ import annotations

import contextlib
import logging
import socket
import socketserver
import sys
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from halyk_desk.sandbox.api import TOKEN_PATH, Api, Request, endpoint_of, result, unauthorized
from halyk_desk.sandbox.bank import SandboxBank
from halyk_desk.sandbox.faults import Draw, FaultPlan, FaultRule
from halyk_desk.sandbox.replies import Reply

log = logging.getLogger(__name__)

_HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
_TEXT_503 = b"Service Temporarily Unavailable"


class SandboxServer:
    """Serves a SandboxBank at http://host:port: the token at /oauth2/token, the API at /.

    Usable as a context manager; start() and stop() are idempotent, and stop() closes open
    keep-alive connections too, so a stopped server answers nothing.
    """

    def __init__(
        self,
        bank: SandboxBank,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency_ms: float = 0,
        faults: Mapping[str, float] | None = None,
        slow_seconds: float = 30.0,
        spike_ms: float = 250,
        seed: int | None = None,
    ) -> None:
        self.bank = bank
        self.host = host
        self.port = port
        self.latency_ms = latency_ms
        self.slow_seconds = slow_seconds
        self.spike_ms = spike_ms
        self.faults = FaultPlan(bank.seed if seed is None else seed)
        for kind, rate in (faults or {}).items():
            self.faults.set(kind, rate)
        self._api = Api(bank)
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._state_lock = threading.Lock()

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self) -> SandboxServer:
        with self._state_lock:
            if self._httpd is not None:
                return self
            self._stopping.clear()
            server_class = _HTTPServer6 if ":" in self.host else _HTTPServer
            httpd = server_class((self.host, self.port), _Handler)
            httpd.sandbox = self
            self.port = httpd.server_address[1]
            self._httpd = httpd
            self._thread = threading.Thread(
                target=httpd.serve_forever, kwargs={"poll_interval": 0.02},
                name=f"sandbox-bank:{self.port}", daemon=True,
            )
            self._thread.start()
            return self

    def stop(self) -> None:
        with self._state_lock:
            httpd, thread = self._httpd, self._thread
            if httpd is None:
                return
            self._stopping.set()  # wakes requests sleeping for latency or a slow reply
            httpd.shutdown()
            httpd.close_connections()
            httpd.server_close()
            if thread is not None:
                thread.join()
            self._httpd = self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._httpd is not None

    # --- addresses ----------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def oauth_url(self) -> str:
        return self.base_url + TOKEN_PATH

    @property
    def api_url(self) -> str:
        return self.base_url

    # --- faults -------------------------------------------------------------------------------
    def set_fault(
        self, kind: str, rate: float = 1.0, *, times: int | None = None, match: str | None = None
    ) -> None:
        """Inject `kind` into matching requests with probability `rate`, at most `times` times."""
        self.faults.set(kind, rate, times=times, match=match)

    def clear_faults(self) -> None:
        self.faults.clear()

    def fault_rules(self) -> list[FaultRule]:
        return self.faults.rules()

    @property
    def injected(self) -> list[tuple[str, str]]:
        """(kind, path) of every fault injected so far."""
        return self.faults.injected

    # --- one request --------------------------------------------------------------------------
    def _serve(self, request: Request) -> Reply | None:
        """The reply to send, or None to close the connection without one."""
        self.bank.record_request(request.method, request.path)
        endpoint = endpoint_of(request.path)
        draw = self.faults.draw(endpoint, request.path) if endpoint else Draw()
        delay = self.latency_ms + (self.spike_ms if draw.spike else 0)
        if delay > 0 and self._stopping.wait(delay / 1000):
            return None
        if draw.outcome == "drop":
            return None
        if draw.outcome == "http5xx":
            return Reply(503, _TEXT_503, "text/plain")
        if draw.outcome == "html502":
            return Reply(502, _HTML_502, "text/html")
        if draw.outcome == "busy107":
            return result("107")
        if draw.outcome == "token_expiry":
            self.bank.tokens.expire(request.authorization)
            return unauthorized()
        try:
            if draw.outcome == "late_apply":
                with self.bank.deferring():
                    self._api.handle(request)
                later = threading.Timer(self.slow_seconds, self.bank.apply_pending)
                later.daemon = True
                later.start()
                return None  # queued at the bank; the client never hears of it
            reply = self._api.handle(request)
        except Exception:
            log.exception("sandbox bank failed on %s %s", request.method, request.path)
            return Reply(500, b'{"error": "internal error"}', "application/json")
        if draw.outcome == "lost_reply":
            return None  # applied, but the client never hears of it
        if draw.outcome == "slow":
            self._stopping.wait(self.slow_seconds)
        return reply


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    sandbox: SandboxServer

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def server_bind(self) -> None:
        # HTTPServer.server_bind asks DNS for the host's full name, which can stall for seconds
        # on machines without a resolver; the sandbox never needs that name.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            for conn in list(self._connections):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that went away mid-reply is normal here (timeouts, dropped connections).
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class _HTTPServer6(_HTTPServer):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "EpaySandbox/1.0"
    sys_version = ""
    disable_nagle_algorithm = True  # header and body go out as separate writes
    timeout = 120  # idle keep-alive connections are closed after this
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the console is for the CLI's own output."""

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            self._send(Reply(411, b'{"error": "length required"}', "application/json"))
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            self._send(Reply(400, b'{"error": "bad Content-Length"}', "application/json"))
            return
        body = self.rfile.read(length) if length > 0 else b""
        url = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=url.path,
            query=parse_qs(url.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        reply = self.server.sandbox._serve(request)
        if reply is None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        try:
            self._send(reply)
        except (ConnectionError, TimeoutError, OSError):
            self.close_connection = True

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        if reply.content_type:
            self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(reply.body)
        self.wfile.flush()
