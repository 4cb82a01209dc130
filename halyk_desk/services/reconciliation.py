"""Daily reconciliation from the store: the engine's inputs read in bulk, every run recorded,
"resolved" marks kept across runs, the workbook exported.

    recon = run_reconciliation(ctx, date(2026, 11, 1), date(2026, 11, 1))
    recon.open_count                      # discrepancies nobody has marked resolved
    mark_resolved(ctx, "invoice:000123", "Магазин исправил сумму", category="amount_mismatch")
    export_workbook(ctx, recon, Path("сверка.xlsx"))

What is read: the period's orders with the store's picture of their payments (one LEFT JOIN over
the orders' (profile, created_at) index), payments of the period no order claims, the bank's
operations list where the profile can read it (it reveals payments the status API cannot: a
second payment for an order, a payment for an invoiceId the shop does not know), and the
journal's operations. Rows are read as plain tuples a partition at a time (server-side cursors on
PostgreSQL), never as ORM objects, so a million orders take seconds.

A run is recorded only when it is complete; with `record=False` the caller records it later with
`record_run` (the CLI does so after its workbook is written, so a failed export leaves nothing).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from halyk_desk.domain import Money, State, utc_now
from halyk_desk.domain.journal import UNRESOLVED
from halyk_desk.domain.text import check_text
from halyk_desk.domain.timeutil import business_day_bounds
from halyk_desk.epay.errors import AuthenticationFailed, BankRefused, EpayError
from halyk_desk.messages import Message, MessageError, msg, verbatim
from halyk_desk.reconcile import (
    ATTENTION,
    CATEGORIES,
    BankOperation,
    BankPayment,
    Discrepancy,
    OpenOperation,
    ReconcileResult,
    ReconcileSettings,
    ResolvedMark,
    ShopOrder,
    reconcile,
    to_json,
)
from halyk_desk.reconcile.categories import Category
from halyk_desk.reconcile.gc_pause import collector_paused
from halyk_desk.reports import OperationLine, ReportMeta, write_reconciliation_workbook
from halyk_desk.services import audit, operations, operators
from halyk_desk.services.bank import BankSetupError, keep_operations_paging, open_bank
from halyk_desk.services.changes import Changes
from halyk_desk.services.links import settle_expired
from halyk_desk.store import Session, repository
from halyk_desk.store import reconciliation as stored
from halyk_desk.store.reconciliation import NO_PAYMENT
from halyk_desk.store.records import MarkRecord
from halyk_desk.store.records import RunRecord as RunRecord  # the history's one row type

#: A reconciliation run saved (it settles expired links on the way), or a discrepancy marked
#: resolved (audited).
CHANGES = Changes(reconciliation=True, links=True, audit=True)

if TYPE_CHECKING:
    from halyk_desk.services.workspace import AppContext

#: The operations list is asked for a day either side of the period: an order at 23:59 finds a
#: second payment made at 00:01.
MARGIN = timedelta(days=1)
#: Key prefixes the engine gives discrepancies (reconcile.engine): what `mark_resolved` accepts.
KEY_PREFIXES = ("invoice:", "order:", "transaction:", "operation:")
MAX_NOTE = 1000
#: The recorded summary's list of [category, key] open when the run was made.
OPEN_KEYS = "open"

#: The journal's statuses as the workbook and the discrepancy messages name them.
JOURNAL_STATUS_TITLES = {
    "pending_approval": msg("recon.journal.pending_approval", "ждёт одобрения второго менеджера"),
    "intent": msg("recon.journal.intent", "отправляется"),
    "sent": msg("recon.journal.sent", "отправлено, ждём ответа банка"),
    "unknown": msg("recon.journal.unknown", "результат неизвестен, уточняется у банка"),
    "done": msg("recon.journal.done", "выполнена"),
    "refused": msg("recon.journal.refused", "банк не выполнил"),
    "rejected": msg("recon.journal.rejected", "отклонена менеджером"),
}

#: What became of the operations list in a run (OperationsList.status).
LIST_READ, LIST_OFF, LIST_NOT_AVAILABLE, LIST_FAILED = "read", "off", "not_available", "failed"


class ReconciliationCancelled(MessageError):
    """The person stopped the run; nothing was recorded."""


class MarkError(MessageError, ValueError):
    """A "resolved" mark refused: an unknown key or category, a missing or too long note."""


class EmptyPeriod(MessageError, ValueError):
    """The period has nothing to reconcile: no order, no payment, no operation in the store."""


@dataclass(frozen=True, slots=True)
class ReconcileProgress:
    """stage: "reading" (done/total orders), "operations_list" (records so far), "matching",
    "saving", "export" (done/total rows of the workbook)."""

    stage: str
    done: int = 0
    total: int | None = None


@dataclass(frozen=True, slots=True)
class OperationsList:
    """Whether the bank's operations list took part: `status` one of read, off (not asked),
    not_available (the bank refuses it to this profile), failed (the bank could not be read);
    `note` says why for the last two."""

    status: str
    records: int = 0
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "records": self.records, "note": self.note}


@dataclass(frozen=True)
class Reconciliation:
    """One run: the engine's result, who ran it and when, and what the workbook needs besides.

    `run_id` is None until the run is recorded. `unread_orders` counts orders of the period whose
    payment was never read from the bank (they show as missing at the bank: sync first).
    """

    result: ReconcileResult
    profile: str
    terminal: str
    operator: str
    at: datetime
    operations_list: OperationsList
    journal: tuple[OperationLine, ...]
    unread_orders: int
    run_id: int | None = None
    #: The audit log's head (N:HASH) when the run read its data; None for an empty log.
    audit_head: str | None = None

    @property
    def open_discrepancies(self) -> list[Discrepancy]:
        return [d for d in self.result.discrepancies if not d.resolved]

    @property
    def open_count(self) -> int:
        return sum(1 for d in self.result.discrepancies if not d.resolved)

    def with_mark(self, mark: ResolvedMark, *, every_category: bool = False) -> Reconciliation:
        """This run as it reads once `mark` is made (what mark_resolved returns): the window
        shows and exports it without running again. `every_category`: a mark made without one."""
        r = self.result
        items = tuple(
            replace(d, mark=mark) if d.key == mark.key and (every_category
                                                             or d.category == mark.category)
            else d
            for d in r.discrepancies
        )
        resolved = Counter(d.category for d in items if d.resolved)
        categories = {k: replace(t, resolved=resolved[k]) for k, t in r.categories.items()}
        return replace(self, result=replace(r, discrepancies=items, categories=categories))

    def summary(self) -> dict[str, Any]:
        """What a run's record keeps: the --json document without the discrepancy list."""
        r = self.result
        return {
            **to_json(r),
            "profile": self.profile,
            "terminal": self.terminal,
            "operator": self.operator,
            "at": self.at.isoformat(),
            "orders": r.orders,
            "orders_expecting_payment": r.orders_expecting_payment,
            "ordered": r.ordered.to_json(),
            "captured": r.captured.to_json(),
            "refunded": r.refunded.to_json(),
            "net": r.net.to_json(),
            "discrepancies_open": self.open_count,
            "discrepancies_resolved": len(r.discrepancies) - self.open_count,
            "unread_orders": self.unread_orders,
            "operations_list": self.operations_list.to_json(),
            "audit_head": self.audit_head,
        }

    def to_json(self) -> dict[str, Any]:
        """The CLI's --json: the issue's keys (from, to, time_zone, match_rate, categories with
        every key) first, then the run's figures and every discrepancy with its key for marks."""
        return {
            **self.summary(),
            "run_id": self.run_id,
            "discrepancies": [discrepancy_json(d) for d in self.result.discrepancies],
        }


