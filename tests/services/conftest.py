"""Services against the sandbox bank over real HTTP on 127.0.0.1, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sync_helpers import make_client, make_ctx

from halyk_desk.epay import EpayClient
from halyk_desk.paths import AppPaths
from halyk_desk.sandbox import SandboxServer
from halyk_desk.services.context import AppContext
from halyk_desk.store import Store


@pytest.fixture
def client(server: SandboxServer) -> Iterator[EpayClient]:
    with make_client(server) as c:
        yield c


@pytest.fixture
def ctx(store: Store, app_paths: AppPaths, server: SandboxServer) -> AppContext:
    return make_ctx(store, app_paths, server)
