"""Sync: read the bank's status of every order that still needs it, and keep what the bank says.

Incremental: a payment in a final state (domain.FINAL_STATES) is not read again unless asked
(`include_final`), and of the others only those that could have changed (services.sync_plan: the
bank's operations registry first, their age when it cannot be used).
Reads run on a small thread pool sharing one EpayClient (which retries reads on
transient failures by itself, so this layer does not add a second round of retries: a payment that
still fails is counted, its error kept on its row, and the next sync reads it again). Every result
goes through one writer — the calling thread — which commits small batches in short transactions:
SQLite has one writer at a time, and a sync killed at any moment leaves only whole rows behind, so
the next sync simply carries on with what is left.
"""

from __future__ import annotations

import json
import logging
import queue
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from halyk_desk.domain import State, utc_now
from halyk_desk.epay import EpayClient, PaymentStatus
from halyk_desk.epay.errors import EpayError, InvoiceNotFound
from halyk_desk.messages import Message
from halyk_desk.services import audit
from halyk_desk.services.bank import open_bank
from halyk_desk.services.changes import Changes
from halyk_desk.services.payments import business_range
from halyk_desk.services.sync_plan import Plan, make_plan
from halyk_desk.store import repository
from halyk_desk.store.errors import IntegrityError
from halyk_desk.store.records import PaymentRecord, SavedPayment
from halyk_desk.store.sync_lock import SyncLock

#: A sync (finished, cancelled or failed half-way) may have changed any payment, and audits the
#: changes of state it saw.
CHANGES = Changes(payments=True, holds=True, audit=True)

if TYPE_CHECKING:
    from halyk_desk.services.workspace import AppContext

log = logging.getLogger(__name__)

#: Results written per transaction at most, and how long the writer gathers them: short
#: transactions, few commits. A sync killed meanwhile loses at most this window's reads.
WRITE_BATCH = 200
WRITE_WINDOW = 0.25
#: Progress is reported at most this often (seconds), and once at the end.
PROGRESS_EVERY = 0.1
#: How often a running sync notes in its run that it is alive (repository.SYNC_RUN_SILENT).
HEARTBEAT_EVERY = 30.0
#: How often a sync waiting for another desktop's sync of the same profile looks again (seconds).
TEAM_POLL = 0.5


@dataclass(frozen=True)
class SyncProgress:
    done: int
    total: int
    rate_per_s: float
    #: Seconds left at the current rate; None until there is a rate.
    eta_s: float | None
    changed: int
    errors: int
    #: True while another program syncs this profile and this one waits for it: `done` and
    #: `total` are then that sync's.
    waiting: bool = False


@dataclass(frozen=True)
class SyncSummary:
    #: Orders whose status was read (not_found included).
    read: int
    #: Payments whose picture at the bank changed (a first read counts).
    changed: int
    not_found: int
    #: Reads that failed, by kind of failure (the error's class name).
    errors_by_kind: dict[str, int]
    #: Stopped by the caller before every order was read; what was read is kept.
    cancelled: bool
    run_id: int
    #: Orders that needed reading once the registry (or their age) was looked at.
    total: int = 0
    #: Orders not read: the bank's registry showed them unchanged, or by age they were not due.
    unchanged: int = 0
    #: Records in the bank's operations registry, None when it was not read.
    registry: int | None = None
    #: Why the registry could not be used, when orders were chosen by age instead.
    fallback: Message | None = None
    #: Another program was syncing this profile: this one waited for it and read only what it
    #: left (nothing at all when it covered the same orders).
    waited: bool = False

    @property
    def errors(self) -> int:
        return sum(self.errors_by_kind.values())


@dataclass(frozen=True)
class _Result:
    invoice_id: str
    at: datetime
    status: PaymentStatus | None = None
    error: Exception | None = None

    @property
    def not_found(self) -> bool:
        return isinstance(self.error, InvoiceNotFound)

    @property
    def failure(self) -> Exception:
        """Why a read that failed failed (asked only of those)."""
        assert self.error is not None, f"the read of {self.invoice_id} did not fail"
        return self.error


