"""Money movement against the sandbox bank over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from money_helpers import Ctx, make_client, register_profile

from halyk_desk.epay import EpayClient
from halyk_desk.paths import AppPaths
from halyk_desk.sandbox import SandboxServer
from halyk_desk.services import operators
from halyk_desk.settings import Settings
from halyk_desk.store import Store


@pytest.fixture
def client(server: SandboxServer) -> Iterator[EpayClient]:
    with make_client(server) as c:
        yield c


@pytest.fixture
def ctx(store: Store, app_paths: AppPaths, server: SandboxServer) -> Ctx:
    """A manager, "anna", on a store whose first operator, "root", is its admin; "boris" is a
    second manager and "alla" an accountant."""
    context = Ctx(app_paths, Settings.load(app_paths.config_dir), store,
                  register_profile(store, server), "root")
    operators.add_operator(context, "anna", "manager")
    operators.add_operator(context, "boris", "manager")
    operators.add_operator(context, "alla", "accountant")
    return context.as_("anna")

