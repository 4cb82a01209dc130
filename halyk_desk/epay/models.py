"""Typed views of the bank's replies: money in tiyn, times in UTC, statuses mapped to states.

Replies are parsed with parse_float=Decimal upstream; the readers here refuse garbage loudly
(MalformedReply) rather than guess, but tolerate absent optional fields and unknown extra ones.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from halyk_desk.domain import (
    DEFAULT_CURRENCY,
    Money,
    MoneyError,
    State,
    canonical_state,
    parse_bank_datetime,
    utc_now,
)
from halyk_desk.domain.text import neutralise
from halyk_desk.messages import Message, MessageError, msg, of_error

# A card number printed in full (13–19 digits in a row) must never reach our records or screens.
_FULL_PAN = re.compile(r"\d{13,19}")


class FieldError(MessageError, ValueError):
    """A needed field is missing or unreadable; the client reports it as MalformedReply."""


class Fields:
    """Defensive reads from one JSON object; each key may have several spellings (invoiceID/Id).
    `where` names the object for people (msg "транзакция")."""

    def __init__(self, data: Mapping[str, Any], where: Message | str) -> None:
        self.data = data
        self.where = where

    def _get(self, keys: tuple[str, ...]) -> Any:
        for key in keys:
            value = self.data.get(key)
            if value is not None:
                return value
        return None

    def text(self, *keys: str) -> str | None:
        value = self._get(keys)
        if value is None or isinstance(value, (dict, list)):
            return None
        return neutralise(str(value))  # the bank's text is shown and exported: no ESC, no CR

    def required_text(self, *keys: str) -> str:
        value = self.text(*keys)
        if not value:
            raise FieldError(msg("epay.field_missing", "{where}: нет поля {field}",
                                 where=self.where, field=keys[0]))
        return value

    def currency(self) -> str:
        return (self.text("currency") or "").strip() or DEFAULT_CURRENCY

    def money(self, *keys: str, currency: str) -> Money | None:
        value = self._get(keys)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
            raise FieldError(msg("epay.field_not_amount",
                                 "{where}: поле {field}={value} — не сумма",
                                 where=self.where, field=keys[0], value=repr(value)))
        try:
            return Money.from_decimal(value, currency)
        except (MoneyError, TypeError) as exc:
            raise FieldError(msg("epay.field_bad_amount", "{where}: поле {field}={value}: {error}",
                                 where=self.where, field=keys[0], value=repr(value),
                                 error=of_error(exc))) from exc

    def when(self, *keys: str) -> datetime | None:
        value = self.text(*keys)
        if not value:
            return None
        try:
            return parse_bank_datetime(value)
        except ValueError as exc:
            raise FieldError(msg("epay.field_not_date", "{where}: поле {field}={value} — не дата",
                                 where=self.where, field=keys[0], value=repr(value))) from exc

    def card_mask(self) -> str | None:
        mask = self.text("cardMask")
        full = _FULL_PAN.search(mask) if mask else None
        if full:
            return f"{full.group(0)[:6]}...{full.group(0)[-4:]}"
        return mask


def _state(status_name: str | None, refunded: Money | None, remaining: Money | None,
           created_at: datetime | None) -> State:
    return canonical_state(
        status_name,
        refunded_minor=refunded.minor if refunded else 0,
        remaining_minor=remaining.minor if remaining else None,
        created_at=created_at,
        now=utc_now(),
    )


@dataclass(frozen=True)
class PaymentStatus:
    """One payment as GET /check-status/payment/transaction/{invoiceId} describes it."""

    invoice_id: str
    transaction_id: str
    status_name: str
    state: State
    currency: str
    original: Money
    remaining: Money
    refunded: Money
    held: Money
    captured: Money
    created_at: datetime | None
    card_mask: str | None
    card_type: str | None
    issuer: str | None
    reference: str | None
    approval_code: str | None
    terminal: str | None
    description: str | None
    reason: str | None
    reason_code: str | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_reply(cls, reply: dict[str, Any], invoice_id: str) -> PaymentStatus:
        """From a resultCode-100 reply; raises FieldError when a needed field is missing."""
        tx = reply.get("transaction")
        if not isinstance(tx, dict):
            raise FieldError(msg("epay.no_transaction", "в ответе нет объекта transaction"))
        f = Fields(tx, msg("epay.where_transaction", "транзакция"))
        currency = f.currency()
        status_name = f.required_text("statusName")
        remaining = f.money("amount", currency=currency)
        if remaining is None:
            raise FieldError(msg("epay.transaction_no_amount", "в транзакции нет суммы"))
        # payoutAmount is what was refunded so far; a bank that omits it has refunded nothing.
        refunded = f.money("payoutAmount", currency=currency) or Money.zero(currency)
        original = f.money("orgAmount", currency=currency) or remaining + refunded
        created_at = f.when("createdDate")
        state = _state(status_name, refunded, remaining, created_at)
        zero = Money.zero(currency)
        captured_states = {State.CAPTURED, State.PARTIALLY_REFUNDED, State.REFUNDED}
        return cls(
            invoice_id=f.text("invoiceID", "invoiceId") or invoice_id,
            transaction_id=f.required_text("id"),
            status_name=status_name,
            state=state,
            currency=currency,
            original=original,
            remaining=remaining,
            refunded=refunded,
            held=remaining if state is State.HELD else zero,
            captured=remaining + refunded if state in captured_states else zero,
            created_at=created_at,
            card_mask=f.card_mask(),
            card_type=f.text("cardType"),
            issuer=f.text("issuer"),
            reference=f.text("reference"),
            approval_code=f.text("approvalCode"),
            terminal=f.text("terminal"),
            description=f.text("description"),
            reason=f.text("reason"),
            reason_code=f.text("reasonCode"),
            raw=reply,
        )


@dataclass(frozen=True)
class OperationRecord:
    """One row of POST /operations. Its shape is undocumented, so every field may be None."""

    transaction_id: str | None
    invoice_id: str | None
    status_name: str | None
    state: State
    currency: str
    original: Money | None
    remaining: Money | None
    refunded: Money | None
    created_at: datetime | None
    payout_date: datetime | None
    card_mask: str | None
    card_type: str | None
    issuer: str | None
    reference: str | None
    approval_code: str | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> OperationRecord:
        f = Fields(record, msg("epay.where_operations_record", "запись списка операций"))
        currency = f.currency()
        status_name = f.text("status", "statusName")
        refunded = f.money("payoutAmount", currency=currency)
        remaining = f.money("amount", currency=currency)
        created_at = f.when("createdDate")
        return cls(
            transaction_id=f.text("id"),
            invoice_id=f.text("invoiceId", "invoiceID"),
            status_name=status_name,
            state=_state(status_name, refunded, remaining, created_at),
            currency=currency,
            original=f.money("orgAmount", currency=currency),
            remaining=remaining,
            refunded=refunded,
            created_at=created_at,
            payout_date=f.when("payoutDate"),
            card_mask=f.card_mask(),
            card_type=f.text("cardType"),
            issuer=f.text("issuer"),
            reference=f.text("reference"),
            approval_code=f.text("approvalCode"),
            raw=record,
        )
