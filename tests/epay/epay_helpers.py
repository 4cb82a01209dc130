"""Shared pieces of the client tests: profiles for the sandbox, and a canned HTTP bank."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from halyk_desk.epay import EpayClient, EpayProfile
from halyk_desk.sandbox import (
    TEST_CLIENT_ID,
    TEST_CLIENT_SECRET,
    TEST_TERMINAL,
    SandboxBank,
    SandboxServer,
)

#: Short enough for fast fault tests; the sandbox's "slow" fault answers well after it.
TIMEOUT = 0.5


def sandbox_profile(server: SandboxServer, **changes: str) -> EpayProfile:
    fields = {
        "name": "Sandbox",
        "oauth_url": server.oauth_url,
        "api_url": server.api_url,
        "client_id": TEST_CLIENT_ID,
        "terminal_id": TEST_TERMINAL,
        "secret": TEST_CLIENT_SECRET,
    }
    fields.update(changes)
    return EpayProfile(**fields)


def make_client(server: SandboxServer, **options: object) -> EpayClient:
    settings: dict[str, object] = {"timeout": TIMEOUT, "backoff": 0.0, "get_retries": 2}
    settings.update(options)
    return EpayClient(sandbox_profile(server), **settings)  # type: ignore[arg-type]


def count(bank: SandboxBank, method: str, fragment: str) -> int:
    """How many requests the bank received with this method and a path containing `fragment`."""
    return sum(1 for m, path in bank.requests if m == method and fragment in path)


class CannedBank:
    """A real HTTP server on 127.0.0.1 giving fixed replies the sandbox never gives on purpose
    (odd shapes a real bank or proxy might produce). `replies` maps a path prefix to
    (status, content type, body); the token endpoint gives `token_reply`, "canned-token" unless
    changed."""

    def __init__(self) -> None:
        self.replies: dict[str, tuple[int, str, str]] = {}
        self.token_reply = (200, "application/json", json.dumps(
            {"access_token": "canned-token", "expires_in": 7200}
        ))
        self.bodies: list[tuple[str, str]] = []  # (path, request body) of every API request
        canned = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # keep pytest output clean
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                if self.path.startswith("/oauth2/token"):
                    status, ctype, text = canned.token_reply
                else:
                    canned.bodies.append((self.path, body))
                    status, ctype, text = next(
                        (reply for prefix, reply in canned.replies.items()
                         if self.path.startswith(prefix)),
                        (404, "text/plain", "no canned reply"),
                    )
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def reply(
        self, prefix: str, status: int, body: object, ctype: str = "application/json"
    ) -> None:
        self.replies[prefix] = (status, ctype, body if isinstance(body, str) else json.dumps(body))

    def profile(self) -> EpayProfile:
        return EpayProfile("Canned", f"{self.url}/oauth2/token", self.url, "c", "t", "s3cret")

    def __enter__(self) -> CannedBank:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class FakeClock:
    """One made-up time for both sides: the bank's datetime clock and the client's monotonic one."""

    def __init__(self) -> None:
        self.start = datetime.now(UTC)
        self.elapsed = 0.0

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.elapsed)

    def monotonic(self) -> float:
        return self.elapsed

    def advance(self, seconds: float) -> None:
        self.elapsed += seconds
