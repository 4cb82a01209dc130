"""Payment links: how long one lives, which order number it gets, and what state it is in."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum

from halyk_desk.domain.states import State
from halyk_desk.messages import MessageError, msg


class LinkState(StrEnum):
    ACTIVE = "active"
    PAID = "paid"
    EXPIRED = "expired"
    FAILED = "failed"


#: The bank's payment states that mean the customer paid (money is or was with the shop).
PAID_STATES = frozenset({State.HELD, State.CAPTURED, State.PARTIALLY_REFUNDED, State.REFUNDED,
                         State.RELEASED})

_PERIOD = re.compile(r"([1-9]\d{0,3})([mhd])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
#: The bank's pages show "1d"; a link living longer than a month is a mistake, not an order.
MAX_PERIOD = timedelta(days=30)


class LinkError(MessageError, ValueError):
    """A link cannot be made as asked; the message says what to type instead."""


def parse_period(text: str) -> timedelta:
    """The bank's expire_period ("30m", "12h", "1d", "7d") as a duration."""
    match = _PERIOD.fullmatch(text.strip())
    if match is None:
        raise LinkError(msg("links.bad_period", "Срок жизни ссылки «{text}» непонятен: напишите "
                            "число и m, h или d, например 1d (сутки) или 12h.", text=text))
    period = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    if period > MAX_PERIOD:
        raise LinkError(msg("links.period_too_long", "Срок жизни ссылки «{text}» больше 30 дней: "
                            "выберите 30d или меньше.", text=text))
    return period


def link_state(payment_state: State | None, expires_at: datetime, now: datetime) -> LinkState:
    """What a link is now: paid when the bank has the customer's payment, failed when the bank
    declined it, expired when its time ran out unpaid, active otherwise."""
    if payment_state in PAID_STATES:
        return LinkState.PAID
    if payment_state is State.FAILED:
        return LinkState.FAILED
    return LinkState.EXPIRED if now >= expires_at else LinkState.ACTIVE


def new_invoice_id(taken_suffix: Callable[[str], bool], now: datetime, *, tries: int = 50) -> str:
    """A fresh 12-digit invoiceId: the date (YYMMDD) and six random digits whose six are not the
    last six of any order of the profile (`taken_suffix`), as the bank requires."""
    for _ in range(tries):
        suffix = f"{secrets.randbelow(1_000_000):06d}"
        if not taken_suffix(suffix):
            return now.strftime("%y%m%d") + suffix
    raise LinkError(msg("links.no_free_number", "Не удалось подобрать свободный номер заказа: "
                        "укажите его сами (--invoice)."))


def new_secret() -> str:
    """The random secret a link's callback address carries (URL-safe, 256 bits)."""
    return secrets.token_urlsafe(32)
