"""The queries the services need, in and out as plain records (halyk_desk.store.records).

Every function takes an open Session from `Store.session()` and never commits: the caller's
transaction decides what is all or nothing (an import of a whole file, one sync read...).
Profiles are named by their name; an unknown name raises UnknownProfile.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from datetime import datetime, timedelta
from itertools import islice
from math import isqrt
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    union,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from halyk_desk.domain import (
    DEFAULT_CURRENCY,
    FINAL_STATES,
    Money,
    State,
    normalize_invoice_id,
    utc_now,
)
from halyk_desk.domain.links import PAID_STATES, LinkState
from halyk_desk.domain.timeutil import as_utc, business_range
from halyk_desk.messages import MessageError, msg
from halyk_desk.store.link_models import PaymentLink
from halyk_desk.store.models import Base, Order, Payment, Profile, StatusChange, SyncRun
from halyk_desk.store.records import (
    HoldRow,
    OrderRecord,
    PaymentFilter,
    PaymentRecord,
    PaymentRow,
    ProfileRecord,
    SavedPayment,
    StatusChangeRecord,
    SyncCandidate,
    SyncRunRecord,
    UpsertResult,
)

#: Rows per statement for bulk work: far below every database's limit on bound parameters.
CHUNK = 500
SYNC_RUN_ENDINGS = frozenset({"finished", "cancelled", "failed"})
#: A run that has not beaten for this long was killed (services/sync.py beats every 30 s; the
#: margin covers a writer waiting for the database's lock).
SYNC_RUN_SILENT = timedelta(minutes=5)

T = TypeVar("T")


class Cancelled(Exception):
    """The caller's cancel event was set while its query ran: the query stopped, nothing came."""


