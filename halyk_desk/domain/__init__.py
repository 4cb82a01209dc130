"""Plain-Python core shared by every layer: money, states and their rules, identifiers, time."""

from halyk_desk.domain.ids import InvoiceIdError, new_external_id, normalize_invoice_id
from halyk_desk.domain.money import DEFAULT_CURRENCY, Money, MoneyError
from halyk_desk.domain.rules import (
    MIN_REFUND,
    RuleViolation,
    check_cancel,
    check_confirm,
    check_refund,
)
from halyk_desk.domain.states import FINAL_STATES, State, canonical_state
from halyk_desk.domain.timeutil import ALMATY, as_utc, parse_bank_datetime, utc_now

__all__ = [
    "ALMATY",
    "DEFAULT_CURRENCY",
    "FINAL_STATES",
    "MIN_REFUND",
    "InvoiceIdError",
    "Money",
    "MoneyError",
    "RuleViolation",
    "State",
    "as_utc",
    "canonical_state",
    "check_cancel",
    "check_confirm",
    "check_refund",
    "new_external_id",
    "normalize_invoice_id",
    "parse_bank_datetime",
    "utc_now",
]
