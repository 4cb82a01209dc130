"""Demo data: a month of a Kazakh web shop's card payments at the bank, and the shop's order export.

The two disagree on purpose in a known number of places (PLANTED), so the reconciliation can be
shown and tested against the truth this module returns.
"""

from __future__ import annotations

import csv
import os
import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from halyk_desk.domain import ALMATY, Money, as_utc
from halyk_desk.sandbox.bank import SandboxBank

# Discrepancy kinds planted between the shop's export and the bank.
MISSING_AT_BANK = "missing_at_bank"  # the shop has a paid order, the bank has no payment
UNKNOWN_TO_SHOP = "unknown_to_shop"  # the bank captured a payment the export does not list
AMOUNT_MISMATCH = "amount_mismatch"  # both say paid, the amounts differ
PAID_NOT_CAPTURED = "paid_not_captured"  # the shop says paid, the bank did not capture
CAPTURED_UNPAID = "captured_unpaid"  # the bank captured, the shop says unpaid or cancelled
PLANTED = {
    MISSING_AT_BANK: 6,
    UNKNOWN_TO_SHOP: 5,
    AMOUNT_MISMATCH: 5,
    PAID_NOT_CAPTURED: 4,
    CAPTURED_UNPAID: 4,
}
MIN_COUNT = 100

BITRIX_HEADER = [
    "ID", "Дата создания", "Покупатель", "E-mail", "Телефон", "Сумма", "Валюта", "Оплачен",
    "Статус", "Платежная система",
]
PAYMENT_SYSTEM = "Halyk ePay"
ACCEPTED, PAID, SHIPPED, DONE, CANCELLED = "Принят", "Оплачен", "Отгружен", "Выполнен", "Отменён"

_ITEMS = [
    ("кроссовки", (15990, 24990, 39990)), ("куртка зимняя", (45990, 69990)),
    ("смартфон", (129990, 249990, 389990)), ("наушники беспроводные", (12990, 34990)),
    ("чайник электрический", (8990,)), ("кофемашина", (159990,)),
    ("детская коляска", (119990,)), ("рюкзак", (9990, 14990)), ("постельное бельё", (14990,)),
    ("набор книг", (6480,)), ("фен", (18990,)), ("пылесос", (79990,)), ("мультиварка", (29990,)),
    ("телевизор", (189990, 299990)), ("ноутбук", (349990,)), ("школьная форма", (21990,)),
    ("конструктор", (4990, 11990)), ("парфюмерная вода", (27990,)), ("сковорода", (7990,)),
    ("зимние шины", (68000, 112000)),
]
_CARDS = [
    ("440043", "VISA", "HALYK BANK"), ("537541", "MASTERCARD", "HALYK BANK"),
    ("400303", "VISA", "KASPI BANK"), ("521324", "MASTERCARD", "FORTEBANK"),
    ("548601", "MASTERCARD", "BANK CENTERCREDIT"), ("404932", "VISA", "JUSAN BANK"),
]
_CUSTOMERS = [
    ("Ахметов Ерлан", "erlan.akhmetov"), ("Нурланова Айгерим", "aigerim.n"),
    ("Иванова Ольга", "olga.ivanova"), ("Жумабаев Данияр", "daniyar.zh"),
    ("Сейткали Мадина", "madina.s"), ("Ким Виктор", "viktor.kim"),
    ("Омарова Жанна", "zhanna.omarova"), ("Петров Сергей", "s.petrov"),
    ("Абдрахманов Арман", "arman.a"), ("Тулегенова Асель", "asel.t"),
    ("Смирнова Екатерина", "katya.smirnova"), ("Бекмухамбетов Нурсултан", "nursultan.b"),
    ("Ли Алина", "alina.li"), ("Касымова Динара", "dinara.k"),
    ("Григорьев Алексей", "grigorev.a"), ("Есенова Аружан", "aruzhan.e"),
    ("Мухамеджанов Тимур", "timur.m"), ("Ёлкина Наталья", "n.yolkina"),
]
_MAIL_HOSTS = ("gmail.com", "mail.ru", "inbox.kz", "yandex.kz")
_DECLINES = [
    ("FAILED", "Недостаточно средств", "51"), ("FAILED", "Неверный CVV2", "82"),
    ("FAILED", "Карта просрочена", "54"), ("REJECT", "Отклонено системой мониторинга", "05"),
]


