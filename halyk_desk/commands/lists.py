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
from halyk_desk.messages import Message, current, date_text, msg, verbatim
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

PAYMENT_FIELDS = msg(
    "lists.payment_fields", "invoice_id, transaction_id, state, bank_status (statusName, как "
    "его дал банк), amount (сумма заказа), captured и refunded (по данным банка), currency, "
    "created_at (время заказа), customer, card_mask, reference (RRN), shop_status, "
    "last_read_at, read_error")
HOLD_FIELDS = msg(
    "lists.hold_fields", "invoice_id, transaction_id, state (held), bank_status (AUTH), amount "
    "(заблокированная сумма), captured, refunded, currency, created_at (время блокировки), "
    "expires_at, age_seconds, time_left_seconds (отрицательное, когда срок истёк), warn, "
    "expired, customer")


def register(subparsers: Any) -> None:
    common = {
        "epilog": exit_codes_epilog(
            "0  " + str(msg("lists.exit_ok", "список напечатан")),
            "1  " + str(msg("lists.exit_failed", "данные не удалось открыть")),
            "2  " + str(msg("lists.exit_usage", "ошибка в команде (дата, состояние или "
                            "профиль)"))),
        **parser_kwargs(),
    }
    holds = subparsers.add_parser(
        "holds", help=str(msg("lists.holds.help", "блокировки, ждущие подтверждения; первой — "
                              "та, что истекает раньше всех")),
        description=str(msg(
            "lists.holds.description", "Все заблокированные платежи (двухстадийные, ждут "
            "подтверждения) с суммой, возрастом и временем до конца блокировки (настройки "
            "hold_warn_days, hold_expire_days). Для свежих данных сначала выполните "
            "`halyk-desk sync`. --json печатает массив JSON объектов с полями: {fields}.",
            fields=HOLD_FIELDS)),
        **common,
    )
    holds.add_argument("--json", action="store_true", help=str(JSON_HELP))
    holds.set_defaults(func=holds_command)

    payments = subparsers.add_parser(
        "payments", help=str(msg("lists.payments.help", "заказы и что банк знает об их "
                                 "платежах")),
        description=str(msg(
            "lists.payments.description", "Заказы магазина и что банк говорит о платеже "
            "каждого, сначала старые. Для свежих данных сначала выполните `halyk-desk sync`. "
            "--json печатает массив JSON объектов с полями: {fields}. Суммы — десятичные "
            "строки (\"1500.00\"); время — ISO 8601 в UTC; отсутствующие значения — null.",
            fields=PAYMENT_FIELDS)),
        **common,
    )
    payments.add_argument("--from", dest="date_from", type=date_arg, metavar="DATE", help=str(msg(
        "lists.payments.from", "заказы, созданные в этот день или позже, {day}", day=DATE_HELP)))
    payments.add_argument("--to", dest="date_to", type=date_arg, metavar="DATE", help=str(msg(
        "lists.payments.to", "заказы, созданные в этот день или раньше")))
    payments.add_argument("--state", dest="states", action="append", type=_states,
                          metavar="STATE", default=[], help=str(msg(
                              "lists.payments.state", "только это состояние (можно повторить "
                              "или перечислить через запятую): {states}", states=STATES)))
    payments.add_argument("--search", default="", metavar="TEXT", help=str(msg(
        "lists.payments.search", "начало invoiceId, RRN или маски карты, последние четыре "
        "цифры карты или начало имени покупателя")))
    payments.add_argument("--json", action="store_true", help=str(JSON_HELP))
    payments.set_defaults(func=payments_command)


JSON_HELP = msg("lists.json", "напечатать массив JSON для скриптов")


def _states(text: str) -> list[str]:
    chosen = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [s for s in chosen if s not in STATES]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(str(msg(
            "lists.unknown_state", "неизвестное состояние {state}: выберите из {states}",
            state=", ".join(unknown) or repr(text), states=STATES)))
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
    local = moment.astimezone(ZoneInfo(ctx.settings["business_tz"])).replace(tzinfo=None)
    return date_text(local, current())


