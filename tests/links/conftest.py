"""Payment links and callbacks against the sandbox bank and the receiver, over real HTTP."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "operations"))

from money_helpers import PROFILE, Ctx, make_client, register_profile

from halyk_desk.epay import EpayClient
from halyk_desk.paths import AppPaths
from halyk_desk.receiver.server import Limits, Receiver
from halyk_desk.sandbox import TEST_CLIENT_SECRET, SandboxServer
from halyk_desk.secrets import SecretStore
from halyk_desk.services import operators, profiles
from halyk_desk.settings import Settings
from halyk_desk.store import Store

SHOP_ID = "5a3c1f0e-2b7d-4c1e-9f00-0123456789ab"


@pytest.fixture
def client(server: SandboxServer) -> Iterator[EpayClient]:
    with make_client(server, timeout=5.0) as c:
        yield c


@pytest.fixture
def ctx(store: Store, app_paths: AppPaths, server: SandboxServer) -> Ctx:
    """"anna", a manager, on a profile of the sandbox server with a shop id and a stored secret
    (the receiver opens its own client); "alla" is an accountant."""
    SecretStore(app_paths.config_dir).set(PROFILE, TEST_CLIENT_SECRET)
    register_profile(store, server)
    record = profiles.set_link_fields(store, PROFILE, SHOP_ID, None)
    context = Ctx(app_paths, Settings.load(app_paths.config_dir), store, record, "root")
    operators.add_operator(context, "anna", "manager")
    operators.add_operator(context, "alla", "accountant")
    return context.as_("anna")


@pytest.fixture
def receiver(ctx: Ctx) -> Iterator[Receiver]:
    """The callback receiver on a free loopback port, short timeouts for the limit tests."""
    limits = Limits(header_timeout=1.0, body_timeout=1.0)
    with Receiver(ctx, "127.0.0.1", 0, limits, timeout=5.0).running() as running:
        yield running


@pytest.fixture
def linked_ctx(ctx: Ctx, receiver: Receiver) -> Ctx:
    """The profile's callback address points at the running receiver."""
    record = profiles.set_link_fields(
        ctx.store, PROFILE, SHOP_ID, f"http://127.0.0.1:{receiver.port}/halyk/callback")
    return replace(ctx, profile=record)
