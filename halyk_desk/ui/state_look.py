"""How each payment state looks: its Russian name and its row colour.

Backgrounds are light tints and the text on them is always near-black, so every pair keeps a
contrast ratio above 10:1 (WCAG AAA) whatever the system theme; pending and unknown stay uncoloured.
"""

from __future__ import annotations

from PySide6.QtGui import QColor

from halyk_desk.domain import State
from halyk_desk.domain.states import state_name

_BACKGROUNDS = {
    State.CAPTURED: "#d4f2dc",  # green: the money is ours
    State.HELD: "#ffe7ad",  # amber: waits for a manager
    State.PARTIALLY_REFUNDED: "#dbe8fb",  # blue-ish: money went back
    State.REFUNDED: "#c8dbf6",
    State.RELEASED: "#e4e4e4",  # grey: nothing happened in the end
    State.FAILED: "#f8d2d2",  # red
    State.NEEDS_REVIEW: "#e8dcf6",  # purple-ish: a person should look
    State.NOT_FOUND: "#e8dcf6",
}

#: Text colour on every tinted background.
INK = QColor("#1a1a1a")

#: Filter order: what people look for most first.
STATE_ORDER = (
    State.HELD,
    State.CAPTURED,
    State.PARTIALLY_REFUNDED,
    State.REFUNDED,
    State.RELEASED,
    State.FAILED,
    State.PENDING,
    State.NEEDS_REVIEW,
    State.NOT_FOUND,
    State.UNKNOWN,
)


def _state(value: str) -> State:
    try:
        return State(value)
    except ValueError:
        return State.NEEDS_REVIEW  # a state this window does not know is one to look at


def state_label(value: str) -> str:
    return state_name(_state(value)).render()


def state_background(value: str) -> QColor | None:
    colour = _BACKGROUNDS.get(_state(value))
    return None if colour is None else QColor(colour)


#: Holds tab: a hold past the warning age or expiring today, and an expired one.
HOLD_WARN_BACKGROUND = QColor("#ffd98a")
HOLD_EXPIRED_BACKGROUND = QColor("#f4bcbc")