def _span(span: timedelta) -> str:
    """3 d 04 h, 5 h 12 min, 7 min (in the user's language); negative spans with a minus."""
    sign = "-" if span < timedelta(0) else ""
    minutes = int(abs(span).total_seconds()) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        said = msg("lists.span_days", "{days} д {hours} ч", days=str(days), hours=f"{hours:02d}")
    elif hours:
        said = msg("lists.span_hours", "{hours} ч {minutes} мин", hours=str(hours),
                   minutes=f"{mins:02d}")
    else:
        said = msg("lists.span_minutes", "{minutes} мин", minutes=str(mins))
    return f"{sign}{said}"


def _table_line(cells: list[str], widths: list[int], right: set[int]) -> str:
    parts = [c.rjust(w) if i in right else c.ljust(w)
             for i, (c, w) in enumerate(zip(cells, widths, strict=True))]
    return "  ".join(parts).rstrip()


def _money(value: Money) -> str:
    return value.format(current()).replace("\u00a0", " ")


def _heading(cells: list[Message], widths: list[int]) -> tuple[list[str], list[int]]:
    """The column headings in the user's language, and the widths widened to fit them."""
    said = [str(cell) for cell in cells]
    return said, [max(width, len(text)) if width else 0 for text, width in zip(said, widths,
                                                                               strict=True)]


# Fixed widths (a list is printed page by page): the longest invoiceId, date, state and so on.
_INVOICE = msg("lists.column_invoice", "Заказ")
_AMOUNT = msg("lists.column_amount", "Сумма")
_CUSTOMER = msg("lists.column_customer", "Покупатель")
_PAYMENT_HEAD = [_INVOICE, msg("lists.column_created", "Создан"), _AMOUNT,
                 msg("lists.column_state", "Состояние"), msg("lists.column_bank", "Банк"),
                 msg("lists.column_captured", "Списано"), msg("lists.column_refunded",
                                                              "Возвращено"), _CUSTOMER]
_PAYMENT_WIDTHS = [15, 16, 16, 18, 11, 16, 16, 0]
_HOLD_HEAD = [_INVOICE, _AMOUNT, msg("lists.column_held_since", "Заблокирован"),
              msg("lists.column_age", "Возраст"), msg("lists.column_time_left", "Осталось"),
              msg("lists.column_expires", "Истекает"), verbatim(""), _CUSTOMER]
_HOLD_WIDTHS = [15, 16, 16, 10, 11, 16, 7, 0]
_FLAG = 6
_EXPIRED = msg("lists.flag_expired", "ИСТЕКЛА")
_WARN = msg("lists.flag_warn", "СКОРО")


def _payment_cells(ctx: AppContext, row: PaymentRow) -> list[str]:
    return [row.invoice_id, _local(ctx, row.created_at), _money(row.amount), row.state.value,
            row.bank_status or "", _money(row.captured), _money(row.refunded),
            row.customer or ""]


def _hold_cells(ctx: AppContext, hold: HoldRow) -> list[str]:
    flag = str(_EXPIRED) if hold.expired else str(_WARN) if hold.warn else ""
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
    head, widths = _heading(_PAYMENT_HEAD, _PAYMENT_WIDTHS)
    print(_table_line(head, widths, right))
    count = 0
    for row in rows:
        print(_table_line(_payment_cells(ctx, row), widths, right))
        count += 1
    print(msg("lists.orders_count", "%n заказов; время по {time_zone}.", n=count,
              time_zone=ctx.settings["business_tz"]))
    return OK


@with_context
def holds_command(args: argparse.Namespace, ctx: AppContext) -> int:
    ensure_demo(ctx)  # the sandbox's first run shows demo data, as the window does
    holds = list_holds(ctx)
    if args.json:
        print_json_array(hold_json(hold) for hold in holds)
        return OK
    right = {1, 3, 4}
    head, widths = _heading(_HOLD_HEAD, _HOLD_WIDTHS)
    widths[_FLAG] = max(widths[_FLAG], len(str(_EXPIRED)), len(str(_WARN)))
    print(_table_line(head, widths, right))
    for hold in holds:
        print(_table_line(_hold_cells(ctx, hold), widths, right))
    warn = sum(h.warn and not h.expired for h in holds)
    expired = sum(h.expired for h in holds)
    print(msg("lists.holds_count", "%n блокировок (скоро подтвердить или снять: {warn}, истекли: "
              "{expired}); время по {time_zone}.", n=len(holds), warn=warn, expired=expired,
              time_zone=ctx.settings["business_tz"]))
    return OK
