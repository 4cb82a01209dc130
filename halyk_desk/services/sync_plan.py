"""Which payments a sync reads: only those that could have changed (issue 11).

A shop's payments are mostly captured, and a captured payment can still be refunded in the bank's
cabinet, so "not final" is most of the store. Reading each of them one by one on every sync costs
nearly as much as the first sync. Instead:

1. The bank's operations registry for the period the store cares about (one request per page)
   shows every payment's status and amounts. A payment is read one by one only when the
   registry shows it new, or different from what the store holds, or does not show it (its
   date may lie outside the period; reading is the safe side).
2. Orders never read are always read (the registry cannot say "the bank has none" for certain).
3. Orders older than the registry's reach, or every order when the registry cannot be used
   (refused, unreachable, or a list that did not add up), are read by age: payments that change
   by themselves (pending, held, unclear) on every sync; captured ones and ones the bank did not
   know every sync while recent, then less and less often.

A sync with --all reads every order of the period, whatever the registry says.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from halyk_desk.domain import State
from halyk_desk.epay import EpayClient, OperationRecord
from halyk_desk.epay.errors import EpayError
from halyk_desk.messages import Message, msg
from halyk_desk.services.bank import keep_operations_paging
from halyk_desk.store.records import SyncCandidate

if TYPE_CHECKING:
    from halyk_desk.services.context import AppContext

log = logging.getLogger(__name__)

#: How far back the registry is read: payments older than this are checked by age.
REGISTRY_REACH = timedelta(days=92)
#: Payments are created around their order; a registry period starts this much before the oldest.
ORDER_SLACK = timedelta(days=1)
REGISTRY_PAGE = 100
#: By age: a captured payment (or an order the bank did not know) younger than this is read on
#: every sync; an older one once its last read is older than a seventh of its age, at most
#: MAX_RECHECK apart.
RECENT = timedelta(days=2)
MAX_RECHECK = timedelta(days=30)
#: States that change by themselves (a hold expires, a 3-D Secure step ends): always read.
_RESTLESS = frozenset({State.PENDING, State.HELD, State.NEEDS_REVIEW, State.UNKNOWN})


@dataclass(frozen=True)
class Plan:
    #: invoiceIds to read, oldest first.
    reads: list[str]
    #: Orders left unread: the registry showed them unchanged, or by age they were not due.
    unchanged: int
    #: Records in the registry, None when it was not read.
    registry: int | None = None
    #: Why the registry could not be used, when orders were chosen by age instead.
    fallback: Message | None = None


def due_by_age(candidate: SyncCandidate, now: datetime) -> bool:
    """Whether a payment the registry cannot vouch for is read this time."""
    if candidate.state is None or candidate.state in _RESTLESS:
        return True
    if candidate.last_read_at is None:
        return True
    age = now - candidate.order_created_at
    if age < RECENT:
        return True
    return now - candidate.last_read_at >= min(age / 7, MAX_RECHECK)


def differs(candidate: SyncCandidate, record: OperationRecord) -> bool:
    """Whether the registry shows the payment otherwise than the store holds it."""
    return (
        (record.status_name or "").upper() != (candidate.bank_status or "").upper()
        or (record.transaction_id is not None
            and record.transaction_id != candidate.transaction_id)
        or (record.remaining is not None
            and record.remaining.minor != candidate.remaining_minor)
        or (record.refunded is not None
            and record.refunded.minor != (candidate.refunded_minor or 0))
    )


def _latest(records: Iterable[OperationRecord]) -> dict[str, OperationRecord]:
    """The newest record per invoiceId (a customer may pay again after a decline); the records
    come oldest first."""
    return {r.invoice_id: r for r in records if r.invoice_id is not None}


def make_plan(ctx: AppContext, client: EpayClient, candidates: list[SyncCandidate], *,
              include_final: bool, workers: int, now: datetime) -> Plan:
    if include_final:
        return Plan([c.invoice_id for c in candidates], 0)
    # Only payments the store already holds can be vouched for by the registry.
    known = [c for c in candidates if c.state not in (None, State.UNKNOWN)]
    reach_start = now - REGISTRY_REACH
    checkable = [c for c in known if c.order_created_at >= reach_start]
    if not checkable:
        return _by_age(candidates, now, None, None)
    start = max(reach_start, min(c.order_created_at for c in checkable) - ORDER_SLACK)
    try:
        try:
            records = list(client.iter_operations(
                start, now + timedelta(minutes=1), page_size=REGISTRY_PAGE, workers=workers,
                zone=ZoneInfo(ctx.settings["business_tz"])))
        finally:
            keep_operations_paging(ctx, client)
    except EpayError as exc:
        log.warning("Operations registry not usable, reading by age: %s", exc)
        return _by_age(candidates, now, None, msg(
            "sync.registry_unusable", "Список операций банка не удалось использовать ({why}): "
            "платежи выбраны по возрасту.", why=str(exc)))
    listed = _latest(records)
    reads: list[str] = []
    for candidate in candidates:
        record = listed.get(candidate.invoice_id)
        if candidate.state in (None, State.UNKNOWN):
            read = True
        elif candidate.order_created_at < start:
            read = due_by_age(candidate, now)
        elif record is None:
            # Not listed: a payment the store holds must be there; one the bank did not know
            # (not_found) is still unknown to it.
            read = candidate.state is not State.NOT_FOUND
        else:
            read = differs(candidate, record)
        if read:
            reads.append(candidate.invoice_id)
    return Plan(reads, len(candidates) - len(reads), registry=len(records))


def _by_age(candidates: list[SyncCandidate], now: datetime, registry: int | None,
            fallback: Message | None) -> Plan:
    reads = [c.invoice_id for c in candidates if due_by_age(c, now)]
    return Plan(reads, len(candidates) - len(reads), registry, fallback)
