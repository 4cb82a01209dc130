"""The server itself: addresses, keep-alive, start and stop, request log, concurrency."""

from __future__ import annotations

import http.client
import json
import socket
import threading

import httpx
import pytest
from sandbox_helpers import get_token, status, token_form

from halyk_desk.domain import Money
from halyk_desk.sandbox import SandboxBank, SandboxServer

INVOICE = "000111222"


def test_urls_share_one_loopback_port(bank):
    with SandboxServer(bank) as srv:
        assert srv.base_url == f"http://127.0.0.1:{srv.port}" and srv.port > 0
        assert srv.oauth_url == srv.base_url + "/oauth2/token"
        assert srv.api_url == srv.base_url


def test_start_and_stop_are_idempotent_and_free_the_port(http, bank):
    srv = SandboxServer(bank)
    srv.start()
    srv.start()
    port = srv.port
    assert http.post(srv.oauth_url, data=token_form()).status_code == 200
    srv.stop()
    srv.stop()
    assert not srv.running
    with pytest.raises(httpx.ConnectError):
        http.post(srv.oauth_url, data=token_form())
    with socket.create_server(("127.0.0.1", port)):  # the port is free again
        pass


def test_a_stopped_server_can_start_again_with_the_same_bank(http, bank):
    bank.add_payment(INVOICE, Money(5000))
    srv = SandboxServer(bank)
    with srv:
        first = get_token(http, srv)
    with srv:
        assert status(http, srv, first, INVOICE).json()["resultCode"] == "100"


def _request(conn: http.client.HTTPConnection, body: str) -> http.client.HTTPResponse:
    conn.request("POST", "/oauth2/token", body=body,
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    reply = conn.getresponse()
    reply.read()
    return reply


def test_connections_are_kept_alive_and_closed_on_stop(bank):
    body = "&".join(f"{k}={v}" for k, v in token_form().items()).replace(" ", "+")
    srv = SandboxServer(bank).start()
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    try:
        _request(conn, body)
        local = conn.sock.getsockname()
        reply = _request(conn, body)
        assert reply.status == 200 and reply.version == 11
        assert conn.sock is not None and conn.sock.getsockname() == local  # the same connection
        srv.stop()
        # A kept-alive connection must not outlive the server.
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
            _request(conn, body)
    finally:
        conn.close()
        srv.stop()


def test_every_request_is_recorded_without_its_query(http, server, bank, token):
    tx = bank.add_payment(INVOICE, Money(100000))
    status(http, server, token, INVOICE)
    http.post(f"{server.api_url}/operation/{tx}/refund?amount=100&externalID=a",
              headers={"Authorization": f"Bearer {token}"})
    http.get(f"{server.base_url}/nowhere")
    assert bank.requests == [
        ("POST", "/oauth2/token"),
        ("GET", f"/check-status/payment/transaction/{INVOICE}"),
        ("POST", f"/operation/{tx}/refund"),
        ("GET", "/nowhere"),
    ]


def test_sixteen_concurrent_readers_all_get_answers(http, server, bank, token):
    for n in range(16):
        bank.add_payment(f"0001000{n:02d}", Money(1000 + n))
    answers: list[str] = []

    def read(n: int) -> None:
        for _ in range(5):
            answers.append(status(http, server, token, f"0001000{n:02d}").json()["resultCode"])

    threads = [threading.Thread(target=read, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == ["100"] * 80
    assert len(bank.requests) == 81


def test_a_chunked_body_is_refused_without_applying(server, bank, token):
    tx = bank.add_payment(INVOICE, Money(5000), status="AUTH")
    body = b'{"amount": 10}'
    # The whole request in one write: the server may answer and close before reading the body.
    request = (f"POST /operation/{tx}/charge HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
               "Transfer-Encoding: chunked\r\n\r\n").encode()
    request += f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(request)
        reply = http.client.HTTPResponse(sock)
        reply.begin()
        assert reply.status == 411 and "error" in json.loads(reply.read())
    assert bank.operations == []


def test_the_bank_repr_shows_no_secret():
    bank = SandboxBank(client_secret="very-secret-value")
    assert "very-secret-value" not in repr(bank) and "very-secret-value" not in repr(bank.tokens)
