"""The audit log: append-only, each entry chained to the one before by a hash.

An entry's hash is sha256 over its predecessor's hash and the canonical JSON of what it says
(time, operator, action, subject, profile, details). Changing an entry changes its hash; removing
or moving one breaks the link of the entry after it. `verify` walks the chain and names the first
entry that was altered, removed or reordered. Removing the newest entries leaves a shorter chain
that still holds together, and so does an edit followed by recomputing every hash after it:
what catches both is an anchor kept outside the database — the head (`N:HASH`, the newest
entry's number and hash) printed by `audit head` and carried by every reconciliation workbook and
`reconcile --json`. `verify(session, anchor)` then proves that entry N is still there with that
hash, so the history up to it is unchanged and present.

Entries are written in the caller's transaction (what happened and its record commit together).
Appends are serialised (store.audit.last_link); the queries live in store/audit.py.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from halyk_desk.domain import as_utc, utc_now
from halyk_desk.messages import msg
from halyk_desk.store import Session
from halyk_desk.store import audit as stored
from halyk_desk.store.records import AuditFilter as AuditFilter
from halyk_desk.store.records import AuditRecord as AuditRecord

if TYPE_CHECKING:
    from halyk_desk.services.workspace import AppContext

#: prev_hash of the first entry.
GENESIS = "0" * 64


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    #: Entries that were read.
    checked: int
    #: The newest entry seen (compare it with what you expect: removing the newest is invisible).
    last_seq: int | None = None
    last_at: datetime | None = None
    #: altered | removed | reordered
    kind: str | None = None
    #: The entry the problem is named by.
    seq: int | None = None
    message: str = ""


@dataclass(frozen=True)
class Head:
    """An entry's number and hash: an anchor of the history up to it."""

    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> Head:
        seq, _, digest = (text or "").strip().partition(":")
        digest = digest.lower()
        if not (seq.isdigit() and int(seq) > 0 and len(digest) == 64
                and all(c in "0123456789abcdef" for c in digest)):
            raise ValueError(str(msg(
                "audit.bad_head", "«{text}» — не отметка журнала: напишите её так, как печатает "
                "`audit head`: номер записи, двоеточие и хеш из 64 знаков.", text=text)))
        return cls(int(seq), digest)


def head(session: Session) -> Head | None:
    """The newest entry's number and hash; None for an empty log."""
    last = stored.last_link(session)
    return None if last is None else Head(*last)


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(
    prev_hash: str,
    *,
    at: datetime,
    operator: str,
    action: str,
    subject: str,
    profile: str | None,
    details: Mapping[str, Any],
) -> str:
    body = canonical_json({
        "at": as_utc(at).isoformat(timespec="microseconds"),
        "operator": operator,
        "action": action,
        "subject": subject,
        "profile": profile,
        "details": dict(details),
    })
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def _recomputed(entry: AuditRecord) -> str:
    return entry_hash(entry.prev_hash, at=entry.at, operator=entry.operator, action=entry.action,
                      subject=entry.subject, profile=entry.profile, details=entry.details)


def append(
    session: Session,
    *,
    operator: str,
    action: str,
    subject: str,
    details: Mapping[str, Any] | None = None,
    profile: str | None = None,
    at: datetime | None = None,
) -> AuditRecord:
    """Add one entry at the end of the chain, in the caller's transaction.

    `details` must be plain JSON (text, integers, booleans, lists, objects): money as
    Money.to_json() text or integer tiyn, never float, so that the hash reads back the same.
    """
    last = stored.last_link(session, for_append=True)
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    moment = as_utc(at or utc_now())
    body = dict(details or {})
    # The round trip through JSON is what the database gives back: hash exactly that.
    body = json.loads(canonical_json(body))
    return stored.add(session, AuditRecord(
        seq=seq, at=moment, operator=operator, action=action, subject=subject, profile=profile,
        details=body, prev_hash=prev,
        hash=entry_hash(prev, at=moment, operator=operator, action=action, subject=subject,
                        profile=profile, details=body),
    ))


def record_setting_change(
    session: Session, *, operator: str, key: str, old: Any, new: Any
) -> AuditRecord:
    """For the settings dialog: who changed which setting from what to what."""
    return append(session, operator=operator, action="setting.change", subject=f"setting:{key}",
                  details={"key": key, "old": old, "new": new})


def record_status_change(
    session: Session,
    *,
    operator: str,
    profile: str,
    invoice_id: str,
    old_state: str | None,
    new_state: str,
    old_bank_status: str | None,
    new_bank_status: str | None,
) -> AuditRecord:
    """For every reader of the bank's status (sync, the journal): a payment's state changed."""
    return append(
        session, operator=operator, action="payment.status", subject=invoice_id, profile=profile,
        details={"old_state": old_state, "new_state": new_state,
                 "old_bank_status": old_bank_status, "new_bank_status": new_bank_status},
    )


def list_entries(
    session: Session, flt: AuditFilter | None = None, *, offset: int = 0, limit: int | None = 500
) -> list[AuditRecord]:
    """Entries matching `flt`, newest first."""
    return stored.list_entries(session, flt, offset=offset, limit=limit)


