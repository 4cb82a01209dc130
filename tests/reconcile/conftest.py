"""Fixtures of the reconciliation tests: the sandbox profile's demo month made here, so that its
planted truth is known, synced from the sandbox bank over real HTTP on 127.0.0.1, with an
operator of each role. Made once per session and copied into each test's own home."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from operator_helpers import PASSWORD

from halyk_desk.domain import utc_now
from halyk_desk.paths import HOME_ENV
from halyk_desk.sandbox import SandboxBank
from halyk_desk.sandbox.demo import (
    AMOUNT_MISMATCH,
    CAPTURED_UNPAID,
    MISSING_AT_BANK,
    PAID_NOT_CAPTURED,
    UNKNOWN_TO_SHOP,
    DemoOrder,
    seed_demo,
    write_bitrix_csv,
)
from halyk_desk.services import operators
from halyk_desk.services.bank import BANK_FILE, demo_orders_path, sandbox_folder
from halyk_desk.services.context import AppContext, open_context
from halyk_desk.services.demo import ensure_demo
from halyk_desk.services.sync import sync_statuses

ADMIN, ACCOUNTANT, MANAGER, DISABLED = "admin", "anna", "boris", "olga"
#: The engine's category for each kind the demo plants.
CATEGORY_OF_PLANTED = {
    AMOUNT_MISMATCH: "amount_mismatch",
    PAID_NOT_CAPTURED: "status_mismatch",
    CAPTURED_UNPAID: "status_mismatch",
    MISSING_AT_BANK: "missing_at_bank",
    UNKNOWN_TO_SHOP: "unknown_to_shop",
}


def args(**values: object) -> SimpleNamespace:
    """Global options as cli.py parses them."""
    return SimpleNamespace(**{"home": None, "db": None, "profile": None, "operator": None,
                              **values})


def books(ctx: AppContext) -> Path:
    return sandbox_folder(ctx) / BANK_FILE


def plant_demo(ctx: AppContext, seed: int = 5) -> list[DemoOrder]:
    """The demo month in the sandbox's books and the shop's export where the sandbox profile
    keeps them, imported and synced; returns the truth about each order."""
    bank = SandboxBank()
    orders = seed_demo(bank, now=utc_now(), seed=seed)
    books(ctx).parent.mkdir(parents=True, exist_ok=True)
    bank.save(books(ctx))
    write_bitrix_csv(demo_orders_path(ctx), orders)
    assert ensure_demo(ctx)
    summary = sync_statuses(ctx)
    assert summary.errors == 0
    return orders


def add_operators(ctx: AppContext) -> None:
    """`ctx` is the OS user's, who opened the store first and so is its admin."""
    for name, role in ((ADMIN, "admin"), (ACCOUNTANT, "accountant"), (MANAGER, "manager"),
                       (DISABLED, "accountant")):
        operators.add_operator(ctx, name, role, PASSWORD)
    operators.disable_operator(ctx, DISABLED)


def truth(orders: list[DemoOrder]) -> dict[str, set[str]]:
    """The invoiceIds a reconciliation must list under each category."""
    found: dict[str, set[str]] = {c: set() for c in CATEGORY_OF_PLANTED.values()}
    for o in orders:
        if o.discrepancy:
            found[CATEGORY_OF_PLANTED[o.discrepancy]].add(o.invoice_id)
    return found


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory) -> tuple[Path, list[DemoOrder]]:
    root = tmp_path_factory.mktemp("reconciliation-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(HOME_ENV, str(root))
        with open_context(args()) as ctx:
            orders = plant_demo(ctx)
            add_operators(ctx)
    return root, orders


@pytest.fixture
def demo(demo_home) -> Iterator[tuple[AppContext, list[DemoOrder]]]:
    """The demo month in this test's own home, and the accountant's context on it."""
    template, orders = demo_home
    shutil.copytree(template, Path(os.environ[HOME_ENV]), dirs_exist_ok=True)
    with open_context(args()) as ctx:
        yield ctx.as_(ACCOUNTANT), orders