@dataclass(frozen=True)
class DemoOrder:
    """One order as the shop sees it, with the truth about it at the bank.

    `in_export` is False for a bank payment the shop's export does not list (UNKNOWN_TO_SHOP);
    `bank_tx_id` is None for an order the bank has no payment for. `discrepancy` is the planted
    kind, None when shop and bank agree.
    """

    invoice_id: str
    created_at: datetime  # when the shop took the order (UTC)
    customer: str
    email: str
    phone: str
    amount: Money  # the shop's amount
    paid: bool
    status: str  # the shop's order status, in Russian
    in_export: bool
    bank_tx_id: str | None
    discrepancy: str | None = None


@dataclass
class _Plan:
    """A payment to be written; its kind decides the bank's status and the shop's view of it."""

    kind: str
    created_at: datetime
    item: str = ""
    amount: int = 0  # minor units


def seed_demo(
    bank: SandboxBank, *, now: datetime, seed: int = 42, count: int = 320
) -> list[DemoOrder]:
    """Fill `bank` with `count` payments over the 30 days before `now`; return the shop's orders.

    Shapes: about 10% holds of various ages (some past the bank's hold lifetime, which the bank
    then reports as CANCEL_OLD, some expiring later today), declines, released holds, partial
    confirmations, partial and full refunds, a few payments still in progress (NEW, 3D).
    """
    if count < MIN_COUNT:
        raise ValueError(f"count must be at least {MIN_COUNT} to hold the planted discrepancies")
    now = as_utc(now)
    rng = random.Random(seed)
    plans = _plan_payments(rng, now, count, bank.hold_lifetime)
    n_orders = count + PLANTED[MISSING_AT_BANK]
    invoice_ids = _invoice_ids(rng, n_orders)
    missing = [
        _Plan("missing", now - timedelta(seconds=rng.uniform(600, 30 * 86400)), *_basket(rng))
        for _ in range(PLANTED[MISSING_AT_BANK])
    ]
    everything = sorted(plans + missing, key=lambda p: p.created_at)
    planted = _choose_planted(rng, everything)
    orders = []
    for plan, invoice_id in zip(everything, invoice_ids, strict=True):
        orders.append(_make(bank, rng, plan, invoice_id, planted.get(id(plan))))
    return orders


