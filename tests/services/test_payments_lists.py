"""services.payments: the lists of the window and the CLI, filtered, sorted and paged by the
database; the detail of one payment; the holds with their time left."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sync_helpers import add_orders

from halyk_desk.domain import Money, State
from halyk_desk.services.payments import (
    PaymentFilter,
    count_payments,
    last_sync,
    list_holds,
    list_payments,
    payment_detail,
)
from halyk_desk.services.sync import sync_statuses

MIX = ["AUTH", "CHARGE", "PARTIAL", "REFUND", "CANCEL", "FAILED", "NEW", None]
# Orders an hour apart going back from 12:00 UTC on 10 November (17:00 in Almaty).
NOON = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def synced(ctx, bank, client):
    bank.clock = lambda: NOON + timedelta(minutes=5)  # the hold is young at the bank
    invoices = add_orders(ctx, bank, MIX, created=NOON)
    unread = add_orders(ctx, bank, ["CHARGE"], first=200_001, created=NOON - timedelta(days=3))
    sync_statuses(ctx, client=client, date_from=date(2026, 11, 9))
    return invoices + unread


def test_rows_carry_the_order_and_the_banks_picture(ctx, synced):
    rows = {r.invoice_id: r for r in list_payments(ctx, PaymentFilter(), limit=None)}

    partial = rows[synced[2]]
    assert (partial.state, partial.bank_status) == (State.PARTIALLY_REFUNDED, "CHARGE")
    assert (partial.amount, partial.captured, partial.refunded) == (
        Money(1000_00), Money(1000_00), Money(300_00))
    assert partial.card_mask == "440043...0002" and partial.reference
    assert partial.created_at == NOON - timedelta(hours=2)
    assert rows[synced[7]].state is State.NOT_FOUND
    never = rows[synced[8]]
    assert (never.state, never.transaction_id, never.last_read_at) == (State.UNKNOWN, None, None)
    assert never.captured == Money(0)


def test_filters_by_state_text_and_business_days(ctx, synced):
    def invoices(flt, **kw):
        return [r.invoice_id for r in list_payments(ctx, flt, limit=None, **kw)]

    assert invoices(PaymentFilter(states=frozenset({"held", "unknown"}))) == [
        synced[0], synced[8]]
    assert invoices(PaymentFilter(text=synced[3])) == [synced[3]]
    # a card's last four digits (synced[5]'s card ends in 0005), and since ab74d5c three digits
    # or more anywhere in an order's number (100005)
    assert synced[4] == "100005"
    assert sorted(invoices(PaymentFilter(text="0005"))) == [synced[4], synced[5]]
    assert invoices(PaymentFilter(text="покупатель 1")) == [synced[1]]
    # 7 November in Almaty holds only the unread order.
    assert invoices(PaymentFilter(date_from=date(2026, 11, 7), date_to=date(2026, 11, 7))) == [
        synced[8]]
    assert count_payments(ctx, PaymentFilter(date_from=date(2026, 11, 10))) == 8
    assert count_payments(ctx, PaymentFilter()) == 9


def test_sorted_and_paged_by_the_database(ctx, synced):
    oldest_first = list_payments(ctx, PaymentFilter(), descending=False, limit=None)
    assert [r.created_at for r in oldest_first] == sorted(r.created_at for r in oldest_first)
    pages = [list_payments(ctx, PaymentFilter(), sort="invoice_id", descending=False,
                           offset=offset, limit=4) for offset in (0, 4, 8)]
    assert [r.invoice_id for page in pages for r in page] == sorted(synced)
    with pytest.raises(ValueError, match="Cannot sort"):
        list_payments(ctx, PaymentFilter(), sort="raw_reply")


def test_detail_shows_the_banks_fields_and_the_history(ctx, bank, client, synced):
    bank.charge(bank.get(synced[0]).id, 400_00)
    sync_statuses(ctx, client=client, date_from=date(2026, 11, 9))

    detail = payment_detail(ctx, synced[0])

    fields = dict(detail.bank_fields)
    assert fields["statusName"] == "CHARGE" and fields["invoiceID"] == synced[0]
    assert fields["amount"] == "400.00"  # as the bank wrote it
    assert fields["cardMask"] == detail.row.card_mask
    assert [(h.old_state, h.new_state) for h in detail.history] == [
        (None, State.HELD), (State.HELD, State.CAPTURED)]
    assert payment_detail(ctx, synced[8]).bank_fields == []
    with pytest.raises(LookupError):
        payment_detail(ctx, "999999")


def test_holds_show_age_time_left_warnings_and_expiry(ctx, bank, client):
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    ages = [timedelta(days=1), timedelta(days=5, hours=1), timedelta(days=7, hours=2)]
    for n, age in enumerate(ages):
        add_orders(ctx, bank, ["AUTH"], first=300_001 + n, created=now - age)
    bank.clock = lambda: now
    bank.hold_lifetime = timedelta(days=30)  # the bank still reports the oldest as held
    sync_statuses(ctx, client=client)

    holds = list_holds(ctx, now=now)

    assert [h.invoice_id for h in holds] == ["300003", "300002", "300001"]  # least time first
    expired, warned, fresh = holds
    assert (expired.expired, expired.time_left) == (True, -timedelta(hours=2))
    assert (warned.warn, warned.expired, warned.age) == (True, False, timedelta(days=5, hours=1))
    assert warned.expires_at == now - ages[1] + timedelta(days=7)
    assert (fresh.warn, fresh.time_left, fresh.amount) == (False, timedelta(days=6),
                                                           Money(1000_00))


def test_holds_follow_the_settings(ctx, bank, client):
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    add_orders(ctx, bank, ["AUTH"], created=now - timedelta(days=2))
    bank.clock = lambda: now
    sync_statuses(ctx, client=client)
    ctx.settings.set("hold_warn_days", 1)
    ctx.settings.set("hold_expire_days", 30)

    (hold,) = list_holds(ctx, now=now)

    assert (hold.warn, hold.time_left) == (True, timedelta(days=28))


def test_last_sync_is_none_before_the_first(ctx):
    assert last_sync(ctx) is None