def verify(session: Session, anchor: Head | None = None) -> VerifyResult:
    """Walk the chain oldest first; stop at the first entry that does not fit. With `anchor`,
    also prove that its entry is still there with its hash (catches the newest entries cut
    off, and an entry rewritten with every hash after it recomputed)."""
    result = _walk(session)
    if not result.ok or anchor is None:
        return result
    found = stored.hash_of_seq(session, anchor.seq)
    if found is None:
        return replace(result, ok=False, kind="truncated", seq=anchor.seq, message=str(msg(
            "audit.head_gone", "Записи №{seq} из отметки {head} больше нет: журнал теперь "
            "кончается на {newest}, значит записи удалены.", seq=anchor.seq, head=str(anchor),
            newest=f"№{result.last_seq}" if result.last_seq else "0")))
    if found != anchor.hash:
        return replace(result, ok=False, kind="rewritten", seq=anchor.seq, message=str(msg(
            "audit.head_rewritten", "У записи №{seq} уже не тот хеш, что в отметке {head}: "
            "история до неё переписана (и хеши пересчитаны).", seq=anchor.seq,
            head=str(anchor))))
    return replace(result, message=result.message + " " + str(msg(
        "audit.head_matches", "Запись №{seq} совпадает с отметкой: история до неё цела и на "
        "месте.", seq=anchor.seq)))


def _walk(session: Session) -> VerifyResult:
    """Walk the chain oldest first; stop at the first entry that does not fit."""
    expected_prev, prev_seq = GENESIS, 0
    checked, last_at = 0, None
    for row in stored.oldest_first(session):
        if _recomputed(row) != row.hash:
            return VerifyResult(
                ok=False, checked=checked, last_seq=prev_seq or None, last_at=last_at,
                kind="altered", seq=row.seq,
                message=str(msg("audit.entry_altered", "Запись №{seq} ({action}, {subject}) "
                                "изменена: её содержимое больше не совпадает с её хешем.",
                                seq=str(row.seq), action=row.action, subject=row.subject)),
            )
        if row.prev_hash != expected_prev:
            return _broken_link(session, row, prev_seq, checked, last_at)
        checked += 1
        expected_prev, prev_seq, last_at = row.hash, row.seq, row.at
    return VerifyResult(ok=True, checked=checked, last_seq=prev_seq or None, last_at=last_at,
                        message=str(
        msg("audit.intact_newest", "Журнал аудита цел: записей — {count}, последняя №{seq} от "
            "{at}.", count=checked, seq=str(prev_seq), at=last_at.isoformat()) if last_at else
        msg("audit.intact", "Журнал аудита цел: записей — {count}.", count=checked)))


def _broken_link(
    session: Session, row: AuditRecord, prev_seq: int, checked: int, last_at: datetime | None
) -> VerifyResult:
    """Entry `row` does not follow the entry before it: say whether one was removed, moved, or
    altered and its hash recomputed to hide it."""
    holder = stored.seq_of_hash(session, row.prev_hash)

    def result(kind: str, seq: int, message: str) -> VerifyResult:
        return VerifyResult(ok=False, checked=checked, last_seq=prev_seq or None,
                            last_at=last_at, kind=kind, seq=seq, message=message)

    if holder is None:
        if prev_seq and row.seq == prev_seq + 1:
            return result(
                "altered", prev_seq,
                str(msg("audit.entry_rehashed", "Запись №{seq} изменена, а её хеш пересчитан: "
                        "запись №{next} была сцеплена с другой записью перед ней (или запись "
                        "между ними удалена).", seq=str(prev_seq), next=str(row.seq))),
            )
        missing = prev_seq + 1
        return result(
            "removed", missing,
            str(msg("audit.entry_removed", "Запись №{seq} удалена: запись №{next} была сцеплена "
                    "с записью, которой в журнале больше нет.", seq=str(missing),
                    next=str(row.seq))),
        )
    if holder > row.seq:
        return result(
            "reordered", row.seq,
            str(msg("audit.entry_out_of_order", "Запись №{seq} не на своём месте: её записали "
                    "после записи №{holder}, которая теперь стоит в журнале позже.",
                    seq=str(row.seq), holder=str(holder))),
        )
    return result(
        "reordered", prev_seq,
        str(msg("audit.entry_out_of_place", "Запись №{seq} не на своём месте: запись №{next} "
                "была записана сразу после №{holder}, а не после №{seq}.", seq=str(prev_seq),
                next=str(row.seq), holder=str(holder))),
    )


# --- for the window and the CLI: the same, with the context --------------------------------------

def entries(
    ctx: AppContext, flt: AuditFilter | None = None, *, limit: int | None = 1000
) -> list[AuditRecord]:
    with ctx.store.session(readonly=True) as session:
        return list_entries(session, flt, limit=limit)


def filter_values(ctx: AppContext) -> tuple[list[str], list[str]]:
    with ctx.store.session(readonly=True) as session:
        return stored.distinct_values(session)


def verify_log(ctx: AppContext, anchor: Head | None = None) -> VerifyResult:
    with ctx.store.session(readonly=True) as session:
        return verify(session, anchor)


def log_head(ctx: AppContext) -> Head | None:
    with ctx.store.session(readonly=True) as session:
        return head(session)
