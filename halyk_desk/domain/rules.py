"""What may be done to a payment, checked before anything is sent to the bank.

Each refusal says why and what would be allowed, as a message (halyk_desk.messages) that the
window and the CLI render in the user's language.
"""

from __future__ import annotations

from datetime import datetime

from halyk_desk.domain.money import Money
from halyk_desk.domain.states import State, state_name
from halyk_desk.messages import Message, MessageError, msg

#: The bank refuses refunds under 10 ₸.
MIN_REFUND = Money(10_00)
REFUNDABLE = frozenset({State.CAPTURED, State.PARTIALLY_REFUNDED})


class RuleViolation(MessageError, ValueError):
    """An operation the rules forbid; nothing was sent. `code` is stable for scripts (the rule's
    name; the message's own code is rules.<code>)."""

    def __init__(self, code: str, message: Message) -> None:
        super().__init__(message)
        self.code = code


def _same_currency(amount: Money, limit: Money) -> None:
    if amount.currency != limit.currency:
        raise RuleViolation(
            "currency",
            msg("rules.currency", "Сумма указана в {given}, а платёж — в {currency}: укажите "
                "сумму в {currency}.", given=amount.currency, currency=limit.currency),
        )


def _positive(amount: Money) -> None:
    if amount.minor <= 0:
        raise RuleViolation("amount_not_positive", msg(
            "rules.amount_not_positive", "Сумма должна быть больше нуля."))


def check_confirm(
    state: State,
    held: Money,
    amount: Money | None = None,
    *,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> Money:
    """The amount to confirm (the whole hold when `amount` is None), or RuleViolation."""
    if state is not State.HELD:
        raise RuleViolation("not_held", msg(
            "rules.confirm_not_held",
            "Подтвердить можно только заблокированный платёж, а этот — «{state}».",
            state=state_name(state)))
    if expires_at is not None and now is not None and now >= expires_at:
        raise RuleViolation(
            "hold_expired",
            msg("rules.hold_expired", "Блокировка истекла, и подтвердить её уже нельзя: снимите "
                "её и попросите покупателя оплатить заново."),
        )
    if amount is None:
        return held
    _same_currency(amount, held)
    _positive(amount)
    if amount > held:
        raise RuleViolation(
            "above_held",
            msg("rules.above_held", "Нельзя подтвердить {amount}: заблокировано {held}. "
                "Подтвердите не больше {held}.", amount=amount, held=held),
        )
    return amount


def check_cancel(state: State) -> None:
    """Releasing a hold: only from held, always the full amount."""
    if state is not State.HELD:
        raise RuleViolation("not_held", msg(
            "rules.cancel_not_held",
            "Снять можно только блокировку, а этот платёж — «{state}».", state=state_name(state)))


def check_refund(
    state: State, captured: Money, refunded: Money, amount: Money | None = None
) -> Money:
    """The amount to refund (all that remains when `amount` is None), or RuleViolation."""
    if state not in REFUNDABLE:
        raise RuleViolation("not_captured", msg(
            "rules.refund_not_captured",
            "Вернуть можно только списанный платёж, а этот — «{state}».", state=state_name(state)))
    remaining = captured - refunded
    if remaining.minor <= 0:
        raise RuleViolation("nothing_left", msg(
            "rules.nothing_left", "Всё списанное уже возвращено."))
    refund = remaining if amount is None else amount
    _same_currency(refund, captured)
    _positive(refund)
    minimum = Money(MIN_REFUND.minor, captured.currency)
    if refund < minimum:
        if remaining < minimum:
            raise RuleViolation(
                "below_minimum",
                msg("rules.rest_below_minimum", "Банк возвращает не меньше {minimum}, а "
                    "осталось только {remaining}: через банк этот платёж больше не вернуть.",
                    minimum=minimum, remaining=remaining),
            )
        raise RuleViolation(
            "below_minimum",
            msg("rules.below_minimum", "Возврат — не меньше {minimum}; можно от {minimum} до "
                "{remaining}.", minimum=minimum, remaining=remaining),
        )
    if refund > remaining:
        raise RuleViolation(
            "above_remaining",
            msg("rules.above_remaining", "Нельзя вернуть {amount}: списано {captured}, уже "
                "возвращено {refunded}, так что вернуть можно не больше {remaining}.",
                amount=refund, captured=captured, refunded=refunded, remaining=remaining),
        )
    return refund
