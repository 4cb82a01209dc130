"""Builders for orders and payments, and a period of 1–3 March 2026 with every category planted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from halyk_desk.domain import ALMATY, Money, canonical_state
from halyk_desk.reconcile import (
    BankOperation,
    BankPayment,
    OpenOperation,
    ReconcileSettings,
    ShopOrder,
)

FROM, TO = date(2026, 3, 1), date(2026, 3, 3)


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    """A moment given in Almaty time, as the store keeps it: UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=ALMATY).astimezone(UTC)


def tg(text: str | int, currency: str = "KZT") -> Money:
    return Money.parse(str(text), currency)


def order(invoice_id: str | None, amount: str | int, when: datetime, *, paid: bool | None = True,
          status: str | None = None, reference: str | None = None, order_id: str = "",
          customer: str = "Покупатель", currency: str = "KZT") -> ShopOrder:
    return ShopOrder(invoice_id, tg(amount, currency), when, customer, paid, status, reference,
                     order_id)


def payment(invoice_id: str | None, tx: str, status: str, amount: str | int, when: datetime, *,
            captured: str | int | None = None, refunded: str | int = 0,
            payout: str | int | None = None, currency: str = "KZT",
            rrn: str | None = None) -> BankPayment:
    """A payment as the status API would leave it after `status`, `captured` and `refunded`."""
    original = tg(amount, currency)
    zero = Money(0, currency)
    name = status.upper()
    refunded_m = tg(refunded, currency)
    if name in {"CHARGE", "REFUND"}:
        captured_m = tg(captured, currency) if captured is not None else original
    else:
        captured_m = zero
    if name == "REFUND" and not refunded_m:
        refunded_m = captured_m
    return BankPayment(
        invoice_id=invoice_id,
        transaction_id=tx,
        status_name=status,
        state=canonical_state(status, refunded_minor=refunded_m.minor if name == "CHARGE" else 0),
        amount=captured_m - refunded_m if name in {"CHARGE", "REFUND"} else original,
        original=original,
        held=original if name == "AUTH" else zero,
        captured=captured_m,
        refunded=refunded_m,
        payout_amount=None if payout is None else tg(payout, currency),
        created_at=when,
        reference=rrn,
        card_mask="440043...1234",
    )


@dataclass
class Planted:
    orders: list[ShopOrder]
    payments: list[BankPayment]
    operations: list[BankOperation]
    open_operations: list[OpenOperation]
    settings: ReconcileSettings


NOW = at(8, 9)  # the morning of 8 March, when the accountant runs it


