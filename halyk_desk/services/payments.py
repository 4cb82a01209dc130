"""Payments and holds as people and scripts see them: the shop's orders with the bank's picture.

Plain dataclasses out (money as Money, times UTC-aware, states as domain.State values); the window's
models and the CLI's lists are thin layers over these. Filtering, sorting and paging happen in the
database (store.repository), so the lists stay quick on a million orders.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from halyk_desk.domain import State, timeutil, utc_now
from halyk_desk.messages import MessageError, msg
from halyk_desk.reconcile.gc_pause import collector_paused
from halyk_desk.services import links
from halyk_desk.services.links import LinkInfo
from halyk_desk.store import links as store_links
from halyk_desk.store import repository
from halyk_desk.store.links import CallbackRecord

# The lists' one filter and row types, from the store to the window.
from halyk_desk.store.records import HoldRow as HoldRow
from halyk_desk.store.records import PaymentFilter as PaymentFilter
from halyk_desk.store.records import PaymentRow as PaymentRow

if TYPE_CHECKING:
    from halyk_desk.services.workspace import AppContext

#: What list_payments can sort by: every column of the window's list, each on an index (the
#: payment's keys through their copies on the order, store.repository._ORDER_SORTS).
SORT_KEYS = ("created_at", "invoice_id", "amount", "state", "customer", "card_mask", "reference",
             "captured", "refunded", "bank_status", "shop_status")


class SortError(MessageError, ValueError):
    """The list was asked to sort by a column it does not sort by."""


class NoSuchOrder(MessageError, LookupError):
    """No order with that number in the profile."""


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    old_state: State | None
    new_state: State
    old_bank_status: str | None
    new_bank_status: str | None


@dataclass(frozen=True)
class PaymentDetail:
    row: PaymentRow
    #: The bank's transaction fields as it sent them (name, value), for the detail pane.
    bank_fields: list[tuple[str, str]]
    history: list[HistoryEntry]
    #: The payment link the order was made with, if it was.
    link: LinkInfo | None = None
    #: The bank's callbacks about this order, newest first.
    callbacks: list[CallbackRecord] = field(default_factory=list)


@dataclass(frozen=True)
class SyncRunInfo:
    started_at: datetime
    finished_at: datetime | None
    #: running | finished | cancelled | failed | interrupted (killed midway)
    status: str
    total: int
    read: int
    changed: int
    not_found: int
    errors_by_kind: dict[str, int]


def business_range(
    ctx: AppContext, date_from: date | None, date_to: date | None
) -> tuple[datetime | None, datetime | None]:
    """[start, end) in UTC of the business days date_from..date_to (both included)."""
    return timeutil.business_range(date_from, date_to, business_tz(ctx))


def business_tz(ctx: AppContext) -> ZoneInfo:
    return ZoneInfo(ctx.settings["business_tz"])


def count_payments(ctx: AppContext, flt: PaymentFilter) -> int:
    with ctx.store.session(readonly=True) as session:
        return repository.count_payments(session, ctx.profile.name, flt, tz=business_tz(ctx))


def list_payments(
    ctx: AppContext,
    flt: PaymentFilter,
    *,
    sort: str = "created_at",
    descending: bool = True,
    offset: int = 0,
    limit: int | None = 200,
    after: str | None = None,
    before: str | None = None,
    cancel: threading.Event | None = None,
) -> list[PaymentRow]:
    """One page of the filtered list; `limit=None` for all of it (the CLI). `after` or `before`
    (an invoiceId) page from that row instead of counting `offset` rows, where the sort allows;
    setting `cancel` stops the query with repository.Cancelled: see
    store.repository.list_payments."""
    if sort not in SORT_KEYS:
        raise SortError(msg("payments.bad_sort", "Список не сортируется по «{sort}»: выберите "
                            "одно из {choices}.", sort=sort, choices=list(SORT_KEYS)))
    with ctx.store.session(readonly=True) as session:
        return repository.list_payments(
            session, ctx.profile.name, flt, tz=business_tz(ctx), sort=sort,
            descending=descending, offset=offset, limit=limit, after=after, before=before,
            cancel=cancel,
        )


def _bank_fields(raw_reply: str | None, card_mask: str | None) -> list[tuple[str, str]]:
    if not raw_reply:
        return []
    try:
        reply = json.loads(raw_reply, parse_float=Decimal)  # amounts as the bank wrote them
    except ValueError:
        return [("reply", raw_reply)]
    transaction = reply.get("transaction") if isinstance(reply, dict) else None
    fields = transaction if isinstance(transaction, dict) else reply
    if not isinstance(fields, dict):
        return [("reply", raw_reply)]
    shown = []
    for name, value in fields.items():
        if name == "cardMask":
            value = card_mask  # the masked form we keep, never a number the bank spelled out
        shown.append((str(name), _field_text(value)))
    return shown


def _field_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def payment_detail(ctx: AppContext, invoice_id: str) -> PaymentDetail:
    """The order's row, the bank's fields from its last reply, and the status history.
    LookupError when the profile has no such order."""
    profile = ctx.profile.name
    with ctx.store.session(readonly=True) as session:
        # The search is a prefix match on several columns: keep the exact order only.
        candidates = repository.list_payments(
            session, profile, PaymentFilter(text=invoice_id), tz=business_tz(ctx), limit=None
        )
        found = next((r for r in candidates if r.invoice_id == invoice_id), None)
        if found is None:
            raise NoSuchOrder(msg("payments.no_order", "В профиле «{profile}» нет заказа "
                                  "{invoice}.", invoice=invoice_id, profile=profile))
        payment = repository.get_payment(session, profile, invoice_id)
        history = repository.status_history(session, profile, invoice_id)
        notices = store_links.list_callbacks(session, profile, invoice_id)
    return PaymentDetail(
        row=found,
        bank_fields=_bank_fields(payment.raw_reply if payment else None, found.card_mask),
        history=[
            HistoryEntry(h.at, h.old_state, h.new_state, h.old_bank_status, h.new_bank_status)
            for h in history
        ],
        link=links.get_link(ctx, invoice_id),
        callbacks=notices,
    )


def list_holds(ctx: AppContext, *, now: datetime | None = None) -> list[HoldRow]:
    """Every held payment, the one with the least time left first.

    Thousands of holds are tens of thousands of new objects: with the cyclic collector paused
    (they hold no cycles) no full collection starts midway, which would hold the GIL, and so the
    window, for a tenth of a second."""
    moment = now or utc_now()
    with collector_paused(), ctx.store.session(readonly=True) as session:
        return repository.list_holds(
            session, ctx.profile.name, now=moment, warn_days=ctx.settings["hold_warn_days"],
            expire_days=ctx.settings["hold_expire_days"],
        )


def last_sync(ctx: AppContext) -> SyncRunInfo | None:
    with ctx.store.session(readonly=True) as session:
        run = repository.last_sync_run(session, ctx.profile.name)
    if run is None:
        return None
    return SyncRunInfo(
        started_at=run.started_at, finished_at=run.finished_at, status=run.status,
        total=run.total, read=run.read_count, changed=run.changed_count,
        not_found=run.not_found_count, errors_by_kind=dict(run.errors),
    )
