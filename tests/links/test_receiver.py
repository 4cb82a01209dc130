"""The callback receiver as the internet meets it: health, limits, repeats and a burst."""

from __future__ import annotations

import asyncio
import json
import socket
import time

import httpx
import pytest
from money_helpers import PROFILE

from halyk_desk.receiver.server import Limits, Receiver
from halyk_desk.services import callbacks
from halyk_desk.store import links as store_links

pytestmark = pytest.mark.slow


def url(receiver, path="/halyk/callback"):
    return f"http://127.0.0.1:{receiver.port}{path}"


def kept(ctx) -> int:
    with ctx.store.session(readonly=True) as session:
        return store_links.count_callbacks(session, PROFILE)


def test_health_answers_and_says_what_waits(ctx, receiver):
    reply = httpx.get(url(receiver, "/health"), timeout=5)
    assert reply.status_code == 200
    assert reply.json()["status"] == "ok" and reply.json()["pending_checks"] == 0


def test_a_body_over_the_limit_is_refused_and_not_kept(ctx, receiver):
    big = b'{"invoiceId": "123456789", "pad": "' + b"x" * callbacks.MAX_BODY + b'"}'
    assert httpx.post(url(receiver), content=big, timeout=5).status_code == 413
    assert kept(ctx) == 0


def _silent_for(sock: socket.socket, seconds: float) -> bool:
    """Whether the server closed the connection within `seconds` (reads b'' or a reset)."""
    sock.settimeout(seconds)
    try:
        return sock.recv(1024) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_headers_that_never_finish_are_cut_off(receiver):
    """A client trickling its headers (slowloris) is disconnected at the header deadline."""
    with socket.create_connection(("127.0.0.1", receiver.port)) as sock:
        sock.sendall(b"POST /halyk/callback HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        for _ in range(4):  # a byte now and then keeps an idle timer alive, not this deadline
            time.sleep(0.2)
            sock.sendall(b"X")
        assert _silent_for(sock, 3.0)
        assert time.monotonic() - started < 3.5


def test_a_body_that_never_finishes_gets_408(ctx, receiver):
    with socket.create_connection(("127.0.0.1", receiver.port)) as sock:
        sock.sendall(b"POST /cb HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n{\"invoiceId\"")
        sock.settimeout(5)
        assert sock.recv(1024).startswith(b"HTTP/1.1 408")
    assert kept(ctx) == 0


@pytest.fixture
def production_receiver(ctx):
    """The receiver with the limits `callbacks serve` runs with (10 s for a body: on a loaded
    machine a burst's bodies may wait for the event loop longer than the short fixture allows)."""
    with Receiver(ctx, "127.0.0.1", 0, Limits(), timeout=5.0).running() as running:
        yield running


def test_two_hundred_callbacks_at_once_lose_none(ctx, production_receiver):
    """A burst on loopback: each distinct notice answered 200 and kept once; bounded in time."""
    receiver = production_receiver
    bodies = [json.dumps({"invoiceId": f"{900000000 + n}", "code": "ok", "n": n}).encode()
              for n in range(200)]

    async def burst() -> list[int]:
        limits = httpx.Limits(max_connections=200)
        async with httpx.AsyncClient(timeout=20, limits=limits) as client:
            replies = await asyncio.gather(*(client.post(url(receiver), content=b)
                                             for b in bodies))
        return [r.status_code for r in replies]

    statuses = asyncio.run(asyncio.wait_for(burst(), timeout=60))
    assert statuses == [200] * 200
    assert kept(ctx) == 200
    # Strangers' orders are kept and shown, but nobody asks the bank about them.
    assert receiver.checker.pending == 0 and receiver.checker.checked == 0
    assert all(not c.verified for c in callbacks.list_callbacks(ctx))
