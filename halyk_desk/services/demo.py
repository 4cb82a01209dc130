"""The sandbox profile's first run: demo payments at the sandbox bank and the shop's orders in the
store, so that the window opens with something to look at and every feature can be tried."""

from __future__ import annotations

from typing import TYPE_CHECKING

from halyk_desk.services.bank import (
    demo_orders_path,
    is_sandbox,
    load_sandbox_bank,
    sandbox_books_exist,
)
from halyk_desk.services.orders import import_orders
from halyk_desk.store import repository

if TYPE_CHECKING:
    from halyk_desk.services.workspace import AppContext


def ensure_demo(ctx: AppContext) -> bool:
    """On the sandbox profile: fill the sandbox bank with demo payments (first use only) and import
    the shop's matching order export while the store has no orders of this profile. True when
    anything was made or imported; other profiles are left alone (False)."""
    if not is_sandbox(ctx):
        return False
    created = not sandbox_books_exist(ctx)
    if created:
        load_sandbox_bank(ctx)
    with ctx.store.session(readonly=True) as session:
        have_orders = repository.count_orders(session, ctx.profile.name) > 0
    orders = demo_orders_path(ctx)
    if have_orders or not orders.exists():
        return created
    import_orders(ctx, orders)
    return True
