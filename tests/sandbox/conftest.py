"""The sandbox bank over real HTTP on 127.0.0.1, spoken to with httpx directly (no client code)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sandbox_helpers import Clock, get_token

from halyk_desk.sandbox import SandboxBank, SandboxServer


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def bank(clock: Clock) -> SandboxBank:
    return SandboxBank(clock=clock, seed=0)


@pytest.fixture
def server(bank: SandboxBank) -> Iterator[SandboxServer]:
    # slow_seconds is far above the clients' timeouts; stopping the server cuts the wait short.
    with SandboxServer(bank, slow_seconds=5.0, spike_ms=5) as srv:
        yield srv


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    # One client for the session: building one costs more than most of these tests.
    with httpx.Client(timeout=5.0) as client:
        yield client


@pytest.fixture
def token(http: httpx.Client, server: SandboxServer) -> str:
    return get_token(http, server)
