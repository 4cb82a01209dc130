"""The bank's statusName mapped to one canonical state per payment (docs/architecture.md,
"States")."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from halyk_desk.messages import Message, msg


class State(StrEnum):
    PENDING = "pending"
    HELD = "held"
    CAPTURED = "captured"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    RELEASED = "released"
    FAILED = "failed"
    NEEDS_REVIEW = "needs_review"
    # Order-level states: the bank has no payment for the order (102), or it was never read.
    NOT_FOUND = "not_found"
    UNKNOWN = "unknown"


#: Each state's name for people (the window's state column and filter, every message).
_NAMES = {
    State.PENDING: msg("state.pending", "в процессе"),
    State.HELD: msg("state.held", "блокировка (холд)"),
    State.CAPTURED: msg("state.captured", "списано"),
    State.PARTIALLY_REFUNDED: msg("state.partially_refunded", "частичный возврат"),
    State.REFUNDED: msg("state.refunded", "возврат"),
    State.RELEASED: msg("state.released", "блокировка снята"),
    State.FAILED: msg("state.failed", "отклонён"),
    State.NEEDS_REVIEW: msg("state.needs_review", "требует проверки"),
    State.NOT_FOUND: msg("state.not_found", "нет в банке"),
    State.UNKNOWN: msg("state.unknown", "не проверен"),
}


def state_name(state: State | str) -> Message:
    """The state's name for people; a state this version does not know is one to look at."""
    try:
        return _NAMES[State(state)]
    except ValueError:
        return _NAMES[State.NEEDS_REVIEW]


#: States the bank will not change by itself; a sync need not read them again.
FINAL_STATES = frozenset({State.REFUNDED, State.RELEASED, State.FAILED})

#: A 3-D Secure step older than this is a failed payment, not one in progress.
THREE_DS_PATIENCE = timedelta(hours=1)

_BY_STATUS = {
    "NEW": State.PENDING,
    "FINGERPRINT": State.PENDING,
    "AUTH": State.HELD,
    "CHARGE": State.CAPTURED,
    "REFUND": State.REFUNDED,
    "CANCEL": State.RELEASED,
    "CANCEL_OLD": State.RELEASED,
    "FAILED": State.FAILED,
    "REJECT": State.FAILED,
}


def canonical_state(
    status_name: str | None,
    *,
    refunded_minor: int = 0,
    remaining_minor: int | None = None,
    created_at: datetime | None = None,
    now: datetime | None = None,
) -> State:
    """One canonical state for what the bank says. Anything unrecognised needs review, never "paid".

    `refunded_minor` is the bank's payoutAmount in tiyn: a CHARGE with refunds is partly refunded.
    `remaining_minor` is its `amount` (what is still captured): a REFUND with money left is partly
    refunded too — the bank reports REFUND after a partial refund as well, and taking it for a
    full one would keep the rest from ever being refunded.
    A "3D" status is pending while young and failed once older than THREE_DS_PATIENCE.
    VERIFIED (a zero-amount card check) is no payment for an order, so a person should look.
    """
    name = (status_name or "").strip().upper()
    if name == "3D":
        if created_at is None or now is None or now - created_at < THREE_DS_PATIENCE:
            return State.PENDING
        return State.FAILED
    state = _BY_STATUS.get(name, State.NEEDS_REVIEW)
    if state is State.CAPTURED and refunded_minor > 0:
        return State.PARTIALLY_REFUNDED
    if state is State.REFUNDED and refunded_minor > 0 and (remaining_minor or 0) > 0:
        return State.PARTIALLY_REFUNDED
    return state
