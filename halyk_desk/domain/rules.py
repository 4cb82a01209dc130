"""What may be done to a payment, checked before anything is sent to the bank.

Each refusal says why and what would be allowed, so the window and the CLI can show it as it is.
"""

from __future__ import annotations

from datetime import datetime

from halyk_desk.domain.money import Money
from halyk_desk.domain.states import State

#: The bank refuses refunds under 10 ₸.
MIN_REFUND = Money(10_00)
REFUNDABLE = frozenset({State.CAPTURED, State.PARTIALLY_REFUNDED})


class RuleViolation(ValueError):
    """An operation the rules forbid; nothing was sent. `code` is stable for scripts."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _same_currency(amount: Money, limit: Money) -> None:
    if amount.currency != limit.currency:
        raise RuleViolation(
            "currency",
            f"The amount is in {amount.currency}, but the payment is in {limit.currency}: "
            f"give the amount in {limit.currency}.",
        )


def _positive(amount: Money) -> None:
    if amount.minor <= 0:
        raise RuleViolation("amount_not_positive", "The amount must be more than zero.")


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
        raise RuleViolation(
            "not_held", f"Only a held payment can be confirmed; this one is {state.value}."
        )
    if expires_at is not None and now is not None and now >= expires_at:
        raise RuleViolation(
            "hold_expired",
            "The hold has expired and can no longer be confirmed; release it and ask the customer "
            "to pay again.",
        )
    if amount is None:
        return held
    _same_currency(amount, held)
    _positive(amount)
    if amount > held:
        raise RuleViolation(
            "above_held",
            f"Cannot confirm {amount} when {held} is held: confirm at most {held}.",
        )
    return amount


def check_cancel(state: State) -> None:
    """Releasing a hold: only from held, always the full amount."""
    if state is not State.HELD:
        raise RuleViolation(
            "not_held", f"Only a held payment can be released; this one is {state.value}."
        )


def check_refund(
    state: State, captured: Money, refunded: Money, amount: Money | None = None
) -> Money:
    """The amount to refund (all that remains when `amount` is None), or RuleViolation."""
    if state not in REFUNDABLE:
        raise RuleViolation(
            "not_captured", f"Only a captured payment can be refunded; this one is {state.value}."
        )
    remaining = captured - refunded
    if remaining.minor <= 0:
        raise RuleViolation("nothing_left", "Everything captured has already been refunded.")
    refund = remaining if amount is None else amount
    _same_currency(refund, captured)
    _positive(refund)
    minimum = Money(MIN_REFUND.minor, captured.currency)
    if refund < minimum:
        if remaining < minimum:
            raise RuleViolation(
                "below_minimum",
                f"The bank refunds at least {minimum}, and only {remaining} is left: "
                "this payment cannot be refunded further through the bank.",
            )
        raise RuleViolation(
            "below_minimum",
            f"A refund must be at least {minimum}; allowed: {minimum} to {remaining}.",
        )
    if refund > remaining:
        raise RuleViolation(
            "above_remaining",
            f"Cannot refund {refund}: {captured} was captured and {refunded} already refunded, "
            f"so at most {remaining} can be refunded.",
        )
    return refund
