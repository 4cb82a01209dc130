"""The client against the sandbox bank over real HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from epay_helpers import SLOW_SECONDS, TIMEOUT, CannedBank, make_client

from halyk_desk.epay import EpayClient
from halyk_desk.sandbox import SandboxBank, SandboxServer


@pytest.fixture
def bank() -> SandboxBank:
    return SandboxBank(seed=0)


@pytest.fixture
def server(bank: SandboxBank) -> Iterator[SandboxServer]:
    with SandboxServer(bank, port=0, slow_seconds=SLOW_SECONDS) as srv:
        yield srv


@pytest.fixture
def client(server: SandboxServer) -> Iterator[EpayClient]:
    with make_client(server) as c:
        yield c


@pytest.fixture
def canned() -> Iterator[CannedBank]:
    with CannedBank() as bank:
        yield bank


@pytest.fixture
def canned_client(canned: CannedBank) -> Iterator[EpayClient]:
    with EpayClient(canned.profile(), timeout=TIMEOUT, backoff=0.0, get_retries=1) as c:
        yield c