def discrepancy_json(d: Discrepancy) -> dict[str, Any]:
    def money(value: Money | None) -> str | None:
        return None if value is None else value.to_json()

    return {
        "category": d.category,
        "key": d.key,
        "day": d.day.isoformat() if d.day else None,
        "invoice_id": d.invoice_id,
        "transaction_id": d.transaction_id,
        "shop_amount": money(d.shop_amount),
        "bank_amount": money(d.bank_amount),
        "difference": money(d.difference),
        "message": str(d.message),
        "code": d.message.code,
        "params": d.message.json_params(),
        "resolved": d.resolved,
        "note": d.mark.note if d.mark else None,
        "resolved_by": d.mark.by if d.mark else None,
    }


# --- settings and checks --------------------------------------------------------------------------

def reconcile_settings(ctx: AppContext, now: datetime | None = None) -> ReconcileSettings:
    s = ctx.settings
    return ReconcileSettings(
        tz=ZoneInfo(s["business_tz"]),
        amount_tolerance=Money(s["amount_tolerance"]),
        hold_warn_days=s["hold_warn_days"],
        hold_expire_days=s["hold_expire_days"],
        now=now or utc_now(),
    )


def check_period(date_from: date, date_to: date, settings: ReconcileSettings) -> None:
    """The engine's own checks of dates and settings (ReconcileError), before anything is read:
    it reconciles nothing, which costs nothing."""
    reconcile(date_from, date_to, (), [], settings=settings)


