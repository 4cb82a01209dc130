"""services.reconciliation on a real store: the sandbox's demo month (synced over real HTTP on
127.0.0.1), recorded runs, resolved marks, roles, bad input, the operations list."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, timedelta

import pytest
from conftest import (
    ACCOUNTANT,
    DISABLED,
    MANAGER,
    args,
    books,
    plant_demo,
    truth,
)
from sqlalchemy import update

from halyk_desk.domain import Money, utc_now
from halyk_desk.domain.timeutil import business_day_of
from halyk_desk.reconcile import ReconcileError, to_json
from halyk_desk.sandbox import (
    TEST_CLIENT_ID,
    TEST_CLIENT_SECRET,
    TEST_TERMINAL,
    SandboxBank,
    SandboxServer,
)
from halyk_desk.sandbox.demo import MISSING_AT_BANK, UNKNOWN_TO_SHOP
from halyk_desk.secrets import SecretStore
from halyk_desk.services import audit, reconciliation
from halyk_desk.services.audit import AuditFilter
from halyk_desk.services.context import AppContext, open_context
from halyk_desk.services.operators import NotAllowed
from halyk_desk.services.reconciliation import (
    EmptyPeriod,
    ReconciliationCancelled,
    list_runs,
    mark_resolved,
    run_reconciliation,
)
from halyk_desk.settings import Settings
from halyk_desk.store import repository
from halyk_desk.store.models import Payment
from halyk_desk.store.records import OrderRecord, ProfileRecord


def month(orders) -> tuple[date, date]:
    """The business days the demo spans."""
    return business_day_of(min(o.created_at for o in orders)), business_day_of(utc_now())


def by_category(recon, category: str) -> list:
    return [d for d in recon.result.discrepancies if d.category == category]


# --- the demo month -------------------------------------------------------------------------------

def test_the_demo_month_finds_every_planted_discrepancy(store_url):
    with open_context(args(db=store_url)) as ctx:
        orders = plant_demo(ctx, seed=11)
        recon = run_reconciliation(ctx, *month(orders))
        bank = SandboxBank.load(books(ctx))

    expected = truth(orders)
    found = {c: {d.invoice_id for d in by_category(recon, c)} for c in expected}
    assert found == expected
    assert all(found.values())
    counts = recon.result.categories
    assert {c: counts[c].count for c in expected} == {c: len(ids) for c, ids in expected.items()}
    shop = {o.invoice_id: o for o in orders}
    charged = {p.invoice_id: p.charged_minor for p in bank.payments()}
    assert counts["missing_at_bank"].sum == Money(
        sum(o.amount.minor for o in orders if o.discrepancy == MISSING_AT_BANK))
    assert counts["unknown_to_shop"].sum == Money(
        sum(charged[o.invoice_id] for o in orders if o.discrepancy == UNKNOWN_TO_SHOP))
    assert counts["amount_mismatch"].sum == Money(
        sum(abs(shop[i].amount.minor - charged[i]) for i in expected["amount_mismatch"]))
    # every line of the period counted once, and nothing unread or left out
    assert recon.result.orders == sum(1 for o in orders if o.in_export)
    assert recon.unread_orders == 0
    assert recon.operations_list.status == reconciliation.LIST_READ
    assert recon.operations_list.records == len(bank.payments())
    assert recon.run_id is not None


def test_without_the_operations_list_a_payment_unknown_to_the_shop_cannot_be_seen(demo):
    ctx, orders = demo
    recon = run_reconciliation(ctx, *month(orders), use_operations_list=False)
    assert recon.operations_list.status == reconciliation.LIST_OFF
    assert recon.result.categories["unknown_to_shop"].count == 0
    assert {d.invoice_id for d in by_category(recon, "amount_mismatch")} == \
        truth(orders)["amount_mismatch"]


def test_the_operations_list_reveals_a_second_payment_for_an_order(demo):
    """The customer paid twice under one invoiceId: the store kept the first capture it read, the
    status API now gives the second, and only the operations list shows both."""
    ctx, orders = demo
    paid = next(o for o in orders if o.discrepancy is None and o.status == "Выполнен"
                and o.paid and o.in_export)
    with ctx.store.session() as session:
        session.execute(update(Payment).where(Payment.invoice_id == paid.invoice_id)
                        .values(transaction_id="first-capture", created_at=paid.created_at))

    recon = run_reconciliation(ctx, *month(orders))

    [dup] = by_category(recon, "duplicate_payments")
    assert (dup.invoice_id, dup.key) == (paid.invoice_id, f"transaction:{paid.bank_tx_id}")
    assert recon.result.categories["duplicate_payments"].sum == paid.amount


# --- runs -----------------------------------------------------------------------------------------

def test_each_run_is_recorded_with_its_summary(demo):
    ctx, orders = demo
    start, end = month(orders)
    recon = run_reconciliation(ctx, start, end)
    [run] = list_runs(ctx)
    assert run.id == recon.run_id
    assert (run.date_from, run.date_to, run.time_zone, run.operator) == \
        (start, end, "Asia/Almaty", ACCOUNTANT)
    assert run.summary["categories"] == to_json(recon.result)["categories"]
    assert run.summary["discrepancies_open"] == recon.open_count > 0
    assert run.summary["operations_list"]["status"] == "read"


def test_a_run_not_recorded_at_once_is_recorded_later(demo):
    ctx, orders = demo
    recon = run_reconciliation(ctx, *month(orders), record=False)
    assert recon.run_id is None and list_runs(ctx) == []
    recorded = reconciliation.record_run(ctx, recon)
    assert [r.id for r in list_runs(ctx)] == [recorded.run_id]


def test_progress_is_reported_and_cancel_records_nothing(demo):
    ctx, orders = demo
    stages: list[str] = []
    run_reconciliation(ctx, *month(orders), progress=lambda p: stages.append(p.stage))
    assert stages[0] == "reading" and stages[-1] == "saving"
    assert {"operations_list", "matching"} <= set(stages)

    cancel = threading.Event()

    def stop(p) -> None:
        if p.stage == "reading":
            cancel.set()

    with pytest.raises(ReconciliationCancelled):
        run_reconciliation(ctx, *month(orders), progress=stop, cancel=cancel)
    assert len(list_runs(ctx)) == 1


# --- marks ----------------------------------------------------------------------------------------

def test_a_mark_is_kept_by_later_runs_of_any_period_and_audited(demo):
    ctx, orders = demo
    start, end = month(orders)
    before = run_reconciliation(ctx, start, end)
    item = by_category(before, "amount_mismatch")[0]

    mark_resolved(ctx, item.key, "Магазин исправил сумму заказа", category="amount_mismatch")

    later = run_reconciliation(ctx, start, end)
    same = next(d for d in later.result.discrepancies if d.key == item.key)
    assert same.resolved and same.mark.note == "Магазин исправил сумму заказа"
    assert same.mark.by == ACCOUNTANT
    assert later.open_count == before.open_count - 1
    assert later.result.categories["amount_mismatch"].resolved == 1
    one_day = run_reconciliation(ctx, item.day, item.day)
    assert next(d for d in one_day.result.discrepancies if d.key == item.key).resolved

    mark_resolved(ctx, item.key, "Исправлено в 1С", category="amount_mismatch")
    again = run_reconciliation(ctx, start, end)
    assert next(d for d in again.result.discrepancies if d.key == item.key).mark.note == \
        "Исправлено в 1С"
    with ctx.store.session(readonly=True) as session:
        entries = audit.list_entries(session, AuditFilter(action="reconcile"))
    assert [(e.operator, e.subject, e.details["note"]) for e in reversed(entries)] == [
        (ACCOUNTANT, item.key, "Магазин исправил сумму заказа"),
        (ACCOUNTANT, item.key, "Исправлено в 1С"),
    ]
    assert entries[0].details["old_note"] == "Магазин исправил сумму заказа"


def test_a_mark_without_a_category_resolves_the_key_wherever_it_appears(demo):
    ctx, orders = demo
    start, end = month(orders)
    item = by_category(run_reconciliation(ctx, start, end), "missing_at_bank")[0]
    mark_resolved(ctx, item.key, "Покупатель отказался от заказа")
    later = run_reconciliation(ctx, start, end)
    assert [d.resolved for d in later.result.discrepancies if d.key == item.key] == [True]
    assert later.result.categories["missing_at_bank"].resolved == 1


@pytest.mark.parametrize(("key", "note", "category", "words"), [
    ("000123", "ok", None, "not a discrepancy key"),
    ("invoice:", "ok", None, "not a discrepancy key"),
    ("invoice:000123", "   ", None, "A note is required"),
    ("invoice:000123", "x" * 1001, None, "does not fit"),
    ("invoice:000123", "ok", "matched", "not a category"),
])
def test_a_bad_mark_is_refused_and_nothing_is_written(demo, key, note, category, words):
    ctx, _ = demo
    with pytest.raises(ValueError, match=words):
        mark_resolved(ctx, key, note, category=category)
    with ctx.store.session(readonly=True) as session:
        assert audit.list_entries(session, AuditFilter(action="reconcile")) == []


# --- roles ----------------------------------------------------------------------------------------

def test_an_accountant_may_reconcile_mark_and_export(demo, tmp_path):
    ctx, orders = demo
    recon = run_reconciliation(ctx, *month(orders))
    key = recon.open_discrepancies[0].key
    mark_resolved(ctx, key, "Проверено")
    assert reconciliation.export_workbook(ctx, recon, tmp_path / "сверка.xlsx").exists()


@pytest.mark.parametrize("who", ["mallory", DISABLED])
def test_an_unknown_or_disabled_operator_may_not(demo, tmp_path, who):
    ctx, orders = demo
    out = tmp_path / "out"
    out.mkdir()
    recon = run_reconciliation(ctx, *month(orders))
    stranger = ctx.as_(who)
    with pytest.raises(NotAllowed, match=who):
        run_reconciliation(stranger, *month(orders))
    with pytest.raises(NotAllowed, match=who):
        mark_resolved(stranger, recon.open_discrepancies[0].key, "Проверено")
    with pytest.raises(NotAllowed, match=who):
        reconciliation.export_workbook(stranger, recon, out / "сверка.xlsx")
    assert len(list_runs(ctx)) == 1
    assert list(out.iterdir()) == []
    assert run_reconciliation(ctx, *month(orders)).result.categories == recon.result.categories


# --- bad input ------------------------------------------------------------------------------------

def test_from_after_to_and_an_empty_period_are_refused_and_nothing_is_recorded(demo):
    ctx, orders = demo
    start, end = month(orders)
    with pytest.raises(ReconcileError, match="after it ends"):
        run_reconciliation(ctx, end, start)
    with pytest.raises(EmptyPeriod, match=r"Nothing to reconcile from 01/01/2020 to 31/01/2020"):
        run_reconciliation(ctx, date(2020, 1, 1), date(2020, 1, 31))
    assert list_runs(ctx) == []


def test_bad_settings_are_refused_before_anything_is_read(demo):
    ctx, orders = demo
    ctx.settings.set("hold_warn_days", 9)  # after the hold has already expired (7 days)
    with pytest.raises(ReconcileError, match="warning must come first"):
        run_reconciliation(ctx, *month(orders))


# --- a profile at a real bank ---------------------------------------------------------------------

def shop_profile(ctx: AppContext, server: SandboxServer, secret: str) -> AppContext:
    """A custom profile "shop" at `server`, with two orders of today never read from the bank."""
    record = ProfileRecord(name="shop", kind="custom", oauth_url=server.oauth_url,
                           api_url=server.api_url, client_id=TEST_CLIENT_ID,
                           terminal_id=TEST_TERMINAL)
    with ctx.store.session() as session:
        repository.save_profile(session, record)
        repository.upsert_orders(session, "shop", [
            OrderRecord(f"70000{n}", 1000_00, utc_now() - timedelta(minutes=5 + n))
            for n in range(2)
        ])
    SecretStore(ctx.paths.config_dir).set("shop", secret)
    return AppContext(ctx.paths, Settings.load(ctx.paths.config_dir), ctx.store, record,
                      MANAGER)


def the_shops_days() -> tuple[date, date]:
    """The business days of shop_profile's orders: two, just after midnight in Almaty."""
    return business_day_of(utc_now() - timedelta(minutes=10)), business_day_of(utc_now())