# Decimals pass through json.dumps as marked strings, then lose their quotes and marks: the C
# encoder does the work (a sync writes hundreds of replies a second). The mark is a private-use
# character; a bank string made of nothing but it and a number is not a risk worth a slower path.
_MARK = "\ue000"
_MARKED = re.compile(f'"{_MARK}([-+0-9.Ee]+){_MARK}"')


def _marked(value: Any) -> str:
    if isinstance(value, Decimal):
        return f"{_MARK}{value:f}{_MARK}"
    raise TypeError(f"{type(value).__name__} is not JSON")


def reply_text(value: Any) -> str:
    """The bank's reply as JSON text again, amounts exactly as the bank wrote them (the client
    parsed them as Decimal, which the json module cannot write)."""
    return _MARKED.sub(r"\1", json.dumps(value, ensure_ascii=False, default=_marked))


def payment_record(status: PaymentStatus, invoice_id: str, at: datetime) -> PaymentRecord:
    return PaymentRecord(
        invoice_id=invoice_id,
        state=status.state,
        currency=status.currency,
        transaction_id=status.transaction_id,
        bank_status=status.status_name,
        original_minor=status.original.minor,
        held_minor=status.held.minor,
        captured_minor=status.captured.minor,
        refunded_minor=status.refunded.minor,
        remaining_minor=status.remaining.minor,
        card_mask=status.card_mask,
        card_type=status.card_type,
        reference=status.reference,
        approval_code=status.approval_code,
        created_at=status.created_at,
        last_read_at=at,
        raw_reply=reply_text(status.raw),
    )


def _error_kind(error: BaseException) -> str:
    return type(error).__name__