# --- the store's rows as the engine's records -----------------------------------------------------

_STATES = {s.value: s for s in State}


class _Builder:
    """Store rows → the engine's records, as cheaply as they can be made.

    Equal amounts share one Money (a matched line needs one for its order and all of its
    payment). Each currency code is checked once by Money itself; after that a Money is made
    without its checks, which would cost a third of the build: the values are the store's own
    integer columns, written through Money in the first place.
    """

    def __init__(self) -> None:
        self._zero: dict[str, Money] = {}
        self._codes: dict[str, str] = {}

    def money(self, minor: int, currency: str) -> Money:
        code = self._codes.get(currency)
        if code is None:
            code = self._codes[currency] = Money(minor, currency).currency
        value = _new_money(Money)
        _set(value, "minor", minor)
        _set(value, "currency", code)
        return value

    def zero(self, currency: str) -> Money:
        z = self._zero.get(currency)
        if z is None:
            z = self._zero[currency] = Money(0, currency)
        return z

    def order(self, row: Any) -> ShopOrder:
        inv, minor, currency, created, customer, status, paid = row[:7]
        return ShopOrder(inv, self.money(minor, currency), created, customer or "", paid,
                         status, None, inv)

    def payment(self, inv: str, row: Any, like: Money | None) -> BankPayment:
        """`row` holds store.reconciliation.PAYMENT_COLUMNS; `like` is an amount (the order's)
        to share when equal."""
        (tx, status, state, currency, original, held, captured, refunded, remaining, reference,
         card, paid_at) = row
        zero = self.zero(currency)
        if like is not None and like.minor == original and like.currency == currency:
            org = like
        else:
            org = self.money(original, currency)
        amounts = []
        for minor in (remaining, held, captured, refunded):
            if minor == original:
                amounts.append(org)
            elif minor == 0:
                amounts.append(zero)
            else:
                amounts.append(self.money(minor, currency))
        rest, on_hold, took, back = amounts
        return BankPayment(inv, tx or "", status or "", _STATES[state], rest, org, on_hold, took,
                           back, None, paid_at, reference, card)


_new_money = object.__new__
_set = object.__setattr__


@dataclass
class _Inputs:
    orders: list[ShopOrder]
    payments: list[BankPayment]
    unread: int
    invoices: set[str]


def read_inputs(
    session: Session, pid: int, start: datetime, end: datetime,
    tick: Callable[[int, int], None] = lambda done, total: None,
) -> _Inputs:
    """The period's orders with their payments, and the period's payments without an order."""
    total = stored.count_orders(session, pid, start, end)
    build = _Builder()
    orders: list[ShopOrder] = []
    payments: list[BankPayment] = []
    unread = 0
    add_order, add_payment = orders.append, payments.append
    with collector_paused():
        for part in stored.period_lines(session, pid, start, end):
            for row in part:
                order = build.order(row)
                add_order(order)
                state = row[9]
                if state is None or state == State.UNKNOWN.value:
                    unread += 1
                if state is not None and state not in NO_PAYMENT:
                    add_payment(build.payment(row[0], row[7:], order.amount))
            tick(len(orders), total)
    # Every payment row is made by reading an order, so this is nearly always empty; an order
    # deleted from the shop's records would leave its payment here.
    for part in stored.orphan_payments(session, pid, start, end):
        payments.extend(build.payment(row[0], row[1:], None) for row in part)
    return _Inputs(orders, payments, unread, {o.invoice_id for o in orders if o.invoice_id})


