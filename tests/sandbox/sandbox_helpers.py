"""Shared pieces of the sandbox tests: a clock the test moves, thin HTTP calls made with httpx."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from halyk_desk.sandbox import TEST_CLIENT_ID, TEST_CLIENT_SECRET, TEST_TERMINAL, SandboxServer

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # 14:00 in Almaty
SCOPE = "webapi usermanagement email_send verification statement statistics payment"
EVERYTHING = {
    "name": "created_date",
    "method": "between",
    "searchParameter": ["2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z"],
}


class Clock:
    """The bank's clock, moved by the test instead of by waiting."""

    def __init__(self, start: datetime = NOW) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def token_form(**changes: str | None) -> dict[str, str]:
    form: dict[str, str | None] = {
        "grant_type": "client_credentials",
        "client_id": TEST_CLIENT_ID,
        "client_secret": TEST_CLIENT_SECRET,
        "terminal": TEST_TERMINAL,
        "scope": SCOPE,
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def get_token(http: httpx.Client, server: SandboxServer, **changes: str | None) -> str:
    reply = http.post(server.oauth_url, data=token_form(**changes))
    assert reply.status_code == 200, reply.text
    return reply.json()["access_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def status(http: httpx.Client, server: SandboxServer, token: str, invoice: str) -> httpx.Response:
    return http.get(
        f"{server.api_url}/check-status/payment/transaction/{invoice}", headers=bearer(token)
    )


def operate(
    http: httpx.Client, server: SandboxServer, token: str, tx_id: str, action: str,
    body: Any = None, **params: str,
) -> httpx.Response:
    return http.post(
        f"{server.api_url}/operation/{tx_id}/{action}", params=params, json=body,
        headers=bearer(token),
    )


def operations(
    http: httpx.Client, server: SandboxServer, token: str, query: dict[str, Any]
) -> httpx.Response:
    return http.post(f"{server.api_url}/operations", json=query, headers=bearer(token))