def planted() -> Planted:
    """Each block plants one case; the comment says where it must land."""
    o: list[ShopOrder] = []
    p: list[BankPayment] = []
    # matched, plain
    o.append(order("000001", "10000", at(1, 10)))
    p.append(payment("000001", "t1", "CHARGE", "10000", at(1, 10, 1)))
    # matched; fee 2 500,50 − 2 450,49 = 50,01 (shop does not say whether it is paid)
    o.append(order("000002", "2500.50", at(1, 11), paid=None))
    p.append(payment("000002", "t2", "CHARGE", "2500.50", at(1, 11, 1), payout="2450.49"))
    # matched; partially refunded 3 000
    o.append(order("000003", "8000", at(1, 12)))
    p.append(payment("000003", "t3", "CHARGE", "8000", at(1, 12, 1), refunded="3000"))
    # matched; refunded 5 000 of an order the shop cancelled
    o.append(order("000004", "5000", at(1, 13), paid=False, status="Отменён"))
    p.append(payment("000004", "t4", "REFUND", "5000", at(1, 13, 1)))
    # amount mismatch: 12 000 ordered, 11 500 captured → 500
    o.append(order("000005", "12000", at(1, 14)))
    p.append(payment("000005", "t5", "CHARGE", "12000", at(1, 14, 1), captured="11500"))
    # matched: 0,50 off, inside the 1,00 tolerance
    o.append(order("000006", "3000", at(1, 15)))
    p.append(payment("000006", "t6", "CHARGE", "3000.50", at(1, 15, 1)))
    # status mismatch: shop paid, bank failed → 4 000
    o.append(order("000007", "4000", at(2, 10)))
    p.append(payment("000007", "t7", "FAILED", "4000", at(2, 10, 1)))
    # status mismatch: bank captured, shop unpaid → 6 000
    o.append(order("000008", "6000", at(2, 11), paid=False))
    p.append(payment("000008", "t8", "CHARGE", "6000", at(2, 11, 1)))
    # status mismatch: bank captured, shop cancelled → 7 000
    o.append(order("000009", "7000", at(2, 12), paid=None, status="Отменен"))
    p.append(payment("000009", "t9", "CHARGE", "7000", at(2, 12, 1)))
    # missing at the bank: paid in the shop, nothing at the bank → 9 000
    o.append(order("000010", "9000", at(2, 13)))
    # missing at the bank: shop does not say, the only attempt failed → 1 500
    o.append(order("000011", "1500", at(2, 14), paid=None))
    p.append(payment("000011", "t11", "FAILED", "1500", at(2, 14, 1)))
    # nothing to reconcile: unpaid without payment; cancelled with the hold released
    o.append(order("000012", "2000", at(2, 15), paid=False))
    o.append(order("000013", "2200", at(2, 16), paid=False, status="Отменён"))
    p.append(payment("000013", "t13", "CANCEL", "2200", at(2, 16, 1)))
    # unknown to the shop: 3 333,33 captured; a failed and a pending stranger are ignored
    p.append(payment("000099", "t99", "CHARGE", "3333.33", at(3, 9)))
    p.append(payment("000098", "t98", "FAILED", "700", at(3, 9, 5)))
    p.append(payment("000097", "t97", "NEW", "800", at(3, 9, 6)))
    # duplicate: two captures for one order → the later 5 500 is the duplicate; order not matched
    o.append(order("000014", "5500", at(3, 10)))
    p.append(payment("000014", "t14a", "CHARGE", "5500", at(3, 10, 1)))
    p.append(payment("000014", "t14b", "CHARGE", "5500", at(3, 10, 3)))
    # holds (now = 8 March 09:00): made 3 March 10:00 → awaiting (matched; unpaid is normal)
    o.append(order("000015", "20000", at(3, 10, 30), paid=False))
    p.append(payment("000015", "t15", "AUTH", "20000", at(3, 10, 31)))
    # made 2 March 08:00 → 6 days old: expiring (matched)
    o.append(order("000016", "15000", at(2, 7, 59), paid=None))
    p.append(payment("000016", "t16", "AUTH", "15000", at(2, 8)))
    # made 1 March 08:00 → expired 8 March 08:00; shop says paid → also status mismatch 11 000
    o.append(order("000017", "11000", at(1, 7, 59)))
    p.append(payment("000017", "t17", "AUTH", "11000", at(1, 8)))
    # held for an order the shop cancelled → status mismatch 2 000, and a hold awaiting
    o.append(order("000019", "2000", at(3, 12), paid=False, status="Отменён"))
    p.append(payment("000019", "t19", "AUTH", "2000", at(3, 12, 1)))
    # currency mismatch: 100 KZT ordered, 100 USD paid → sum is the order's 100,00
    o.append(order("000018", "100", at(3, 11)))
    p.append(payment("000018", "t18", "CHARGE", "100", at(3, 11, 1), currency="USD"))
    # no invoiceId: found by RRN (the payment carries some other invoiceId) → matched
    o.append(order(None, "4200", at(3, 13), order_id="B-1", reference="611200000555"))
    p.append(payment("777001", "tb1", "CHARGE", "4200", at(3, 13, 20), rrn="611200000555"))
    # no invoiceId, no RRN: 3 100 within 10 minutes; the capture wins over the failed attempt
    o.append(order(None, "3100", at(2, 14), order_id="B-2"))
    p.append(payment("777002", "tb2f", "FAILED", "3100", at(2, 14, 2)))
    p.append(payment("777003", "tb2", "CHARGE", "3100", at(2, 14, 5)))
    # an order of 28 February claims its payment of 1 March: neither is in this period
    o.append(order("000021", "999", at(28, 23, 50, month=2)))
    p.append(payment("000021", "t21", "CHARGE", "999", at(1, 0, 10)))
    # an order at 23:58 on 3 March paid at 00:01 on 4 March: in the period, matched
    o.append(order("000022", "1234.56", at(3, 23, 58)))
    p.append(payment("000022", "t22", "CHARGE", "1234.56", at(4, 0, 1)))
    # a zero-amount card check nobody ordered: status unknown to the program → unknown, 0
    p.append(payment(None, "t-verify", "VERIFIED", "0", at(3, 16)))
    # an order only the operations list knows the payment of → matched
    o.append(order("000020", "1000", at(3, 17)))
    operations = [
        BankOperation("000020", "t20", "CHARGE", tg("1000"), at(3, 17, 1)),
        # the status API already gave t1: the operations row is ignored, no duplicate
        BankOperation("000001", "t1", "CHARGE", tg("10000"), at(1, 10, 1)),
    ]
    open_operations = [
        OpenOperation("000016", "confirm", tg("15000"), "unknown", "t16", at(7, 18), "op-1"),
    ]
    settings = ReconcileSettings(amount_tolerance=tg("1"), now=NOW)
    return Planted(o, p, operations, open_operations, settings)


#: (count, sum) each category of `planted()` must come to.
EXPECTED = {
    # 000001, 000002, 000003, 000004, 000006, 000015, 000016, B-1, B-2, 000022, 000020
    "matched": (11, "10000.00 2500.50 8000 5000 3000 20000 15000 4200 3100 1234.56 1000"),
    "amount_mismatch": (1, "500"),
    # 000007 4 000, 000008 6 000, 000009 7 000, 000017 11 000, 000019 2 000
    "status_mismatch": (5, "4000 6000 7000 11000 2000"),
    "missing_at_bank": (2, "9000 1500"),
    "unknown_to_shop": (2, "3333.33 0"),
    "duplicate_payments": (1, "5500"),
    # 000015 20 000 and 000019 2 000
    "holds_awaiting": (2, "20000 2000"),
    "holds_expiring": (1, "15000"),
    "holds_expired": (1, "11000"),
    "partially_refunded": (1, "3000"),
    "refunded": (1, "5000"),
    "fee": (1, "50.01"),
    "currency_mismatch": (1, "100"),
    "unresolved_operations": (1, "15000"),
}