def _orders_by_invoice(session: Session, pid: int, invoice_ids: Iterable[str]) -> list[ShopOrder]:
    """Orders of other periods that claim operations-list rows (the engine then leaves them out)."""
    build = _Builder()
    return [build.order(row) for row in stored.orders_by_invoice(session, pid, invoice_ids)]


# --- the bank's operations list -------------------------------------------------------------------

def _bank_operation(record: Any) -> BankOperation | None:
    """An operations-list row for the engine; None when it cannot be placed (no id or date)."""
    if not record.transaction_id or record.created_at is None:
        return None
    amount = record.original or record.remaining or Money(0, record.currency)
    return BankOperation(record.invoice_id, record.transaction_id, record.status_name or "",
                         amount, record.created_at, record.reference, record.card_mask)


def read_operations_list(
    ctx: AppContext, start: datetime, end: datetime, cancel: threading.Event,
    tick: Callable[[int], None] = lambda done: None,
) -> tuple[list[BankOperation], OperationsList]:
    """The bank's operations list of [start, end) and what became of asking for it. A bank that
    refuses it to this profile, or cannot be reached, is noted, not fatal: the store still gives
    every order's payment."""
    found: list[BankOperation] = []
    skipped = 0
    try:
        with open_bank(ctx) as client:
            try:
                records = client.iter_operations(
                    start, end, zone=ZoneInfo(ctx.settings["business_tz"]))
            finally:
                keep_operations_paging(ctx, client)
            for record in records:
                if cancel.is_set():
                    raise ReconciliationCancelled(msg("recon.run_stopped",
                                                      "Сверка остановлена."))
                op = _bank_operation(record)
                if op is None:
                    skipped += 1
                else:
                    found.append(op)
                if len(found) % 1000 == 0:
                    tick(len(found))
    except (AuthenticationFailed, BankRefused, BankSetupError) as exc:
        return [], OperationsList(LIST_NOT_AVAILABLE, note=_why(exc))
    except EpayError as exc:
        return [], OperationsList(LIST_FAILED, note=_why(exc))
    note = (str(msg("recon.records_skipped", "Записей без номера транзакции или даты: {count}; "
                    "они не учтены.", count=skipped)) if skipped else None)
    return found, OperationsList(LIST_READ, len(found), note)


def _why(exc: BaseException) -> str:
    return str(exc).strip() or type(exc).__name__


def _cancelled() -> Message:
    return msg("recon.run_cancelled", "Сверка остановлена; ничего не записано.")


# --- the journal ----------------------------------------------------------------------------------

def _journal(
    ctx: AppContext, invoices: set[str], start: datetime, end: datetime
) -> tuple[list[OpenOperation], list[OperationLine]]:
    """The journal's operations of the period (made in it, or on one of its orders): the open
    ones for the engine, all of them for the workbook, oldest first."""
    open_ops: list[OpenOperation] = []
    lines: list[OperationLine] = []
    for op in reversed(operations.list_operations(ctx, limit=None)):
        if op.invoice_id not in invoices and not start <= op.created_at < end:
            continue
        status = JOURNAL_STATUS_TITLES.get(op.status) or verbatim(op.status)
        if op.status in UNRESOLVED:
            open_ops.append(OpenOperation(op.invoice_id, op.action, op.amount, status,
                                          op.transaction_id, op.created_at, op.external_id))
        lines.append(OperationLine(
            op.created_at, op.action, op.invoice_id, op.transaction_id, op.amount, str(status),
            str(op.reason), op.operator, op.approved_by or "", op.resolved_at, op.external_id,
        ))
    return open_ops, lines


# --- marks ----------------------------------------------------------------------------------------

def _marks(session: Session, pid: int) -> list[ResolvedMark]:
    """Every mark of the profile; a mark without a category stands in each attention category
    (listed first, so that a mark of one category takes its place there)."""
    marks = []
    for mark in stored.list_marks(session, pid):
        for c in (Category(mark.category),) if mark.category else sorted(ATTENTION):
            marks.append(ResolvedMark(c, mark.key, mark.note, mark.operator, mark.at))
    return marks