def test_a_bank_that_refuses_the_operations_list_is_noted_and_the_store_still_reconciles(demo):
    ctx, _ = demo
    with SandboxServer(SandboxBank(), port=0) as server:
        shop = shop_profile(ctx, server, secret="not-the-secret")
        recon = run_reconciliation(shop, *the_shops_days())
    assert recon.operations_list.status == reconciliation.LIST_NOT_AVAILABLE
    assert recon.operations_list.note
    assert recon.unread_orders == 2  # never synced: they count as missing at the bank
    assert recon.result.categories["missing_at_bank"].count == 2


def test_a_bank_that_cannot_be_read_is_noted_and_the_store_still_reconciles(demo):
    ctx, _ = demo
    with SandboxServer(SandboxBank(), port=0) as server:
        server.set_fault("http5xx", match="/operations")
        shop = shop_profile(ctx, server, secret=TEST_CLIENT_SECRET)
        recon = run_reconciliation(shop, *the_shops_days())
    assert recon.operations_list.status == reconciliation.LIST_FAILED
    assert recon.operations_list.note
    assert Counter(d.category for d in recon.result.discrepancies) == {"missing_at_bank": 2}



def test_the_open_count_follows_the_latest_run_and_later_marks(demo):
    ctx, orders = demo
    assert reconciliation.open_discrepancy_count(ctx) is None  # no run yet: nothing known
    recon = run_reconciliation(ctx, *month(orders))
    assert reconciliation.open_discrepancy_count(ctx) == recon.open_count > 1
    first, second = recon.open_discrepancies[:2]
    mark = mark_resolved(ctx, first.key, "Проверено", category=first.category)
    mark_resolved(ctx, second.key, "Проверено")  # in every category
    assert reconciliation.open_discrepancy_count(ctx) == recon.open_count - 2

    shown = recon.with_mark(mark)  # what the window shows without running again
    assert shown.open_count == recon.open_count - 1
    assert shown.result.categories[first.category].resolved == 1
    assert next(d for d in shown.result.discrepancies if d.key == first.key).mark == mark
    assert run_reconciliation(ctx, *month(orders)).open_count == recon.open_count - 2
