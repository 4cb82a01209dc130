"""The CLI against the sandbox bank over real HTTP on 127.0.0.1, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from cli_helpers import add_profile

from halyk_desk.paths import AppPaths
from halyk_desk.sandbox import SandboxServer
from halyk_desk.store import Store


@pytest.fixture
def shop(store: Store, app_paths: AppPaths, server: SandboxServer) -> Store:
    """The store, with profile "shop" at the sandbox bank; its secret where children find it."""
    add_profile(store, app_paths, server.oauth_url, server.api_url)
    return store
