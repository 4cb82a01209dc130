"""Demo data: the bank's month of payments and the shop's 1C-Bitrix export, with the truth."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import datetime, timedelta

import pytest
from sandbox_helpers import NOW, Clock

from halyk_desk.domain import ALMATY, Money
from halyk_desk.sandbox import SandboxBank
from halyk_desk.sandbox.demo import (
    AMOUNT_MISMATCH,
    BITRIX_HEADER,
    CAPTURED_UNPAID,
    MISSING_AT_BANK,
    PAID_NOT_CAPTURED,
    PLANTED,
    UNKNOWN_TO_SHOP,
    DemoOrder,
    planted_counts,
    seed_demo,
    write_bitrix_csv,
)

HEADER_LINE = (
    "ID;Дата создания;Покупатель;E-mail;Телефон;Сумма;Валюта;Оплачен;Статус;Платежная система"
)
SHOP_STATUSES = {"Принят", "Оплачен", "Отгружен", "Выполнен", "Отменён"}


@pytest.fixture(scope="module")
def demo() -> tuple[SandboxBank, list[DemoOrder]]:
    bank = SandboxBank(clock=Clock(NOW))
    return bank, seed_demo(bank, now=NOW)


@pytest.fixture(scope="module")
def exported(demo, tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("demo") / "orders.csv"
    rows = write_bitrix_csv(path, demo[1])
    assert rows == sum(o.in_export for o in demo[1])
    return path.read_bytes()


def _rows(raw: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(raw.decode("cp1251"), newline=""), delimiter=";"))


def test_at_least_300_payments_over_the_last_30_days(demo):
    bank, _ = demo
    payments = bank.payments()
    assert len(payments) == 320
    assert all(NOW - timedelta(days=30) <= p.created_at < NOW for p in payments)
    assert {p.created_at.date() for p in payments} >= {(NOW - timedelta(days=d)).date()
                                                       for d in range(1, 29, 3)}


def test_about_ten_percent_are_holds_of_various_ages(demo):
    bank, _ = demo
    payments = bank.payments()
    holds = [p for p in payments if p.status in ("AUTH", "CANCEL_OLD")]
    assert 0.08 <= len(holds) / len(payments) <= 0.12
    ages = [NOW - p.created_at for p in holds if p.status == "AUTH"]
    assert min(ages) < timedelta(days=1) and max(ages) > timedelta(days=5)
    stale = [p for p in holds if p.status == "CANCEL_OLD"]
    assert 2 <= len(stale) <= 8
    assert all(NOW - p.created_at > bank.hold_lifetime for p in stale)
    midnight = datetime.combine(NOW.astimezone(ALMATY).date() + timedelta(days=1),
                                datetime.min.time(), tzinfo=ALMATY)
    expiring_today = [p for p in holds if p.status == "AUTH"
                      and NOW < p.created_at + bank.hold_lifetime < midnight]
    assert len(expiring_today) >= 2


def test_every_shape_of_payment_is_there(demo):
    bank, _ = demo
    payments = bank.payments()
    statuses = Counter(p.status for p in payments)
    assert statuses["CHARGE"] > len(payments) / 2
    for name in ("FAILED", "REJECT", "CANCEL", "REFUND", "NEW", "3D"):
        assert statuses[name] >= 1, name
    partly_refunded = [p for p in payments if p.status == "CHARGE" and p.refunded_minor]
    partly_confirmed = [p for p in payments if p.status == "CHARGE"
                        and p.charged_minor < p.original_minor]
    assert len(partly_refunded) >= 5 and len(partly_confirmed) >= 5
    assert all(p.reason for p in payments if p.status in ("FAILED", "REJECT"))
    assert any(p.original_minor % 100 for p in payments)  # some amounts carry tiyn
    assert all(10_00 <= p.original_minor < 2_000_000_00 for p in payments)


def test_descriptions_cards_and_ids_look_real(demo):
    bank, orders = demo
    for p in bank.payments():
        assert re.fullmatch(rf"Заказ №{p.invoice_id}: [а-яё ]+", p.description), p.description
        assert re.fullmatch(r"\d{6}\.\.\.\d{4}", p.card_mask)
        assert p.card_type in ("VISA", "MASTERCARD")
    ids = [o.invoice_id for o in orders]
    assert all(re.fullmatch(r"\d{6,9}", i) for i in ids)
    assert len(set(ids)) == len(ids) and len({i[-6:] for i in ids}) == len(ids)
    assert any(i.startswith("0") for i in ids)


def test_the_same_seed_gives_the_same_month():
    def month(seed: int) -> list[tuple[str, int, str]]:
        bank = SandboxBank(clock=Clock(NOW))
        seed_demo(bank, now=NOW, seed=seed)
        return [(p.invoice_id, p.original_minor, p.status) for p in bank.payments()]

    assert month(5) == month(5)
    assert month(5) != month(6)


def test_too_few_payments_cannot_hold_the_plants():
    with pytest.raises(ValueError, match="at least"):
        seed_demo(SandboxBank(), now=NOW, count=50)


def test_csv_is_bitrix_shaped_cp1251_semicolons_crlf(exported, demo):
    assert exported.startswith(HEADER_LINE.encode("cp1251") + b"\r\n")
    assert exported.count(b"\n") == exported.count(b"\r\n")
    rows = _rows(exported)
    assert list(rows[0]) == BITRIX_HEADER
    assert len(rows) == sum(o.in_export for o in demo[1]) >= 300
    orders = {o.invoice_id: o for o in demo[1]}
    for row in rows:
        order = orders[row["ID"]]
        assert re.fullmatch(r"\d+,\d{2}", row["Сумма"])
        assert Money.parse(row["Сумма"]) == order.amount
        taken = datetime.strptime(row["Дата создания"], "%d.%m.%Y %H:%M:%S").replace(tzinfo=ALMATY)
        assert abs(taken - order.created_at) < timedelta(seconds=1)
        assert row["Оплачен"] in ("Да", "Нет") and row["Статус"] in SHOP_STATUSES
        assert row["Валюта"] == "KZT" and row["Платежная система"] == "Halyk ePay"
        assert "@" in row["E-mail"] and row["Телефон"].startswith("+7")
    assert any(re.search("[А-Яа-яЁё]", row["Покупатель"]) for row in rows)


def test_the_planted_discrepancies_are_exactly_there(exported, demo):
    """A reconciliation written from scratch here finds exactly the planted truth."""
    bank, orders = demo
    shop = {row["ID"]: row for row in _rows(exported)}
    found: dict[str, set[str]] = {kind: set() for kind in PLANTED}
    for invoice, row in shop.items():
        payment = bank.find(invoice)
        if payment is None:
            found[MISSING_AT_BANK].add(invoice)
            continue
        captured = payment.status == "CHARGE"
        paid = row["Оплачен"] == "Да" and row["Статус"] != "Отменён"
        if paid and not captured:
            found[PAID_NOT_CAPTURED].add(invoice)
        elif captured and not paid:
            found[CAPTURED_UNPAID].add(invoice)
        elif captured and Money.parse(row["Сумма"]).minor != payment.charged_minor:
            found[AMOUNT_MISMATCH].add(invoice)
    found[UNKNOWN_TO_SHOP] = {p.invoice_id for p in bank.payments() if p.invoice_id not in shop}
    truth = {kind: {o.invoice_id for o in orders if o.discrepancy == kind} for kind in PLANTED}
    assert found == truth
    assert planted_counts(orders) == Counter(PLANTED)
    assert all(len(ids) >= 4 for ids in found.values())
    assert all(bank.get(i).status == "CHARGE" for i in found[UNKNOWN_TO_SHOP])
