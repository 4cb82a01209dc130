"""The audit log's queries: the chain's end, appending an entry, reading entries back.

What an entry says and how it is chained (the hashes, `verify`) is services.audit's; here is only
how entries are stored and found, in and out as AuditRecord. Functions take the caller's session
and never commit: an entry commits with what it records.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from halyk_desk.domain import as_utc
from halyk_desk.store.journal_models import AuditEntry
from halyk_desk.store.records import AuditFilter, AuditRecord

#: Any constant: serialises appends on one PostgreSQL database.
PG_AUDIT_LOCK = 0x41554454  # "AUDT"


def _record(row: AuditEntry) -> AuditRecord:
    return AuditRecord(seq=row.seq, at=row.at, operator=row.operator, action=row.action,
                       subject=row.subject, profile=row.profile, details=dict(row.details),
                       prev_hash=row.prev_hash, hash=row.hash)


def last_link(session: Session, *, for_append: bool = False) -> tuple[int, str] | None:
    """The newest entry's seq and hash; None for an empty log. `for_append` first takes the
    append lock until the transaction ends, so no other writer chains onto the same entry
    (SQLite writers hold the database's write lock from BEGIN already; PostgreSQL takes an
    advisory lock). The unique prev_hash refuses a fork even if that were bypassed."""
    if for_append and session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_AUDIT_LOCK})
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    return None if last is None else (last[0], last[1])


def add(session: Session, entry: AuditRecord) -> AuditRecord:
    """Store `entry` as it is (its seq and hashes made by the caller) and flush it, so that a
    broken chain (a taken seq or prev_hash) fails here."""
    session.add(AuditEntry(
        seq=entry.seq, at=entry.at, operator=entry.operator, action=entry.action,
        subject=entry.subject, profile=entry.profile, details=entry.details,
        prev_hash=entry.prev_hash, hash=entry.hash,
    ))
    session.flush()
    return entry


def list_entries(
    session: Session, flt: AuditFilter | None = None, *, offset: int = 0, limit: int | None = 500
) -> list[AuditRecord]:
    """Entries matching `flt`, newest first."""
    flt = flt or AuditFilter()
    query = select(AuditEntry)
    if flt.operator:
        query = query.where(AuditEntry.operator == flt.operator)
    if flt.action:
        query = query.where(
            (AuditEntry.action == flt.action) | AuditEntry.action.startswith(flt.action + ".")
        )
    if flt.date_from is not None:
        query = query.where(AuditEntry.at >= as_utc(flt.date_from))
    if flt.date_to is not None:
        query = query.where(AuditEntry.at < as_utc(flt.date_to))
    if flt.invoice_id:
        query = query.where(AuditEntry.subject == flt.invoice_id)
    query = query.order_by(AuditEntry.seq.desc()).offset(offset).limit(limit)
    return [_record(row) for row in session.scalars(query)]


def oldest_first(session: Session) -> Iterator[AuditRecord]:
    """Every entry, oldest first, read as the caller goes (a verify may stop early)."""
    for row in session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars():
        yield _record(row)


def distinct_values(session: Session) -> tuple[list[str], list[str]]:
    """Operators and actions that occur in the log, for the Audit tab's filter lists."""
    def values(column: Any) -> list[str]:
        return list(session.scalars(select(column).distinct().order_by(column)))

    return values(AuditEntry.operator), values(AuditEntry.action)


def seq_of_hash(session: Session, digest: str) -> int | None:
    """The seq of the entry whose hash is `digest`, wherever it now stands."""
    return session.scalar(select(AuditEntry.seq).where(AuditEntry.hash == digest))


def hash_of_seq(session: Session, seq: int) -> str | None:
    """The hash entry `seq` has now; None when there is no such entry."""
    return session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == seq))