def mark_resolved(
    ctx: AppContext, key: str, note: str, *, category: str | None = None
) -> ResolvedMark:
    """Mark the discrepancy `key` (e.g. "invoice:000123") resolved with a note, in `category` or,
    without one, in every category it appears in. Later runs show it resolved. A second mark of
    the same discrepancy replaces the note. Audit-logged; needs the reconcile permission. Returns
    the mark (its category "" when made without one)."""
    key = (key or "").strip()
    note = (note or "").strip()
    if not key.startswith(KEY_PREFIXES) or len(key) > 200 or key in KEY_PREFIXES:
        raise MarkError(msg(
            "recon.bad_key", "«{key}» — не ключ расхождения: ключи выглядят как invoice:000123, "
            "transaction:<номер в банке> или operation:<номер>; их показывает "
            "`halyk-desk reconcile --json`.", key=key))
    if category is not None and category not in ATTENTION:
        raise MarkError(msg(
            "recon.bad_category", "«{category}» — не категория расхождений, которые отмечают "
            "решёнными: выберите одну из {choices}.", category=category,
            choices=[str(c) for c in CATEGORIES if c in ATTENTION]))
    if not note:
        raise MarkError(msg("recon.note_required",
                            "Нужен комментарий: напишите, как расхождение решено."))
    check_text(note, "note", multiline=True)
    if len(note) > MAX_NOTE:
        raise MarkError(msg("recon.note_too_long",
                            "Комментарий слишком длинный: не больше {max} знаков.", max=MAX_NOTE))
    profile = ctx.profile.name
    with ctx.store.session() as session:
        who = operators.require_in(session, ctx.operator, operators.RECONCILE)
        pid = repository.profile_id(session, profile)
        mark = MarkRecord(category or "", key, note, who.name, utc_now())
        old = stored.save_mark(session, pid, mark)
        audit.append(session, operator=who.name, action="reconcile.mark", subject=key,
                     profile=profile,
                     details={"category": category, "note": note, "old_note": old})
        return ResolvedMark(Category(category) if category else None, key, note, who.name,
                            mark.at)


# --- a run ----------------------------------------------------------------------------------------

def run_reconciliation(
    ctx: AppContext,
    date_from: date,
    date_to: date,
    *,
    use_operations_list: bool = True,
    progress: Callable[[ReconcileProgress], None] | None = None,
    cancel: threading.Event | None = None,
    record: bool = True,
    now: datetime | None = None,
) -> Reconciliation:
    """Reconcile the business days date_from..date_to (both included, settings business_tz).

    Raises ReconcileError (dates or settings), EmptyPeriod (nothing in the store for those days),
    NotAllowed (the operator may not reconcile), ReconciliationCancelled (`cancel` was set; nothing
    recorded). `progress` is called on this thread. `now` fixes "now" for hold ages (tests).
    """
    settings = reconcile_settings(ctx, now)
    check_period(date_from, date_to, settings)
    cancel = cancel or threading.Event()
    report = progress or (lambda _p: None)
    operator = operators.require(ctx, operators.RECONCILE).name
    start = business_day_bounds(date_from, settings.tz)[0]
    end = business_day_bounds(date_to, settings.tz)[1]

    def tick(done: int, total: int) -> None:
        if cancel.is_set():
            raise ReconciliationCancelled(_cancelled())
        report(ReconcileProgress("reading", done, total))

    profile = ctx.profile.name
    settle_expired(ctx)  # a link that expired unpaid is no longer expected money
    with ctx.store.session(readonly=True) as session:
        pid = repository.profile_id(session, profile)
        tick(0, 0)
        inputs = read_inputs(session, pid, start, end, tick)
        marks = _marks(session, pid)
        # The audit log as it stood: the workbook and --json carry it, so that a later
        # `audit verify --head` proves the log since then kept every entry unchanged.
        head = audit.head(session)
    bank_ops: list[BankOperation] = []
    listing = OperationsList(LIST_OFF)
    if use_operations_list:
        report(ReconcileProgress("operations_list", 0))
        bank_ops, listing = read_operations_list(
            ctx, start - MARGIN, end + MARGIN, cancel,
            lambda done: report(ReconcileProgress("operations_list", done)))
        if bank_ops:
            known = {p.transaction_id for p in inputs.payments}
            strangers = {op.invoice_id for op in bank_ops
                         if op.transaction_id not in known and op.invoice_id
                         and op.invoice_id not in inputs.invoices}
            if strangers:
                with ctx.store.session(readonly=True) as session:
                    inputs.orders.extend(_orders_by_invoice(session, pid, strangers))
    open_ops, journal = _journal(ctx, inputs.invoices, start, end)
    in_period = [op for op in bank_ops if start <= op.created_at < end]
    if not (inputs.orders or inputs.payments or in_period or open_ops):
        raise EmptyPeriod(msg(
            "recon.empty_period", "Сверять нечего с {date_from} по {date_to} ({zone}): в профиле "
            "«{profile}» за эти дни нет ни заказов, ни платежей, ни операций. Проверьте даты, "
            "загрузите заказы магазина (`halyk-desk orders import`) и прочитайте их платежи "
            "(`halyk-desk sync`).", date_from=date_from, date_to=date_to, zone=settings.tz.key,
            profile=profile))
    if cancel.is_set():
        raise ReconciliationCancelled(_cancelled())
    report(ReconcileProgress("matching"))
    result = reconcile(date_from, date_to, inputs.orders, inputs.payments, operations=bank_ops,
                       open_operations=open_ops, marks=marks, settings=settings)
    recon = Reconciliation(
        result=result, profile=profile, terminal=ctx.profile.terminal_id or "",
        operator=operator, at=settings.now, operations_list=listing, journal=tuple(journal),
        unread_orders=inputs.unread, audit_head=None if head is None else str(head),
    )
    if not record:
        return recon
    report(ReconcileProgress("saving"))
    return record_run(ctx, recon)


