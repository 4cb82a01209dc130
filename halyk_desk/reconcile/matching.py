"""Pairing orders with payments: by invoiceId, else by RRN, else by amount and time.

Dicts only, one pass over each side, so a million of each pair up in about a second.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter

from halyk_desk.domain import State
from halyk_desk.reconcile.model import BankPayment, ShopOrder

#: States that took money from the card at some point (a hold, a capture, a refund after one).
WITH_MONEY = frozenset({State.HELD, State.CAPTURED, State.PARTIALLY_REFUNDED, State.REFUNDED})
#: Order-level states: the bank has no payment (102) or it was never read. Not payments at all.
NOT_A_PAYMENT = frozenset({State.NOT_FOUND, State.UNKNOWN})

_created_at = attrgetter("created_at")


@dataclass(slots=True)
class Matching:
    """`pairs`: (order, its first payment or None, its further payments or None), in input order.
    `unclaimed`: payments no order took."""

    pairs: list[tuple[ShopOrder, BankPayment | None, list[BankPayment] | None]]
    unclaimed: list[BankPayment]


def match_orders(
    orders: Iterable[ShopOrder], payments: Iterable[BankPayment], window: timedelta
) -> Matching:
    by_invoice: dict[str, BankPayment] = {}
    more: dict[str, list[BankPayment]] = {}
    loose: list[BankPayment] = []
    for p in payments:
        if p.state in NOT_A_PAYMENT:
            continue
        inv = p.invoice_id
        if inv:
            if by_invoice.setdefault(inv, p) is not p:
                more.setdefault(inv, []).append(p)
        else:
            loose.append(p)

    pairs: list[tuple[ShopOrder, BankPayment | None, list[BankPayment] | None]] = []
    append = pairs.append
    without: list[int] = []  # positions in `pairs` of orders that have no invoiceId
    take = by_invoice.pop
    take_more = more.pop
    for o in orders:
        inv = o.invoice_id
        if inv:
            found = take(inv, None)
            append((o, found, take_more(inv, None) if more and found is not None else None))
        else:
            without.append(len(pairs))
            append((o, None, None))

    unclaimed = list(by_invoice.values())
    for extra in more.values():
        unclaimed.extend(extra)
    unclaimed.extend(loose)
    if without:
        unclaimed = _match_without_invoice(pairs, without, unclaimed, window)
    return Matching(pairs, unclaimed)


def _match_without_invoice(
    pairs: list[tuple[ShopOrder, BankPayment | None, list[BankPayment] | None]],
    positions: list[int],
    candidates: list[BankPayment],
    window: timedelta,
) -> list[BankPayment]:
    """Orders without an invoiceId take an unclaimed payment with their RRN, else the payment of
    their amount nearest in time within `window` (one that took money before a failed attempt)."""
    by_rrn: dict[str, BankPayment] = {}
    by_amount: dict[tuple[str, int], list[BankPayment]] = {}
    for p in candidates:
        if p.reference:
            by_rrn.setdefault(p.reference, p)
        by_amount.setdefault((p.original.currency, p.original.minor), []).append(p)
    for same in by_amount.values():
        same.sort(key=_created_at)
    claimed: set[str] = set()
    for pos in positions:
        order = pairs[pos][0]
        hit = by_rrn.get(order.reference) if order.reference else None
        if hit is None or hit.transaction_id in claimed:
            near = by_amount.get((order.amount.currency, order.amount.minor))
            hit = _nearest(near, order.created_at, window, claimed) if near else None
        if hit is not None:
            claimed.add(hit.transaction_id)
            pairs[pos] = (order, hit, None)
    return [p for p in candidates if p.transaction_id not in claimed]


def _nearest(
    same: list[BankPayment], moment: datetime, window: timedelta, claimed: set[str]
) -> BankPayment | None:
    best: BankPayment | None = None
    best_rank: tuple[bool, timedelta] | None = None
    i = bisect_left(same, moment - window, key=_created_at)
    while i < len(same) and same[i].created_at <= moment + window:
        p = same[i]
        if p.transaction_id not in claimed:
            rank = (p.state not in WITH_MONEY, abs(p.created_at - moment))
            if best_rank is None or rank < best_rank:
                best, best_rank = p, rank
        i += 1
    return best