def _plan_payments(
    rng: random.Random, now: datetime, count: int, lifetime: timedelta
) -> list[_Plan]:
    month = 30 * 86400

    def ago(low: float, high: float) -> datetime:
        return now - timedelta(seconds=rng.uniform(low, high))

    holds = max(10, round(count * 0.10))
    stale, expiring = max(2, holds // 6), max(2, holds // 6)
    shares = {
        "new": 3, "3d": 3, "decline": round(count * 0.07), "cancel": round(count * 0.03),
        "partial_confirm": round(count * 0.03), "partial_refund": round(count * 0.05),
        "full_refund": round(count * 0.04),
    }
    life = lifetime.total_seconds()
    plans = [_Plan("hold_stale", ago(life + 3600, life + 3 * 86400)) for _ in range(stale)]
    end_of_day = datetime.combine(now.astimezone(ALMATY).date() + timedelta(days=1), time.min,
                                  tzinfo=ALMATY)
    left_today = (end_of_day - now).total_seconds()
    for _ in range(expiring):  # expires between now and midnight in Almaty
        expires = now + timedelta(seconds=left_today * rng.uniform(0.2, 0.9))
        plans.append(_Plan("hold", expires - lifetime))
    fresh = holds - stale - expiring
    plans += [_Plan("hold", ago(600, max(1200, life * 0.85))) for _ in range(fresh)]
    plans += [_Plan("new", ago(30, 1200)) for _ in range(shares.pop("new"))]
    plans += [_Plan("3d", ago(60, 1800)) for _ in range(2)]
    plans += [_Plan("3d", ago(86400, month)) for _ in range(shares.pop("3d") - 2)]
    for kind, n in shares.items():
        plans += [_Plan(kind, ago(3600, month)) for _ in range(n)]
    plans += [_Plan("charge", ago(600, month)) for _ in range(count - len(plans))]
    for plan in plans:
        plan.item, plan.amount = _basket(rng)
    return plans


def _basket(rng: random.Random) -> tuple[str, int]:
    """An item and the basket's total in tiyn: 1–3 pieces, maybe delivery, maybe a promo code."""
    item, prices = rng.choice(_ITEMS)
    total = rng.choice(prices) * rng.choices((1, 2, 3), weights=(80, 15, 5))[0]
    if rng.random() < 0.4:
        total += rng.choice((1500, 2000))
    minor = total * 100
    if rng.random() < 0.08:  # a percentage promo code leaves tiyn
        minor = minor * rng.choice((93, 95, 97)) // 100
    return item, minor


def _invoice_ids(rng: random.Random, n: int) -> list[str]:
    """Unique order numbers of 6–9 digits, rising over time, with unique last 6 digits."""
    tails = sorted(rng.sample(range(1_000_000), n))
    prefixes = ("", "", "0", "00", "1", "20", "317")
    return [f"{rng.choice(prefixes)}{tail:06d}" for tail in tails]


def _choose_planted(rng: random.Random, plans: list[_Plan]) -> dict[int, str]:
    chosen: dict[int, str] = {id(p): MISSING_AT_BANK for p in plans if p.kind == "missing"}
    charges = [p for p in plans if p.kind == "charge"]
    not_captured = [p for p in plans if p.kind in ("decline", "cancel")]
    picks = rng.sample(
        charges, PLANTED[UNKNOWN_TO_SHOP] + PLANTED[AMOUNT_MISMATCH] + PLANTED[CAPTURED_UNPAID]
    )
    kinds = [UNKNOWN_TO_SHOP] * PLANTED[UNKNOWN_TO_SHOP] + [AMOUNT_MISMATCH] * PLANTED[
        AMOUNT_MISMATCH] + [CAPTURED_UNPAID] * PLANTED[CAPTURED_UNPAID]
    chosen.update({id(p): kind for p, kind in zip(picks, kinds, strict=True)})
    chosen.update({id(p): PAID_NOT_CAPTURED
                   for p in rng.sample(not_captured, PLANTED[PAID_NOT_CAPTURED])})
    return chosen


def _make(
    bank: SandboxBank, rng: random.Random, plan: _Plan, invoice_id: str, planted: str | None
) -> DemoOrder:
    customer, login = rng.choice(_CUSTOMERS)
    email = f"{login}{rng.randrange(10, 99)}@{rng.choice(_MAIL_HOSTS)}"
    phone = f"+7 7{rng.choice('0157')}{rng.randrange(10)} {rng.randrange(1000):03d} " \
            f"{rng.randrange(100):02d} {rng.randrange(100):02d}"
    ordered_at = plan.created_at - timedelta(seconds=rng.uniform(20, 900))
    amount = Money(plan.amount)
    shop_amount = amount
    paid, status = True, rng.choice((PAID, SHIPPED, DONE))
    tx_id = None
    if plan.kind != "missing":
        bin_, card_type, issuer = rng.choice(_CARDS)
        extra: dict[str, object] = {}
        kind = plan.kind
        if kind in ("hold", "hold_stale"):
            extra["status"] = "AUTH"
            paid, status = False, ACCEPTED
        elif kind in ("new", "3d"):
            extra["status"] = "NEW" if kind == "new" else "3D"
            paid, status = False, ACCEPTED
        elif kind == "decline":
            extra["status"], extra["reason"], extra["reason_code"] = rng.choice(_DECLINES)
            paid, status = False, rng.choice((ACCEPTED, CANCELLED))
        elif kind == "cancel":
            extra["status"] = "CANCEL"
            paid, status = False, CANCELLED
        elif kind == "partial_confirm":
            charged = Money(_part(rng, plan.amount, 0.6, 0.95))
            extra["charged"] = charged
            shop_amount = charged  # the shop shipped less and lowered the order
        elif kind == "partial_refund":
            extra["refunded"] = Money(_part(rng, plan.amount, 0.1, 0.6))
            extra["refunded_at"] = _later(rng, plan.created_at)
            status = DONE
        elif kind == "full_refund":
            extra["status"] = "REFUND"
            extra["refunded_at"] = _later(rng, plan.created_at)
            paid, status = False, CANCELLED
        tx_id = bank.add_payment(
            invoice_id,
            amount,
            created_at=plan.created_at,
            card_mask=f"{bin_}...{rng.randrange(10_000):04d}",
            card_type=card_type,
            issuer=issuer,
            description=f"Заказ №{invoice_id}: {plan.item}",
            email=email,
            phone=phone.replace(" ", ""),
            name=customer,
            **extra,  # type: ignore[arg-type]
        )
    if planted == AMOUNT_MISMATCH:  # delivery or a discount the shop and the bank disagree on
        shop_amount = Money(plan.amount + rng.choice((1500_00, 2000_00, plan.amount // 10)))
    elif planted == CAPTURED_UNPAID:
        paid, status = False, rng.choice((ACCEPTED, CANCELLED))
    elif planted == PAID_NOT_CAPTURED:
        paid, status = True, rng.choice((PAID, SHIPPED))
    return DemoOrder(
        invoice_id=invoice_id,
        created_at=ordered_at,
        customer=customer,
        email=email,
        phone=phone,
        amount=shop_amount,
        paid=paid,
        status=status,
        in_export=planted != UNKNOWN_TO_SHOP,
        bank_tx_id=tx_id,
        discrepancy=planted,
    )


def _part(rng: random.Random, minor: int, low: float, high: float) -> int:
    """A share of an amount rounded to whole tenge, at least the bank's 10 ₸ minimum."""
    share = int(Decimal(minor) * Decimal(str(round(rng.uniform(low, high), 2)))) // 100 * 100
    return max(10_00, share)


def _later(rng: random.Random, start: datetime) -> datetime:
    return start + timedelta(hours=rng.uniform(2, 72))


def planted_counts(orders: list[DemoOrder]) -> Counter[str]:
    """How many discrepancies of each kind `orders` carry: what a reconciliation should find."""
    return Counter(o.discrepancy for o in orders if o.discrepancy)


def write_bitrix_csv(path: str | os.PathLike[str], orders: list[DemoOrder]) -> int:
    """Write the shop's order list as 1C-Bitrix exports it (cp1251, ';', CRLF); returns the rows."""
    rows = sorted((o for o in orders if o.in_export), key=lambda o: o.created_at, reverse=True)
    with open(path, "w", encoding="cp1251", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        writer.writerow(BITRIX_HEADER)
        for o in rows:
            writer.writerow([
                o.invoice_id,
                o.created_at.astimezone(ALMATY).strftime("%d.%m.%Y %H:%M:%S"),
                o.customer,
                o.email,
                o.phone,
                str(o.amount.to_decimal()).replace(".", ","),
                o.amount.currency,
                "Да" if o.paid else "Нет",
                o.status,
                PAYMENT_SYSTEM,
            ])
    return len(rows)
