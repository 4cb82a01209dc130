"""`halyk-desk holds` and `halyk-desk payments`: the lists of the window, for people and scripts.

With --json each prints one JSON array of objects (the format is in the --help epilogs): amounts
are decimal strings in major units ("1500.00"), times ISO 8601 in UTC ("2026-11-01T09:30:00Z"),
`state` one of the canonical states (unknown: the order was never read; not_found: the bank has
no payment for it). Without --json, an aligned table with Almaty times.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from halyk_desk.commands.running import (
    DATE_HELP,
    OK,
    USAGE,
    date_arg,
    exit_codes_epilog,
    parser_kwargs,
    range_problem,
    say_error,
    with_context,
)
from halyk_desk.domain import Money, State
from halyk_desk.services.context import AppContext
from halyk_desk.services.demo import ensure_demo
from halyk_desk.services.payments import (
    HoldRow,
    PaymentFilter,
    PaymentRow,
    list_holds,
    list_payments,
)

#: Rows fetched per query while printing: a million orders print without holding them all.
PAGE = 2000
#: The only bank status canonical_state maps to held.
HELD_STATUS = "AUTH"
STATES = [s.value for s in State]

PAYMENT_FIELDS = (
    "invoice_id, transaction_id, state, bank_status (statusName as the bank gave it), amount "
    "(the order's), captured and refunded (the bank's), currency, created_at (the order's), "
    "customer, card_mask, reference (RRN), shop_status, last_read_at, read_error"
)
HOLD_FIELDS = (
    "invoice_id, transaction_id, state (held), bank_status (AUTH), amount (held), captured, "
    "refunded, currency, created_at (held since), expires_at, age_seconds, time_left_seconds "
    "(negative once expired), warn, expired, customer"
)


def register(subparsers: Any) -> None:
    common = {
        "epilog": exit_codes_epilog("0  listed", "1  the data could not be opened",
                                    "2  usage error (bad date, state or profile)"),
        **parser_kwargs(),
    }
    holds = subparsers.add_parser(
        "holds", help="held payments awaiting confirmation, the one expiring first first",
        description="Every held payment (two-stage, awaiting confirmation) with its amount, its "
        "age and the time left before the hold expires (settings hold_warn_days, "
        "hold_expire_days). Run `halyk-desk sync` first for fresh data. --json prints a JSON "
        f"array of objects with: {HOLD_FIELDS}.",
        **common,
    )
    holds.add_argument("--json", action="store_true", help="print a JSON array for scripts")
    holds.set_defaults(func=holds_command)

    payments = subparsers.add_parser(
        "payments", help="orders with the bank's picture of their payments",
        description="The shop's orders with what the bank says about each payment, oldest first. "
        "Run `halyk-desk sync` first for fresh data. --json prints a JSON array of objects "
        f"with: {PAYMENT_FIELDS}. Amounts are decimal strings (\"1500.00\"); times ISO 8601 "
        "in UTC; missing values null.",
        **common,
    )
    payments.add_argument("--from", dest="date_from", type=date_arg, metavar="DATE",
                          help=f"orders created on or after this day, {DATE_HELP}")
    payments.add_argument("--to", dest="date_to", type=date_arg, metavar="DATE",
                          help="orders created on or before this day")
    payments.add_argument("--state", dest="states", action="append", type=_states,
                          metavar="STATE", default=[],
                          help=f"only this state (repeat, or separate by commas): "
                          f"{', '.join(STATES)}")
    payments.add_argument("--search", default="", metavar="TEXT",
                          help="invoiceId, RRN or card mask prefix, card's last four digits, "
                          "or customer name prefix")
    payments.add_argument("--json", action="store_true", help="print a JSON array for scripts")
    payments.set_defaults(func=payments_command)


def _states(text: str) -> list[str]:
    chosen = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [s for s in chosen if s not in STATES]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown state {', '.join(unknown) or repr(text)}: choose from {', '.join(STATES)}"
        )
    return chosen


# --- JSON -------------------------------------------------------------------------------------

def iso_utc(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def payment_json(row: PaymentRow) -> dict[str, Any]:
    return {
        "invoice_id": row.invoice_id,
        "transaction_id": row.transaction_id,
        "state": row.state.value,
        "bank_status": row.bank_status,
        "amount": row.amount.to_json(),
        "captured": row.captured.to_json(),
        "refunded": row.refunded.to_json(),
        "currency": row.currency,
        "created_at": iso_utc(row.created_at),
        "customer": row.customer,
        "card_mask": row.card_mask,
        "reference": row.reference,
        "shop_status": row.shop_status,
        "last_read_at": iso_utc(row.last_read_at),
        "read_error": row.read_error,
    }


def _seconds(span: timedelta) -> int:
    return int(span.total_seconds())  # toward zero: a hold 59 s from expiry has 59 s left


def hold_json(hold: HoldRow) -> dict[str, Any]:
    zero = Money.zero(hold.amount.currency).to_json()
    return {
        "invoice_id": hold.invoice_id,
        "transaction_id": hold.transaction_id,
        "state": State.HELD.value,
        "bank_status": HELD_STATUS,
        "amount": hold.amount.to_json(),
        "captured": zero,
        "refunded": zero,
        "currency": hold.amount.currency,
        "created_at": iso_utc(hold.created_at),
        "expires_at": iso_utc(hold.expires_at),
        "age_seconds": _seconds(hold.age),
        "time_left_seconds": _seconds(hold.time_left),
        "warn": hold.warn,
        "expired": hold.expired,
        "customer": hold.customer,
    }


def print_json_array(items: Iterator[dict[str, Any]]) -> None:
    """One JSON array, written as the items come, one object per line."""
    out = sys.stdout
    first = True
    out.write("[")
    for item in items:
        out.write(("\n" if first else ",\n") + json.dumps(item, ensure_ascii=False))
        first = False
    out.write("\n]\n" if not first else "]\n")
    out.flush()


# --- tables for people ------------------------------------------------------------------------

def _local(ctx: AppContext, moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(ctx.settings["business_tz"])).strftime("%d.%m.%Y %H:%M")


def _span(span: timedelta) -> str:
    """3 d 04 h, 5 h 12 min, 7 min; negative spans with a minus."""
    sign = "-" if span < timedelta(0) else ""
    minutes = int(abs(span).total_seconds()) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{sign}{days} d {hours:02d} h"
    if hours:
        return f"{sign}{hours} h {mins:02d} min"
    return f"{sign}{mins} min"


def _table_line(cells: list[str], widths: list[int], right: set[int]) -> str:
    parts = [c.rjust(w) if i in right else c.ljust(w)
             for i, (c, w) in enumerate(zip(cells, widths, strict=True))]
    return "  ".join(parts).rstrip()


def _money(value: Money) -> str:
    return value.format("ru").replace("\u00a0", " ")


# Fixed widths (a list is printed page by page): the longest invoiceId, date, state and so on.
_PAYMENT_HEAD = ["Invoice", "Created", "Amount", "State", "Bank", "Captured", "Refunded",
                 "Customer"]
_PAYMENT_WIDTHS = [15, 16, 16, 18, 11, 16, 16, 0]
_HOLD_HEAD = ["Invoice", "Amount", "Held since", "Age", "Time left", "Expires", "", "Customer"]
_HOLD_WIDTHS = [15, 16, 16, 10, 11, 16, 7, 0]


def _payment_cells(ctx: AppContext, row: PaymentRow) -> list[str]:
    return [row.invoice_id, _local(ctx, row.created_at), _money(row.amount), row.state.value,
            row.bank_status or "", _money(row.captured), _money(row.refunded),
            row.customer or ""]


def _hold_cells(ctx: AppContext, hold: HoldRow) -> list[str]:
    flag = "EXPIRED" if hold.expired else "WARN" if hold.warn else ""
    return [hold.invoice_id, _money(hold.amount), _local(ctx, hold.created_at), _span(hold.age),
            _span(hold.time_left), _local(ctx, hold.expires_at), flag, hold.customer or ""]


# --- commands ---------------------------------------------------------------------------------

def _all_payments(ctx: AppContext, flt: PaymentFilter) -> Iterator[PaymentRow]:
    offset = 0
    while True:
        page = list_payments(ctx, flt, descending=False, offset=offset, limit=PAGE)
        yield from page
        if len(page) < PAGE:
            return
        offset += PAGE


@with_context
def payments_command(args: argparse.Namespace, ctx: AppContext) -> int:
    ensure_demo(ctx)  # the sandbox's first run shows demo data, as the window does
    problem = range_problem(args)
    if problem:
        say_error(problem)
        return USAGE
    flt = PaymentFilter(
        text=args.search, date_from=args.date_from, date_to=args.date_to,
        states=frozenset(s for group in args.states for s in group),
    )
    rows = _all_payments(ctx, flt)
    if args.json:
        print_json_array(payment_json(row) for row in rows)
        return OK
    right = {2, 5, 6}
    print(_table_line(_PAYMENT_HEAD, _PAYMENT_WIDTHS, right))
    count = 0
    for row in rows:
        print(_table_line(_payment_cells(ctx, row), _PAYMENT_WIDTHS, right))
        count += 1
    print(f"{count} order{'s' if count != 1 else ''}; times in {ctx.settings['business_tz']}.")
    return OK


@with_context
def holds_command(args: argparse.Namespace, ctx: AppContext) -> int:
    ensure_demo(ctx)  # the sandbox's first run shows demo data, as the window does
    holds = list_holds(ctx)
    if args.json:
        print_json_array(hold_json(hold) for hold in holds)
        return OK
    right = {1, 3, 4}
    print(_table_line(_HOLD_HEAD, _HOLD_WIDTHS, right))
    for hold in holds:
        print(_table_line(_hold_cells(ctx, hold), _HOLD_WIDTHS, right))
    warn = sum(h.warn and not h.expired for h in holds)
    expired = sum(h.expired for h in holds)
    print(f"{len(holds)} hold{'s' if len(holds) != 1 else ''} ({warn} to confirm or release soon, "
          f"{expired} expired); times in {ctx.settings['business_tz']}.")
    return OK
