"""The built-in sandbox profile: the sandbox bank started in this process, its books kept between
runs, and the demo data of the first run (services.bank, services.demo)."""

from __future__ import annotations

import csv
from types import SimpleNamespace

import pytest

from halyk_desk.sandbox.demo import MISSING_AT_BANK, PLANTED
from halyk_desk.services.bank import BANK_FILE, demo_orders_path, open_bank, sandbox_folder
from halyk_desk.services.context import open_context
from halyk_desk.services.demo import ensure_demo
from halyk_desk.services.payments import PaymentFilter, count_payments, list_holds
from halyk_desk.services.sync import sync_statuses


@pytest.fixture
def sandbox_ctx(store_url):
    with open_context(SimpleNamespace(db=store_url)) as ctx:
        assert ctx.profile.kind == "sandbox"
        yield ctx


def csv_rows(path) -> int:
    with open(path, encoding="cp1251", newline="") as fh:
        return sum(1 for _ in csv.reader(fh, delimiter=";")) - 1


def test_the_first_run_seeds_the_bank_and_imports_the_shops_orders(sandbox_ctx):
    assert ensure_demo(sandbox_ctx) is True

    books = sandbox_folder(sandbox_ctx) / BANK_FILE
    orders = demo_orders_path(sandbox_ctx)
    assert books.exists() and orders.exists()
    assert count_payments(sandbox_ctx, PaymentFilter()) == csv_rows(orders) > 100
    saved = books.read_bytes()

    assert ensure_demo(sandbox_ctx) is False  # idempotent: nothing made, nothing imported
    assert count_payments(sandbox_ctx, PaymentFilter()) == csv_rows(orders)
    assert books.read_bytes() == saved


def test_a_sync_on_the_sandbox_reads_the_demo_payments(sandbox_ctx):
    ensure_demo(sandbox_ctx)

    summary = sync_statuses(sandbox_ctx)

    assert summary.read == summary.total == count_payments(sandbox_ctx, PaymentFilter())
    assert summary.not_found == PLANTED[MISSING_AT_BANK]  # paid at the shop, unknown to the bank
    assert summary.errors_by_kind == {}
    assert list_holds(sandbox_ctx)  # the demo has holds awaiting confirmation


def test_the_sandbox_keeps_its_books_between_runs(sandbox_ctx):
    ensure_demo(sandbox_ctx)
    sync_statuses(sandbox_ctx)
    hold = list_holds(sandbox_ctx)[-1]  # the one with the most time left

    with open_bank(sandbox_ctx) as client:
        client.confirm(hold.transaction_id)
    with open_bank(sandbox_ctx) as client:  # a new sandbox, loaded from the saved books
        assert client.get_status(hold.invoice_id).status_name == "CHARGE"


def test_blocks_open_at_once_share_one_sandbox_and_lose_nothing(sandbox_ctx):
    ensure_demo(sandbox_ctx)
    sync_statuses(sandbox_ctx)
    first, second = list_holds(sandbox_ctx)[-2:]

    with open_bank(sandbox_ctx) as outer:  # e.g. a sync in the window...
        with open_bank(sandbox_ctx) as inner:  # ...while a manager confirms a hold
            inner.confirm(first.transaction_id)
        outer.cancel(second.transaction_id)
    with open_bank(sandbox_ctx) as client:
        assert client.get_status(first.invoice_id).status_name == "CHARGE"
        assert client.get_status(second.invoice_id).status_name == "CANCEL"


def test_other_profiles_get_no_demo(ctx):
    assert ensure_demo(ctx) is False
    assert not sandbox_folder(ctx).exists()