def record_run(ctx: AppContext, recon: Reconciliation) -> Reconciliation:
    """Keep the run's summary; returns it with its run_id."""
    r = recon.result
    with ctx.store.session() as session:
        run_id = stored.add_run(
            session, repository.profile_id(session, recon.profile), date_from=r.period_from,
            date_to=r.period_to, time_zone=r.time_zone, operator=recon.operator, at=recon.at,
            summary={**recon.summary(),
                     OPEN_KEYS: [[d.category, d.key] for d in recon.open_discrepancies]},
        )
        return replace(recon, run_id=run_id)


def open_discrepancy_count(ctx: AppContext) -> int | None:
    """The discrepancies of the profile's latest run that nobody has marked resolved since (the
    dashboard's figure); None before the first run (nothing is known, not "none")."""
    with ctx.store.session(readonly=True) as session:
        pid = repository.profile_id(session, ctx.profile.name)
        summary = stored.latest_summary(session, pid)
        if summary is None:
            return None
        marked = {(m.category, m.key) for m in _marks(session, pid)}
    return sum(1 for category, key in summary.get(OPEN_KEYS, []) if (category, key) not in marked)


def list_runs(ctx: AppContext, *, limit: int = 50) -> list[RunRecord]:
    """The profile's recorded runs, newest first."""
    with ctx.store.session(readonly=True) as session:
        return stored.list_runs(session, repository.profile_id(session, ctx.profile.name),
                                limit=limit)


# --- the workbook ---------------------------------------------------------------------------------

def export_workbook(
    ctx: AppContext,
    recon: Reconciliation,
    path: str | Path,
    progress: Callable[[ReconcileProgress], None] | None = None,
    cancel: threading.Event | None = None,
) -> Path:
    """Write the workbook of `recon` to `path` (.xlsx; a temporary file moved into place).
    Raises ExportError (the path cannot be written: nothing is left), ExportCancelled, NotAllowed.
    """
    operators.require(ctx, operators.EXPORT)
    meta = ReportMeta(profile=recon.profile, terminal=recon.terminal, generated_at=utc_now(),
                      generated_by=ctx.operator, audit_head=recon.audit_head)

    def tick(done: int, total: int) -> None:
        if progress is not None:
            progress(ReconcileProgress("export", done, total))

    return write_reconciliation_workbook(path, recon.result, meta,
                                         refunds_and_operations=recon.journal, progress=tick,
                                         cancel=cancel)