class UnknownProfile(MessageError, LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(msg("store.unknown_profile", "Профиля «{name}» нет; какие профили "
                             "есть, показывает `halyk-desk profile list`.", name=name))
        self.name = name


def _chunks(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _prefix(column: Any, prefix: str) -> ColumnElement[bool]:
    """`column` starts with `prefix`, as an index range (the columns compare binary, see
    types.code_string). U+10FFFF is the largest code point, so it bounds every continuation."""
    return and_(column >= prefix, column < prefix + "\U0010ffff")


def search_key(text: str) -> str:
    """What search and sorting by name compare: case folded, ё as е (people type either)."""
    return text.casefold().replace("ё", "е")


def _dialect_insert(session: Session) -> Any:
    """INSERT with ON CONFLICT, which both our databases speak."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


# --- profiles -------------------------------------------------------------------------------------

def profile_id(session: Session, name: str) -> int:
    found = session.scalar(select(Profile.id).where(Profile.name == name))
    if found is None:
        raise UnknownProfile(name)
    return found


def _profile_record(row: Profile) -> ProfileRecord:
    return ProfileRecord(name=row.name, kind=row.kind, oauth_url=row.oauth_url,
                         api_url=row.api_url, client_id=row.client_id, terminal_id=row.terminal_id,
                         cabinet_user=row.cabinet_user, operations_paging=row.operations_paging,
                         shop_id=row.shop_id, callback_url=row.callback_url)


def save_profile(session: Session, record: ProfileRecord) -> None:
    """Add the profile, or replace the addresses and ids of the one with that name. The paging
    convention found for its bank is kept unless the API address changed."""
    row = session.scalar(select(Profile).where(Profile.name == record.name))
    if row is None:
        row = Profile(name=record.name, created_at=utc_now())
        session.add(row)
    elif row.api_url != record.api_url:
        row.operations_paging = None  # another bank: find out again
    for name in ("kind", "oauth_url", "api_url", "client_id", "terminal_id", "cabinet_user",
                 "shop_id", "callback_url"):
        setattr(row, name, getattr(record, name))
    if record.operations_paging is not None:
        row.operations_paging = record.operations_paging
    session.flush()


def set_operations_paging(session: Session, profile: str, paging: str | None) -> None:
    """Keep (or with None, forget) how the profile's bank pages its operations list."""
    session.execute(update(Profile).where(Profile.name == profile)
                    .values(operations_paging=paging))


def ensure_profile(session: Session, record: ProfileRecord) -> None:
    """Add the profile unless one with that name exists (which is left as it is). Safe when two
    programs do it at once on one PostgreSQL database."""
    session.execute(
        _dialect_insert(session)(Profile)
        .values(name=record.name, kind=record.kind, oauth_url=record.oauth_url,
                api_url=record.api_url, client_id=record.client_id,
                terminal_id=record.terminal_id, created_at=utc_now())
        .on_conflict_do_nothing(index_elements=["name"])
    )


def get_profile(session: Session, name: str) -> ProfileRecord | None:
    row = session.scalar(select(Profile).where(Profile.name == name))
    return None if row is None else _profile_record(row)


def profile_in_use(session: Session, name: str) -> bool:
    """Whether anything in the store belongs to the profile (orders, payments, operations...)."""
    pid = profile_id(session, name)
    for table in Base.metadata.sorted_tables:
        if "profile_id" in table.c and session.scalar(
                select(table.c.profile_id).where(table.c.profile_id == pid).limit(1)) is not None:
            return True
    return False


def delete_profile(session: Session, name: str) -> None:
    session.execute(delete(Profile).where(Profile.name == name))


def list_profiles(session: Session) -> list[ProfileRecord]:
    return [_profile_record(row) for row in session.scalars(select(Profile).order_by(Profile.name))]


# --- orders ---------------------------------------------------------------------------------------

#: What an order says; a re-import with the same values changes nothing (not even its source).
_ORDER_VALUES = ("amount_minor", "currency", "created_at", "customer", "shop_status", "shop_paid")


def _order_values(record: OrderRecord) -> dict[str, Any]:
    customer = record.customer.strip() if record.customer else None
    return {
        "invoice_id": normalize_invoice_id(record.invoice_id),
        "amount_minor": record.amount_minor,
        "currency": record.currency.strip().upper(),
        "created_at": as_utc(record.created_at),
        "customer": customer or None,
        "customer_key": search_key(customer)[:255] if customer else None,
        "shop_status": record.shop_status,
        "shop_paid": record.shop_paid,
        "source_file": record.source_file,
        "source_row": record.source_row,
    }


def upsert_orders(
    session: Session, profile: str, rows: Iterable[OrderRecord], *, now: datetime | None = None
) -> UpsertResult:
    """Insert new orders and update changed ones, in bulk. An invoiceId twice in `rows` raises
    ValueError; so does an invalid one (InvoiceIdError). Whether a failure keeps the rows written
    before it is the caller's transaction's business (an import rolls the whole file back)."""
    pid = profile_id(session, profile)
    stamp = now or utc_now()
    seen: set[str] = set()
    inserted = updated = unchanged = 0
    for chunk in _chunks(rows):
        values = [_order_values(r) for r in chunk]
        for v in values:
            if v["invoice_id"] in seen:
                raise ValueError(f"invoiceId {v['invoice_id']} is given twice")
            seen.add(v["invoice_id"])
        existing = {
            row.invoice_id: row
            for row in session.execute(
                select(Order.id, Order.invoice_id, *(getattr(Order, n) for n in _ORDER_VALUES))
                .where(Order.profile_id == pid,
                       Order.invoice_id.in_([v["invoice_id"] for v in values]))
            )
        }
        new, changed = [], []
        for v in values:
            old = existing.get(v["invoice_id"])
            if old is None:
                new.append({**v, "profile_id": pid, "imported_at": stamp})
            elif any(getattr(old, n) != v[n] for n in _ORDER_VALUES):
                changed.append({**v, "id": old.id, "imported_at": stamp})
            else:
                unchanged += 1
        if new:
            # Core's executemany on the table (not the ORM's bulk path): one statement, many rows.
            session.execute(insert(cast(Table, Order.__table__)), new)
        if changed:
            session.execute(update(Order), changed)
        inserted += len(new)
        updated += len(changed)
    return UpsertResult(inserted=inserted, updated=updated, unchanged=unchanged)


def get_orders(
    session: Session, profile: str, invoice_ids: Iterable[str]
) -> dict[str, OrderRecord]:
    """The stored orders among `invoice_ids`, by invoiceId (for an import to spot conflicts)."""
    pid = profile_id(session, profile)
    found: dict[str, OrderRecord] = {}
    for chunk in _chunks(invoice_ids):
        for row in session.scalars(
            select(Order).where(Order.profile_id == pid, Order.invoice_id.in_(chunk))
        ):
            found[row.invoice_id] = OrderRecord(
                invoice_id=row.invoice_id, amount_minor=row.amount_minor,
                created_at=row.created_at, currency=row.currency, customer=row.customer,
                shop_status=row.shop_status, shop_paid=row.shop_paid,
                source_file=row.source_file, source_row=row.source_row,
            )
    return found


def count_orders(session: Session, profile: str) -> int:
    pid = profile_id(session, profile)
    return session.scalar(select(func.count()).where(Order.profile_id == pid)) or 0


# --- payments -------------------------------------------------------------------------------------

_PAYMENT_FIELDS = tuple(f.name for f in fields(PaymentRecord) if f.name != "invoice_id")
#: Fields that are the bank's picture; the others say when and how it was read.
_BANK_FIELDS = tuple(
    n for n in _PAYMENT_FIELDS if n not in ("last_read_at", "read_error", "raw_reply")
)


def _card_last4(mask: str | None) -> str | None:
    digits = "".join(ch for ch in (mask or "")[-4:] if ch.isdigit())
    return digits if len(digits) == 4 else None


def _payment_values(record: PaymentRecord) -> dict[str, Any]:
    """The columns of a payment row for `record` (all but its profile and invoiceId)."""
    values = {n: getattr(record, n) for n in _PAYMENT_FIELDS}
    values["state"] = record.state.value
    values["card_last4"] = _card_last4(record.card_mask)
    return values


def _payment_record(row: Payment) -> PaymentRecord:
    values = {n: getattr(row, n) for n in _PAYMENT_FIELDS}
    values["state"] = State(row.state)
    return PaymentRecord(invoice_id=row.invoice_id, **values)


def _select_payment(session: Session, pid: int, invoice_id: str) -> Payment | None:
    return session.scalar(
        select(Payment).where(Payment.profile_id == pid, Payment.invoice_id == invoice_id)
    )


def _locked_payment(session: Session, pid: int, invoice_id: str,
                    new_values: dict[str, Any]) -> tuple[Payment, bool]:
    """The payment row for writing, locked until the transaction ends (PostgreSQL; a SQLite writer
    holds the whole file). Without one, a row of `new_values` is inserted, and True says so.

    Two programs reading the same invoice on one database may both find no row: the second
    insert then does nothing and that program updates the first one's row instead of failing.
    """
    def locked() -> Payment | None:
        return session.scalar(
            select(Payment).where(Payment.profile_id == pid, Payment.invoice_id == invoice_id)
            .with_for_update().execution_options(populate_existing=True)
        )

    row = locked()
    if row is not None:
        return row, False
    inserted = session.scalar(
        _dialect_insert(session)(Payment)
        .values(profile_id=pid, invoice_id=invoice_id, **new_values)
        .on_conflict_do_nothing(index_elements=["profile_id", "invoice_id"])
        .returning(Payment.id)
    ) is not None
    row = locked()
    assert row is not None
    return row, inserted


def get_payment(session: Session, profile: str, invoice_id: str) -> PaymentRecord | None:
    row = _select_payment(session, profile_id(session, profile), invoice_id)
    return None if row is None else _payment_record(row)


def record_status_change(
    session: Session,
    payment_id: int,
    *,
    at: datetime,
    old_state: State | None,
    new_state: State,
    old_bank_status: str | None,
    new_bank_status: str | None,
    sync_run_id: int | None = None,
) -> None:
    session.add(StatusChange(
        payment_id=payment_id, at=at, old_state=old_state and old_state.value,
        new_state=new_state.value, old_bank_status=old_bank_status,
        new_bank_status=new_bank_status, sync_run_id=sync_run_id,
    ))


def save_payment(
    session: Session, profile: str, record: PaymentRecord, *, sync_run_id: int | None = None
) -> SavedPayment:
    """Store what the bank said about one invoiceId. A new state or bank status (including the
    first one seen) goes to the status history, at record.last_read_at (default now)."""
    pid = profile_id(session, profile)
    invoice_id = normalize_invoice_id(record.invoice_id)
    values = _payment_values(record)
    row, inserted = _locked_payment(session, pid, invoice_id, values)
    if inserted:
        old_state, old_status, changed = None, None, True
    else:
        old_state, old_status = State(row.state), row.bank_status
        changed = any(getattr(row, n) != values[n] for n in _BANK_FIELDS)
        for name, value in values.items():
            setattr(row, name, value)
        session.flush()
    state_changed = old_state is not record.state or old_status != record.bank_status
    if state_changed:
        record_status_change(
            session, row.id, at=record.last_read_at or utc_now(), old_state=old_state,
            new_state=record.state, old_bank_status=old_status,
            new_bank_status=record.bank_status, sync_run_id=sync_run_id,
        )
    return SavedPayment(payment_id=row.id, changed=changed, state_changed=state_changed,
                        old_state=old_state, old_bank_status=old_status)


def save_payments(
    session: Session,
    profile: str,
    records: Sequence[PaymentRecord],
    *,
    sync_run_id: int | None = None,
) -> list[SavedPayment]:
    """save_payment for many invoiceIds (each at most once in `records`), in a few statements per
    batch instead of a few per payment: a sync writes hundreds of reads a second from one writer
    thread, and the ORM's per-row work would cost more CPU than the reads. Same rules as
    save_payment; one SavedPayment per record, in order."""
    pid = profile_id(session, profile)
    invoices = [normalize_invoice_id(r.invoice_id) for r in records]
    if len(set(invoices)) != len(invoices):
        raise ValueError("an invoiceId is given twice in one batch")
    old = {
        row.invoice_id: row
        for chunk in _chunks(invoices)
        for row in session.execute(
            select(Payment.id, Payment.invoice_id, *(getattr(Payment, n) for n in _BANK_FIELDS))
            .where(Payment.profile_id == pid, Payment.invoice_id.in_(chunk))
        )
    }
    new_values = [
        {**_payment_values(r), "profile_id": pid, "invoice_id": inv}
        for r, inv in zip(records, invoices, strict=True) if inv not in old
    ]
    new_ids: dict[str, int] = {}
    if new_values:
        inserted = session.execute(
            insert(Payment).returning(Payment.id, Payment.invoice_id, sort_by_parameter_order=True),
            new_values,
        )
        new_ids = {invoice: pay_id for pay_id, invoice in inserted}
    saved: list[SavedPayment] = []
    updates: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    for record, invoice in zip(records, invoices, strict=True):
        values = _payment_values(record)
        before = old.get(invoice)
        if before is None:
            pay_id, old_state, old_status, changed = new_ids[invoice], None, None, True
        else:
            pay_id, old_status = before.id, before.bank_status
            old_state = State(before.state)
            changed = any(getattr(before, n) != values[n] for n in _BANK_FIELDS)
            updates.append({**values, "id": pay_id})
        state_changed = old_state is not record.state or old_status != record.bank_status
        if state_changed:
            history.append({
                "payment_id": pay_id, "at": record.last_read_at or utc_now(),
                "old_state": old_state and old_state.value, "new_state": record.state.value,
                "old_bank_status": old_status, "new_bank_status": record.bank_status,
                "sync_run_id": sync_run_id,
            })
        saved.append(SavedPayment(payment_id=pay_id, changed=changed,
                                  state_changed=state_changed, old_state=old_state,
                                  old_bank_status=old_status))
    if updates:
        session.execute(update(Payment), updates)
    if history:
        session.execute(insert(StatusChange), history)
    return saved


def mark_read_error(session: Session, profile: str, invoice_id: str, error: str) -> None:
    """A read of this invoiceId failed: keep what was known, note why. An order never read before
    gets a payment row in state unknown, so the window can show the error."""
    pid = profile_id(session, profile)
    currency = session.scalar(
        select(Order.currency).where(Order.profile_id == pid, Order.invoice_id == invoice_id)
    )
    row, _ = _locked_payment(session, pid, invoice_id, {
        "state": State.UNKNOWN.value, "currency": currency or DEFAULT_CURRENCY,
        "original_minor": 0, "held_minor": 0, "captured_minor": 0, "refunded_minor": 0,
        "remaining_minor": 0,
    })
    row.read_error = error[:500]
    session.flush()


def status_history(session: Session, profile: str, invoice_id: str) -> list[StatusChangeRecord]:
    pid = profile_id(session, profile)
    rows = session.scalars(
        select(StatusChange)
        .join(Payment, Payment.id == StatusChange.payment_id)
        .where(Payment.profile_id == pid, Payment.invoice_id == invoice_id)
        .order_by(StatusChange.at, StatusChange.id)
    )
    return [
        StatusChangeRecord(
            at=r.at, old_state=State(r.old_state) if r.old_state else None,
            new_state=State(r.new_state), old_bank_status=r.old_bank_status,
            new_bank_status=r.new_bank_status, sync_run_id=r.sync_run_id,
        )
        for r in rows
    ]


# --- sync runs ------------------------------------------------------------------------------------

def start_sync_run(
    session: Session,
    profile: str,
    *,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    include_final: bool = False,
    total: int = 0,
    at: datetime | None = None,
) -> int:
    started = at or utc_now()
    run = SyncRun(profile_id=profile_id(session, profile), started_at=started,
                  heartbeat_at=started, status="running", date_from=date_from, date_to=date_to,
                  include_final=include_final, total=total, read_count=0, changed_count=0,
                  not_found_count=0, errors={})
    session.add(run)
    session.flush()
    return run.id


def beat_sync_run(session: Session, run_id: int, at: datetime | None = None) -> None:
    """The running sync `run_id` is alive."""
    session.execute(update(SyncRun).where(SyncRun.id == run_id)
                    .values(heartbeat_at=at or utc_now()))


def note_sync_progress(session: Session, run_id: int, *, read_count: int,
                       total: int | None = None) -> None:
    """How far the running sync `run_id` is, for a second desktop waiting for it to show."""
    values: dict[str, Any] = {"read_count": read_count}
    if total is not None:
        values["total"] = total
    session.execute(update(SyncRun).where(SyncRun.id == run_id).values(**values))


def other_running_sync(session: Session, profile: str, run_id: int) -> SyncRunRecord | None:
    """The newest sync of `profile` still running, other than `run_id`."""
    row = session.scalar(
        select(SyncRun).where(SyncRun.profile_id == profile_id(session, profile),
                              SyncRun.id != run_id, SyncRun.status == "running")
        .order_by(SyncRun.started_at.desc(), SyncRun.id.desc()).limit(1))
    return None if row is None else sync_run_record(session, profile, row.id)


def sync_run_record(session: Session, profile: str, run_id: int) -> SyncRunRecord | None:
    """The sync run `run_id` as it is recorded (of `profile`)."""
    row = session.get(SyncRun, run_id)
    if row is None:
        return None
    return SyncRunRecord(
        id=row.id, profile=profile, started_at=row.started_at,
        finished_at=row.finished_at, status=row.status, date_from=row.date_from,
        date_to=row.date_to, include_final=row.include_final, total=row.total,
        read_count=row.read_count, changed_count=row.changed_count,
        not_found_count=row.not_found_count,
        errors={str(k): int(v) for k, v in (row.errors or {}).items()},
    )


def finish_sync_run(
    session: Session,
    run_id: int,
    *,
    status: str,
    read_count: int,
    changed_count: int,
    not_found_count: int,
    errors: dict[str, int],
    at: datetime | None = None,
) -> None:
    if status not in SYNC_RUN_ENDINGS:
        raise ValueError(f"a sync run ends {' or '.join(sorted(SYNC_RUN_ENDINGS))}, not {status!r}")
    run = session.get(SyncRun, run_id)
    if run is None:
        raise LookupError(f"no sync run {run_id}")
    run.status = status
    run.finished_at = at or utc_now()
    run.read_count = read_count
    run.changed_count = changed_count
    run.not_found_count = not_found_count
    run.errors = dict(errors)
    session.flush()


def last_sync_run(
    session: Session, profile: str, *, now: datetime | None = None
) -> SyncRunRecord | None:
    row = session.scalar(
        select(SyncRun).where(SyncRun.profile_id == profile_id(session, profile))
        .order_by(SyncRun.started_at.desc(), SyncRun.id.desc()).limit(1)
    )
    if row is None:
        return None
    status = row.status
    alive_at = row.heartbeat_at or row.started_at
    if status == "running" and (now or utc_now()) - alive_at > SYNC_RUN_SILENT:
        status = "interrupted"  # killed without a word: it stopped beating
    return SyncRunRecord(
        id=row.id, profile=profile, started_at=row.started_at, finished_at=row.finished_at,
        status=status, date_from=row.date_from, date_to=row.date_to,
        include_final=row.include_final, total=row.total, read_count=row.read_count,
        changed_count=row.changed_count, not_found_count=row.not_found_count,
        errors={str(k): int(v) for k, v in (row.errors or {}).items()},
    )


# --- lists ----------------------------------------------------------------------------------------

_PAYMENT_JOIN = and_(Payment.profile_id == Order.profile_id, Payment.invoice_id == Order.invoice_id)
#: An order never read has no payment row: its state is unknown.
STATE = func.coalesce(Payment.state, State.UNKNOWN.value)


def _in_range(pid: int, date_from: datetime | None, date_to: datetime | None) -> list[Any]:
    conditions: list[Any] = [Order.profile_id == pid]
    if date_from is not None:
        conditions.append(Order.created_at >= date_from)
    if date_to is not None:
        conditions.append(Order.created_at < date_to)
    return conditions


def sync_candidates(
    session: Session,
    profile: str,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    include_final: bool = False,
) -> list[SyncCandidate]:
    """Orders created in [date_from, date_to) whose payment a sync may read, with what the store
    knows of it: all of them with `include_final`, else those never read or not in a final
    state. Oldest first."""
    pid = profile_id(session, profile)
    query = (
        select(Order.invoice_id, Order.created_at, Payment.state, Payment.bank_status,
               Payment.transaction_id, Payment.remaining_minor, Payment.refunded_minor,
               Payment.last_read_at)
        .outerjoin(Payment, _PAYMENT_JOIN)
        .where(*_in_range(pid, date_from, date_to))
        .order_by(Order.created_at, Order.invoice_id)
    )
    if not include_final:
        query = query.where(or_(Payment.id.is_(None),
                                Payment.state.not_in([s.value for s in FINAL_STATES])))
    return [
        SyncCandidate(invoice_id=row[0], order_created_at=row[1],
                      state=None if row[2] is None else State(row[2]), bank_status=row[3],
                      transaction_id=row[4], remaining_minor=row[5], refunded_minor=row[6],
                      last_read_at=row[7])
        for row in session.execute(query)
    ]


def _search_terms(text: str) -> list[tuple[bool, ColumnElement[bool]]]:
    """What a search matches, one term per index, each with whether it is on the payment: the
    invoiceId, customer (ё as е), RRN or card mask starts with `text`, or the card ends with it
    (four digits); three digits or more are also looked for anywhere in the invoiceId (people
    remember a part of an order number: the scan reads only the invoiceId index)."""
    terms = [
        (False, _prefix(Order.invoice_id, text)),
        (False, _prefix(Order.customer_key, search_key(text))),
        (True, _prefix(Payment.reference, text)),
        (True, _prefix(Payment.card_mask, text)),
    ]
    if len(text) == 4 and text.isdigit():
        terms.append((True, Payment.card_last4 == text))
    if len(text) >= 3 and text.isdigit():
        terms.append((False, Order.invoice_id.contains(text)))
    return terms


def _search_hits(pid: int, text: str) -> Any:
    """Ids of the orders a search matches, each term one index range."""
    branches = [
        select(Order.id).join(Payment, _PAYMENT_JOIN).where(Payment.profile_id == pid, term)
        if on_payment else select(Order.id).where(Order.profile_id == pid, term)
        for on_payment, term in _search_terms(text)
    ]
    return union(*branches).subquery("hits")


def _search_is_broad(session: Session, pid: int, text: str, page: int) -> bool:
    """Whether a search matches so many orders that walking the sort's index and testing each
    row fills a page sooner than fetching and sorting every hit.

    Testing a row costs about what fetching and sorting a hit does, so with N orders and H hits
    a page takes about page × N ÷ H rows walked against H hits sorted: walking wins when
    H² > page × N. Each term's hits are counted on its index, up to that bound (an over-count:
    filters and the payment's order are left out, which only matters near the bound).
    """
    orders = session.scalar(select(func.max(Order.id))) or 0  # the table's size, on its key
    bound = isqrt(page * orders)
    found = 0
    for on_payment, term in _search_terms(text):
        table: Any = Payment if on_payment else Order
        probe = (select(table.id).where(table.profile_id == pid, term)
                 .limit(bound + 1 - found).subquery())
        found += session.scalar(select(func.count()).select_from(probe)) or 0
        if found > bound:
            return True
    return False


def _state_condition(states: frozenset[State]) -> ColumnElement[bool]:
    # On the order's copy of the state: 'unknown' for an order never read, and on an index.
    return Order.payment_state.in_([State(s).value for s in states])


def _link_condition(states: frozenset[str], now: datetime) -> ColumnElement[bool]:
    """Orders with a payment link in one of `states` (domain.links.link_state, said in SQL)."""
    paid = [s.value for s in PAID_STATES]
    unpaid = or_(Order.payment_state.is_(None),
                 Order.payment_state.not_in([*paid, State.FAILED.value]))
    by_state = {
        LinkState.PAID.value: Order.payment_state.in_(paid),
        LinkState.FAILED.value: Order.payment_state == State.FAILED.value,
        LinkState.EXPIRED.value: and_(unpaid, PaymentLink.expires_at <= now),
        LinkState.ACTIVE.value: and_(unpaid, PaymentLink.expires_at > now),
    }
    return exists().where(PaymentLink.profile_id == Order.profile_id,
                          PaymentLink.invoice_id == Order.invoice_id,
                          or_(*(by_state[s] for s in sorted(states))))


def _orders(columns: Sequence[Any], pid: int, filters: PaymentFilter, tz: ZoneInfo, *,
            with_payment: bool, walk: bool = False) -> Any:
    """SELECT `columns` FROM the orders that pass `filters`, joined to their payments when
    `with_payment` or the filters need it.

    A search starts FROM its hits (found on indexes) and looks the orders up by id: were it a
    condition on the orders instead, SQLite would walk the whole date index testing each order.
    With `walk` (a broad search, see _search_is_broad) it is that condition all the same: the
    query walks its ORDER BY's index and stops when the page is full.
    """
    search = filters.text.strip()
    tested = search and walk
    if search and not walk:
        hits = _search_hits(pid, search)
        query = select(*columns).select_from(hits).join(Order, Order.id == hits.c.id)
    else:
        query = select(*columns).select_from(Order)
    if with_payment or tested:
        query = query.outerjoin(Payment, _PAYMENT_JOIN)
    query = query.where(*_in_range(pid, *business_range(filters.date_from, filters.date_to, tz)))
    if filters.states:
        query = query.where(_state_condition(filters.states))
    if filters.links:
        query = query.where(_link_condition(filters.links, utc_now()))
    if tested:
        query = query.where(or_(*(term for _, term in _search_terms(search))))
    return query


_ORDER_SORTS: dict[str, Any] = {
    "created_at": Order.created_at,
    "invoice_id": Order.invoice_id,
    "amount": Order.amount_minor,
    "currency": Order.currency,
    "customer": Order.customer_key,
    "shop_status": Order.shop_status,
    # The payment's keys the window sorts by, as the order keeps copies of them (migrations
    # 0006 and 0012): on indexes, like the order's own.
    "state": Order.payment_state,
    "card_mask": Order.payment_card_mask,
    "reference": Order.payment_reference,
    "bank_status": Order.payment_bank_status,
    "captured": Order.payment_captured,
    "refunded": Order.payment_refunded,
}
#: The payment's other columns (the command line's): sorted without an index.
_PAYMENT_SORTS: dict[str, Any] = {
    "transaction_id": Payment.transaction_id,
    "held": Payment.held_minor,
    "remaining": Payment.remaining_minor,
    "paid_at": Payment.created_at,
    "last_read_at": Payment.last_read_at,
}
#: Columns the payments list can be sorted by; nullable ones sort their blanks last.
SORT_KEYS: dict[str, Any] = {**_ORDER_SORTS, **_PAYMENT_SORTS}
_NOT_NULL_SORTS = frozenset({"created_at", "invoice_id", "amount", "currency", "state"})
#: Sorts that page by key (after or before a given row) on an index: the order's own columns
#: that are never blank. The others page by offset.
KEYSET_SORTS = frozenset(_ORDER_SORTS) & _NOT_NULL_SORTS

_ROW_COLUMNS = (
    Order.invoice_id, Payment.transaction_id, STATE.label("state"), Payment.bank_status,
    Order.amount_minor, Payment.captured_minor, Payment.refunded_minor, Order.currency,
    Payment.currency.label("bank_currency"), Order.created_at, Order.customer, Payment.card_mask,
    Payment.reference, Order.shop_status, Payment.last_read_at, Payment.read_error,
)


def _payment_row(values: Sequence[Any]) -> PaymentRow:
    (invoice_id, transaction_id, state, bank_status, amount, captured, refunded, currency,
     bank_currency, created_at, customer, card_mask, reference, shop_status, last_read_at,
     read_error) = values
    # The bank's amounts are in the bank's currency; nothing read yet is zero in the order's.
    bank_currency = (bank_currency if bank_status else None) or currency
    return PaymentRow(
        invoice_id=invoice_id, transaction_id=transaction_id, state=State(state),
        bank_status=bank_status, amount=Money(amount, currency),
        captured=Money(captured or 0, bank_currency), refunded=Money(refunded or 0, bank_currency),
        currency=currency, created_at=created_at, customer=customer, card_mask=card_mask,
        reference=reference, shop_status=shop_status, last_read_at=last_read_at,
        read_error=read_error,
    )


#: SQLite virtual machine steps between two looks at a cancel event (a few milliseconds' work).
CANCEL_CHECK_STEPS = 20_000


@contextmanager
def _cancellable(session: Session, cancel: threading.Event | None) -> Iterator[None]:
    """Statements run inside stop with Cancelled once `cancel` is set: on SQLite between steps of
    the statement (a progress handler); on PostgreSQL only before they start."""
    if cancel is None:
        yield
        return
    if cancel.is_set():
        raise Cancelled
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    raw = session.connection().connection.driver_connection
    assert raw is not None  # an open SQLite connection
    raw.set_progress_handler(cancel.is_set, CANCEL_CHECK_STEPS)  # true: SQLite interrupts
    try:
        yield
    except OperationalError as exc:
        if cancel.is_set():
            raise Cancelled from exc
        raise
    finally:
        raw.set_progress_handler(None, 0)


def _beyond(session: Session, pid: int, sort: str, invoice_id: str,
            later: bool) -> ColumnElement[bool] | None:
    """Rows whose (sort key, order id) is above (`later`) or below that of the order
    `invoice_id`; None when there is no such order."""
    column = _ORDER_SORTS[sort]
    anchor = session.execute(
        select(column, Order.id).where(Order.profile_id == pid, Order.invoice_id == invoice_id)
    ).first()
    if anchor is None:
        return None
    value, order_id = anchor
    # The first half is an index range the database seeks to; the second skips the ties.
    if later:
        return and_(column >= value, or_(column > value, Order.id > order_id))
    return and_(column <= value, or_(column < value, Order.id < order_id))


def list_payments(
    session: Session,
    profile: str,
    filters: PaymentFilter | None = None,
    *,
    tz: ZoneInfo,
    sort: str = "created_at",
    descending: bool = True,
    offset: int = 0,
    limit: int | None = 200,
    after: str | None = None,
    before: str | None = None,
    cancel: threading.Event | None = None,
) -> list[PaymentRow]:
    """Orders with their bank picture: filtered, sorted (by a SORT_KEYS name) and paged by the
    database. Ties break on the order's id, so pages never overlap or skip. Setting `cancel`
    stops the query (Cancelled is raised): a window gives up on a page scrolled past.

    `after` (an invoiceId) makes the page the `limit` rows right after that order's row in this
    order, `before` those right before it (still in list order): the same rows as the offset
    they stand at, found by seeking on the sort's index rather than counting `offset` rows.
    Both only for KEYSET_SORTS; otherwise, or when there is no such order, `offset` is used.
    The filter's dates are business days in `tz`.
    """
    if sort not in SORT_KEYS:
        raise ValueError(f"cannot sort by {sort!r}; choose one of {', '.join(SORT_KEYS)}")
    pid = profile_id(session, profile)
    filters = filters or PaymentFilter()
    anchor = after if after is not None else before
    beyond = None
    if anchor is not None and sort in KEYSET_SORTS:
        # Walking backwards from `before` is walking forwards in the reversed order.
        beyond = _beyond(session, pid, sort, anchor, later=(after is not None) != descending)
    backwards = beyond is not None and after is None
    down = descending != backwards
    column = SORT_KEYS[sort]
    key = column.desc() if down else column.asc()
    if sort not in _NOT_NULL_SORTS:
        key = key.nulls_last()
    order = (key, Order.id.desc() if down else Order.id.asc())
    search = filters.text.strip()
    walk = (bool(search) and sort not in _PAYMENT_SORTS and limit is not None
            and _search_is_broad(session, pid, search, limit))
    # First the page's ids, on as few tables as the filters and the sort need (deep pages skip
    # rows on an index alone), then the full rows for just those ids.
    page = _orders([Order.id], pid, filters, tz, with_payment=sort in _PAYMENT_SORTS, walk=walk)
    page = page.where(beyond) if beyond is not None else page.offset(offset)
    page = page.order_by(*order).limit(limit).subquery("page")
    query = (
        select(*_ROW_COLUMNS).select_from(page).join(Order, Order.id == page.c.id)
        .outerjoin(Payment, _PAYMENT_JOIN).order_by(*order)
    )
    with _cancellable(session, cancel):
        found = session.execute(query).all()
    rows = [_payment_row(row) for row in found]
    if backwards:
        rows.reverse()
    return rows


def count_payments(session: Session, profile: str, filters: PaymentFilter | None = None, *,
                   tz: ZoneInfo) -> int:
    """How many rows list_payments has for `filters` (dates: business days in `tz`)."""
    pid = profile_id(session, profile)
    query = _orders([func.count()], pid, filters or PaymentFilter(), tz, with_payment=False)
    return session.scalar(query) or 0


def list_holds(
    session: Session, profile: str, *, now: datetime, warn_days: int, expire_days: int
) -> list[HoldRow]:
    """Every held payment, the one with the least time left first (then by invoiceId). A hold is
    counted from the bank's createdDate (the order's date when the bank gave none)."""
    pid = profile_id(session, profile)
    now = as_utc(now)
    held_since = func.coalesce(Payment.created_at, Order.created_at, Payment.last_read_at)
    rows = session.execute(
        select(Payment.id, Payment.invoice_id, Payment.transaction_id, Order.customer,
               Payment.currency, Payment.held_minor, Payment.created_at, Order.created_at,
               Payment.last_read_at)
        .select_from(Payment).outerjoin(Order, _PAYMENT_JOIN)
        .where(Payment.profile_id == pid, Payment.state == State.HELD.value)
        .order_by(held_since, Payment.id)
    )
    holds = []
    for (_pay_id, invoice_id, transaction_id, customer, currency, held, paid_at, ordered_at,
         read_at) in rows:
        since = paid_at or ordered_at or read_at or now
        age = now - since
        expires_at = since + timedelta(days=expire_days)
        holds.append(HoldRow(
            invoice_id=invoice_id, transaction_id=transaction_id, amount=Money(held, currency),
            created_at=since, age=age, expires_at=expires_at, time_left=expires_at - now,
            warn=age >= timedelta(days=warn_days), expired=now >= expires_at, customer=customer,
        ))
    holds.sort(key=lambda h: (h.time_left, h.invoice_id))
    return holds

