"""The client against the sandbox bank over real HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from epay_helpers import TIMEOUT, CannedBank, make_client

from halyk_desk.epay import EpayClient
from halyk_desk.sandbox import SandboxServer


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
