"""The reconciliation engine on a period with every category planted, and on bad input."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from recon_data import EXPECTED, FROM, NOW, TO, at, order, payment, planted, tg

from halyk_desk import messages
from halyk_desk.domain import Money
from halyk_desk.reconcile import (
    ATTENTION,
    CATEGORIES,
    BankOperation,
    OpenOperation,
    ReconcileError,
    ReconcileSettings,
    ResolvedMark,
    reconcile,
    to_json,
)


def run_planted(**overrides):
    data = planted()
    kwargs = {
        "operations": data.operations,
        "open_operations": data.open_operations,
        "settings": data.settings,
    } | overrides
    return reconcile(FROM, TO, data.orders, data.payments, **kwargs)


def expected_sum(parts: str) -> Money:
    return sum((tg(x) for x in parts.split()), Money(0))


@pytest.fixture(scope="module")
def result():
    return run_planted()


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_planted_category_has_its_exact_count_and_sum(result, category):
    count, parts = EXPECTED[category]
    total = result.categories[category]
    assert (total.count, total.sum) == (count, expected_sum(parts))


def test_attention_categories_list_one_item_per_count_with_matching_sums(result):
    for category in CATEGORIES:
        items = [d for d in result.discrepancies if d.category == category]
        if category in ATTENTION:
            assert len(items) == result.categories[category].count, category
        else:
            assert items == [], category
    amount = next(d for d in result.discrepancies if d.category == "amount_mismatch")
    assert (amount.invoice_id, amount.shop_amount, amount.bank_amount, amount.difference) == (
        "000005", tg("12000"), tg("11500"), -tg("500"))
    said = amount.message.render("ru")  # the accountant's language
    assert "разница" in said and "11\u00a0500,00\u00a0₸" in said
    assert "difference of -KZT 500.00" in amount.message.render("en")


def test_discrepancies_name_what_went_wrong_for_the_accountant(result):
    messages.use("ru")  # the accountant reads them in Russian (each renders in any language)
    by = {(d.category, d.invoice_id or d.transaction_id): d for d in result.discrepancies}
    assert "не списал" in by["status_mismatch", "000007"].message
    assert "не оплачен" in by["status_mismatch", "000008"].message
    assert "отменён" in by["status_mismatch", "000009"].message
    assert "снимите блокировку" in by["status_mismatch", "000019"].message
    assert "FAILED" in by["missing_at_bank", "000011"].message
    assert by["missing_at_bank", "000010"].payment is None
    assert by["duplicate_payments", "000014"].transaction_id == "t14b"
    assert by["holds_expired", "000017"].key == "transaction:t17"
    assert "истёк 08.03.2026 08:00" in by["holds_expired", "000017"].message
    assert "USD" in by["currency_mismatch", "000018"].message
    assert by["unresolved_operations", "000016"].key == "operation:op-1"
    unknown = {d.transaction_id for d in result.discrepancies if d.category == "unknown_to_shop"}
    assert unknown == {"t99", "t-verify"}  # the failed and pending strangers are not listed


def test_period_totals_match_rate_and_days(result):
    assert result.orders == 23  # the order of 28 February is left out
    assert result.orders_expecting_payment == 21  # minus the unpaid one and the cancelled one
    assert result.ordered == tg("135335.06")
    assert result.captured == tg("76868.89")  # the USD capture is not added to tenge
    assert result.refunded == tg("8000")
    assert result.net == tg("68868.89")
    assert result.match_rate == Decimal("0.5238")  # 11 ÷ 21
    assert [d.day for d in result.daily] == [FROM, date(2026, 3, 2), TO]
    assert sum(d.orders for d in result.daily) == result.orders
    assert sum((d.ordered for d in result.daily), Money(0)) == result.ordered
    assert sum((d.captured for d in result.daily), Money(0)) == result.captured
    assert sum((d.refunded for d in result.daily), Money(0)) == result.refunded
    assert sum(d.matched for d in result.daily) == result.categories["matched"].count
    # 3 March: 3 333,33 + 5 500 + 5 500 + 4 200 + 1 000 + 1 234,56 (paid at 00:01 on 4 March,
    # counted on its order's day)
    assert [d.captured for d in result.daily] == [tg("40001"), tg("16100"), tg("20767.89")]


def test_every_line_of_the_period_is_listed_once(result):
    txs = [p.payment.transaction_id for p in result.pairs if p.payment is not None]
    assert len(txs) == len(set(txs))
    assert "t21" not in txs  # claimed by the order of 28 February
    assert {"t98", "t97", "tb2f"} <= set(txs)  # strangers without money still appear, uncounted
    lone_orders = [p.order.invoice_id for p in result.pairs if p.payment is None]
    assert sorted(lone_orders) == ["000010", "000012"]
    b2 = next(p for p in result.pairs if p.order is not None and p.order.order_id == "B-2")
    assert (b2.payment.transaction_id, b2.categories) == ("tb2", ("matched",))


def test_json_has_exactly_the_documented_shape(result):
    doc = to_json(result)
    assert set(doc) == {"from", "to", "time_zone", "match_rate", "categories"}
    assert (doc["from"], doc["to"], doc["time_zone"], doc["match_rate"]) == (
        "2026-03-01", "2026-03-03", "Asia/Almaty", "0.5238")
    assert list(doc["categories"]) == list(CATEGORIES)
    assert doc["categories"]["fee"] == {"count": 1, "sum": "50.01"}
    assert doc["categories"]["matched"]["sum"] == expected_sum(EXPECTED["matched"][1]).to_json()


def test_a_mark_is_kept_by_later_runs_and_a_stale_mark_is_ignored(result):
    item = next(d for d in result.discrepancies
                if d.category == "status_mismatch" and d.invoice_id == "000008")
    assert not item.resolved
    mark = ResolvedMark(item.category, item.key, "Менеджер отметит оплату", "Айгуль", NOW)
    stale = ResolvedMark("missing_at_bank", "invoice:000001", "old", "Айгуль", NOW)
    data = planted()
    # the next run sees one more order, and finds the marked discrepancy again
    data.orders.append(order("000030", "700", at(3, 18)))
    later = reconcile(FROM, TO, data.orders, data.payments, operations=data.operations,
                      open_operations=data.open_operations, marks=[mark, stale],
                      settings=replace(data.settings, now=NOW + timedelta(hours=3)))
    again = next(d for d in later.discrepancies if d.key == item.key)
    assert again.mark == mark and again.resolved
    assert later.categories["status_mismatch"].resolved == 1
    assert later.categories["missing_at_bank"].count == 3  # the new order; 000001 still matched
    assert later.categories["missing_at_bank"].resolved == 0
    assert sum(d.resolved for d in later.discrepancies) == 1
    # the mark is on the item, not a way out of the counts
    assert later.categories["status_mismatch"].count == EXPECTED["status_mismatch"][0]


def test_an_empty_period_has_every_category_at_zero():
    data = planted()
    result = reconcile(date(2026, 4, 1), date(2026, 4, 1), data.orders, data.payments,
                       settings=data.settings)
    doc = to_json(result)
    assert doc["match_rate"] is None
    assert doc["categories"] == {key: {"count": 0, "sum": "0.00"} for key in CATEGORIES}
    assert (result.orders, result.pairs, result.discrepancies) == (0, (), ())
    assert [(d.day, d.orders, d.captured) for d in result.daily] == [
        (date(2026, 4, 1), 0, Money(0))]


def test_from_after_to_is_refused_with_both_dates():
    with pytest.raises(ReconcileError, match=r"starts on 05/03/2026, after it ends on 01/03/2026"):
        reconcile(date(2026, 3, 5), date(2026, 3, 1), [], [])


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        (ReconcileSettings(amount_tolerance=Money(-1)), "tolerance"),
        (ReconcileSettings(amount_tolerance=Money(100, "USD")), "in KZT"),
        (ReconcileSettings(hold_warn_days=7, hold_expire_days=7), "warning must come first"),
        (ReconcileSettings(now=NOW.replace(tzinfo=None)), "naive"),
    ],
)
def test_bad_settings_are_refused(settings, words):
    with pytest.raises(ReconcileError, match=words):
        reconcile(FROM, TO, [], [], settings=settings)


def test_a_datetime_is_not_a_period_date():
    with pytest.raises(ReconcileError, match="calendar date"):
        reconcile(NOW, TO, [], [])  # type: ignore[arg-type]


def test_the_business_day_follows_the_time_zone_setting():
    # 23:30 in Almaty on 1 March is 18:30 UTC: 1 March in Almaty, and still 1 March in UTC;
    # 00:30 in Almaty on 2 March is 19:30 UTC on 1 March: a UTC business day takes it.
    from zoneinfo import ZoneInfo

    orders = [order("000001", "100", at(1, 23, 30)), order("000002", "100", at(2, 0, 30))]
    almaty = reconcile(FROM, FROM, orders, [], settings=ReconcileSettings(now=NOW))
    utc = reconcile(FROM, FROM, orders, [],
                    settings=ReconcileSettings(tz=ZoneInfo("UTC"), now=NOW))
    assert (almaty.orders, utc.orders) == (1, 2)
    assert utc.time_zone == "UTC"


def test_the_operations_list_reveals_a_second_payment_for_an_order():
    orders = [order("000001", "10000", at(1, 10))]
    payments = [payment("000001", "t1", "CHARGE", "10000", at(1, 10, 1))]
    extra = [BankOperation("000001", "t1-again", "CHARGE", tg("10000"), at(1, 10, 4))]
    result = reconcile(FROM, TO, orders, payments, operations=extra,
                       settings=ReconcileSettings(now=NOW))
    dup = result.categories["duplicate_payments"]
    assert (dup.count, dup.sum, result.categories["matched"].count) == (1, tg("10000"), 0)
    assert result.captured == tg("20000")


def test_a_refunded_earlier_payment_is_not_a_duplicate_of_the_one_that_stands():
    orders = [order("000001", "10000", at(1, 10))]
    payments = [
        payment("000001", "t-old", "REFUND", "10000", at(1, 10, 1)),
        payment("000001", "t-new", "CHARGE", "10000", at(1, 10, 9)),
    ]
    result = reconcile(FROM, TO, orders, payments, settings=ReconcileSettings(now=NOW))
    assert result.categories["duplicate_payments"].count == 0
    assert result.categories["matched"].count == 1
    assert result.categories["refunded"].count == 1
    main = next(p for p in result.pairs if p.payment.transaction_id == "t-new")
    assert main.categories == ("matched",)


def test_amount_and_time_fallback_stops_at_the_window():
    orders = [order(None, "3100", at(2, 14), order_id="B-9")]
    payments = [payment("777009", "late", "CHARGE", "3100", at(2, 14, 11))]
    result = reconcile(FROM, TO, orders, payments, settings=ReconcileSettings(now=NOW))
    assert result.categories["missing_at_bank"].count == 1
    assert result.categories["unknown_to_shop"].count == 1
    missing = next(d for d in result.discrepancies if d.category == "missing_at_bank")
    assert missing.key == "order:B-9"
    wider = reconcile(FROM, TO, orders, payments,
                      settings=ReconcileSettings(now=NOW, match_window=timedelta(minutes=15)))
    assert wider.categories["matched"].count == 1


def test_an_open_operation_without_amount_is_counted_with_nothing_to_add():
    ops = [OpenOperation("000001", "cancel", None, "sent")]
    result = reconcile(FROM, TO, [], [], open_operations=ops, settings=ReconcileSettings(now=NOW))
    total = result.categories["unresolved_operations"]
    assert (total.count, total.sum) == (1, Money(0))
    assert result.discrepancies[0].key == "operation:000001:cancel"
    assert "снятие блокировки" in result.discrepancies[0].message.render("ru")