class _Tally:
    """Counts of one run, kept by the writer thread only."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.read = 0
        self.changed = 0
        self.not_found = 0
        self.errors: Counter[str] = Counter()
        self.started = time.monotonic()

    @property
    def done(self) -> int:
        return self.read + sum(self.errors.values())

    def progress(self) -> SyncProgress:
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = self.total - self.done
        return SyncProgress(
            done=self.done, total=self.total, rate_per_s=rate,
            eta_s=left / rate if rate > 0 else None, changed=self.changed,
            errors=sum(self.errors.values()),
        )


class _Run:
    """One sync run: reader threads feed a queue, the calling thread writes what they read."""

    def __init__(
        self,
        ctx: AppContext,
        client: EpayClient,
        invoice_ids: list[str],
        run_id: int,
        tally: _Tally,
        workers: int,
        cancel: threading.Event,
        progress: Callable[[SyncProgress], None] | None,
    ) -> None:
        self.ctx = ctx
        self.client = client
        self.run_id = run_id
        self.tally = tally
        self.workers = workers
        self.cancel = cancel
        self.progress = progress
        self.results: queue.Queue[_Result] = queue.Queue()
        self._todo: Iterator[str] = iter(invoice_ids)
        self._todo_lock = threading.Lock()
        #: Set when the writer fails: readers stop taking new orders.
        self._abort = threading.Event()

    # --- readers ------------------------------------------------------------------------------
    def _next(self) -> str | None:
        if self.cancel.is_set() or self._abort.is_set():
            return None
        with self._todo_lock:
            return next(self._todo, None)

    def _reader(self) -> None:
        while (invoice_id := self._next()) is not None:
            try:
                status = self.client.get_status(invoice_id)
            except Exception as exc:  # counted and kept on the row; the next sync tries again
                if not isinstance(exc, EpayError):  # a bug, not the bank: keep the traceback
                    log.error("Status of %s not read", invoice_id, exc_info=exc)
                elif not isinstance(exc, InvoiceNotFound):
                    log.info("Status of %s not read: %s", invoice_id, exc)
                self.results.put(_Result(invoice_id, utc_now(), error=exc))
            else:
                self.results.put(_Result(invoice_id, utc_now(), status=status))

    # --- the writer ---------------------------------------------------------------------------
    def run(self) -> None:
        with ThreadPoolExecutor(self.workers, thread_name_prefix="sync-read") as pool:
            readers = [pool.submit(self._reader) for _ in range(self.workers)]
            try:
                self._write_until_done(readers)
            except BaseException:
                self._abort.set()  # in-flight reads finish, then the pool shuts down
                raise

    def _write_until_done(self, readers: list[Future[None]]) -> None:
        reported, beaten = 0.0, time.monotonic()
        while True:
            batch = self._take(timeout=PROGRESS_EVERY)
            if batch:
                self._write(batch)
            elif all(r.done() for r in readers) and self.results.empty():
                break
            now = time.monotonic()
            if now - beaten >= HEARTBEAT_EVERY:
                with self.ctx.store.session() as session:
                    repository.beat_sync_run(session, self.run_id)
                beaten = now
            if self.progress is not None and now - reported >= PROGRESS_EVERY:
                self.progress(self.tally.progress())
                reported = now
        for reader in readers:
            reader.result()  # a reader that died of a bug says so here
        if self.progress is not None:
            self.progress(self.tally.progress())

    def _take(self, timeout: float) -> list[_Result]:
        """The next batch: what arrives within WRITE_WINDOW of its first result (up to
        WRITE_BATCH), or nothing after `timeout`. Fewer, larger transactions cost less CPU."""
        try:
            batch = [self.results.get(timeout=timeout)]
        except queue.Empty:
            return []
        deadline = time.monotonic() + WRITE_WINDOW
        while len(batch) < WRITE_BATCH:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                batch.append(self.results.get(timeout=left))
            except queue.Empty:
                break
        return batch

    def _write(self, batch: list[_Result]) -> None:
        reads: list[PaymentRecord] = []
        failed = [r for r in batch if r.status is None and not r.not_found]
        for result in batch:
            if result.status is not None:
                reads.append(payment_record(result.status, result.invoice_id, result.at))
            elif result.not_found:
                reads.append(PaymentRecord(
                    invoice_id=result.invoice_id, state=State.NOT_FOUND, last_read_at=result.at
                ))
        try:
            saved = self._store(reads, failed)
        except IntegrityError:
            # Another sync (a second window, a team mate) stored one of these payments first:
            # written again, the batch sees that row and updates it.
            saved = self._store(reads, failed)
        # Counted once committed: the summary never claims what the store does not hold.
        self.tally.read += len(reads)
        self.tally.changed += sum(s.changed for s in saved)
        self.tally.not_found += sum(r.state is State.NOT_FOUND for r in reads)
        self.tally.errors.update(_error_kind(r.failure) for r in failed)


    def _store(self, reads: list[PaymentRecord], failed: list[_Result]) -> list[SavedPayment]:
        profile = self.ctx.profile.name
        with self.ctx.store.session() as session:
            saved = repository.save_payments(session, profile, reads, sync_run_id=self.run_id)
            for record, outcome in zip(reads, saved, strict=True):
                # A first picture is not a change; every later change of state is audited.
                if outcome.state_changed and outcome.old_state is not None:
                    audit.record_status_change(
                        session, operator=self.ctx.operator, profile=profile,
                        invoice_id=record.invoice_id, old_state=outcome.old_state.value,
                        new_state=record.state.value, old_bank_status=outcome.old_bank_status,
                        new_bank_status=record.bank_status,
                    )
            for result in failed:
                repository.mark_read_error(
                    session, profile, result.invoice_id,
                    f"{_error_kind(result.failure)}: {result.failure}",
                )
            # For a second desktop waiting for this sync to end (see _wait_for_team).
            repository.note_sync_progress(session, self.run_id,
                                          read_count=self.tally.done + len(reads) + len(failed))
        return saved


def _finish(ctx: AppContext, run_id: int, tally: _Tally, status: str) -> None:
    with ctx.store.session() as session:
        repository.finish_sync_run(
            session, run_id, status=status, read_count=tally.read, changed_count=tally.changed,
            not_found_count=tally.not_found, errors=dict(tally.errors),
        )


def sync_statuses(
    ctx: AppContext,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    include_final: bool = False,
    concurrency: int | None = None,
    progress: Callable[[SyncProgress], None] | None = None,
    cancel: threading.Event | None = None,
    client: EpayClient | None = None,
) -> SyncSummary:
    """Read the bank's status of the orders created in the business days date_from..date_to
    (both included; None = no bound) that still need it, `concurrency` at a time (default:
    settings sync_concurrency). `progress` is called from this thread; setting `cancel` stops
    taking new orders, lets the reads in flight finish and keeps everything read. `client`
    replaces the profile's bank (tests, benchmarks). Bank-wide failures (credentials refused, bank
    unreachable) raise the client's error before anything is read; the run is recorded as failed.
    """
    workers = concurrency if concurrency is not None else ctx.settings["sync_concurrency"]
    if workers < 1:
        raise ValueError("concurrency must be at least 1")
    cancel = cancel or threading.Event()
    profile = ctx.profile.name
    start, end = business_range(ctx, date_from, date_to)
    started = utc_now()
    with ctx.store.session() as session:
        lock = SyncLock(ctx.store, repository.profile_id(session, profile))
        run_id = repository.start_sync_run(
            session, profile, date_from=start, date_to=end, include_final=include_final, at=started)
    tally = _Tally(0)
    plan = Plan([], 0)
    try:
        waited = _wait_for_team(ctx, lock, run_id, cancel, progress)
        with ctx.store.session(readonly=True) as session:
            candidates = repository.sync_candidates(session, profile, start, end, include_final)
        if waited:  # what the sync we waited for read is not read again
            candidates = [c for c in candidates
                          if c.last_read_at is None or c.last_read_at < started]
        stopped = cancel.is_set()
        if candidates and not stopped:
            bank = nullcontext(client) if client is not None else open_bank(
                ctx, max_connections=max(workers, 10)
            )
            with bank as epay:
                epay.get_token()  # wrong credentials or no bank: one clear error, not N
                plan = make_plan(ctx, epay, candidates, include_final=include_final,
                                 workers=workers, now=utc_now())
                tally.total = len(plan.reads)
                with ctx.store.session() as session:
                    repository.note_sync_progress(session, run_id, read_count=0,
                                                  total=tally.total)
                _Run(ctx, epay, plan.reads, run_id, tally, workers, cancel, progress).run()
        elif progress is not None:
            progress(tally.progress())
    except BaseException as exc:
        try:
            _finish(ctx, run_id, tally,
                    "cancelled" if isinstance(exc, KeyboardInterrupt) else "failed")
        except Exception:  # the store may be what failed: the first error is the one to show
            log.exception("Could not record the end of sync run %s", run_id)
        raise
    finally:
        lock.release()
    status = "cancelled" if tally.done < tally.total or stopped else "finished"
    _finish(ctx, run_id, tally, status)
    return SyncSummary(
        read=tally.read, changed=tally.changed, not_found=tally.not_found,
        errors_by_kind=dict(tally.errors), cancelled=status == "cancelled", run_id=run_id,
        total=tally.total, unchanged=plan.unchanged, registry=plan.registry,
        fallback=plan.fallback, waited=waited,
    )


def _wait_for_team(ctx: AppContext, lock: SyncLock, run_id: int, cancel: threading.Event,
                   progress: Callable[[SyncProgress], None] | None) -> bool:
    """Take the profile's team-wide sync lock, waiting while another program holds it and showing
    that program's progress. True when it had to wait (or was cancelled waiting)."""
    waited = False
    while not lock.try_acquire():
        waited = True
        if progress is not None:
            with ctx.store.session(readonly=True) as session:
                other = repository.other_running_sync(session, ctx.profile.name, run_id)
            done, total = (other.read_count, other.total) if other else (0, 0)
            progress(SyncProgress(done=min(done, total), total=total, rate_per_s=0.0, eta_s=None,
                                  changed=0, errors=0, waiting=True))
        if cancel.wait(TEAM_POLL):
            return True
    return waited
