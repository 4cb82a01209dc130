"""Saving many status reads at once: what store.repository.save_payment does for one payment, in
a few statements per batch instead of a few per payment.

A sync writes hundreds of reads a second from one writer thread; row by row, the ORM's per-row
work would cost more CPU than the reads themselves. Same rules as save_payment: the bank's picture
replaces the old one, and a new state or bank status (the first one seen included) lands in the
status history at the time of the read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from halyk_desk.domain import State, normalize_invoice_id, utc_now
from halyk_desk.store import repository
from halyk_desk.store.models import Payment, StatusChange
from halyk_desk.store.records import PaymentRecord, SavedPayment

_FIELDS = repository._PAYMENT_FIELDS
_BANK_FIELDS = repository._BANK_FIELDS


def _values(record: PaymentRecord) -> dict[str, Any]:
    values = {name: getattr(record, name) for name in _FIELDS}
    values["state"] = record.state.value
    values["card_last4"] = repository._card_last4(record.card_mask)
    return values


def save_payments(
    session: Session,
    profile: str,
    records: Sequence[PaymentRecord],
    *,
    sync_run_id: int | None = None,
) -> list[SavedPayment]:
    """Store what the bank said about each invoiceId (each at most once in `records`), in the
    caller's transaction; one SavedPayment per record, in order."""
    pid = repository.profile_id(session, profile)
    invoices = [normalize_invoice_id(r.invoice_id) for r in records]
    if len(set(invoices)) != len(invoices):
        raise ValueError("an invoiceId is given twice in one batch")
    old = {
        row.invoice_id: row
        for chunk in repository._chunks(invoices)
        for row in session.execute(
            select(Payment.id, Payment.invoice_id, *(getattr(Payment, n) for n in _BANK_FIELDS))
            .where(Payment.profile_id == pid, Payment.invoice_id.in_(chunk))
        )
    }
    new_values = [
        {**_values(r), "profile_id": pid, "invoice_id": inv}
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
        values = _values(record)
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
