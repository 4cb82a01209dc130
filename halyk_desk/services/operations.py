"""Money movement as a journal: confirm, cancel and refund that never move money twice.

Each operation goes through these steps (docs/architecture.md, "Money movement is a journal, not a
call"):

1. Permissions, then any unresolved operation on the payment is resolved from the bank's status.
2. The bank's status is read and the rules are checked against it (nothing written if they fail).
3. The intent (operator, action, amount, reason, a fresh externalID) is inserted and committed
   with its audit entry. A partial unique index allows one unresolved operation per payment, so
   a second window, process or person is refused here, before anything is sent.
4. The status is read again now that the payment is ours, the rules re-checked, and that picture
   kept as the operation's "before"; the operation becomes `sent` (committed) and only then is
   the request made, exactly once.
5. A 200 is confirmed by reading the status (done); a refusal is `refused` with the bank's
   message; no answer (timeout, dropped connection, 5xx) is `unknown` — never failed, never
   repeated. A crash leaves `intent` or `sent`.

Resolution settles `sent` and `unknown` operations by comparing the bank's status with the
"before" picture: confirm expects CHARGE, cancel expects CANCEL, a refund of X expects
payoutAmount to have grown by X. Seen: done. Not seen: the operation stays unknown for the grace
period after it was sent (setting settle_grace_minutes: the bank may still be working on a request
that lost its answer), then becomes `refused` with "the bank did not do it", which frees the
payment. A refund is the one operation a second send would repeat (a payment may be refunded in
parts), so before it is declared not done its externalID is looked for in the bank's operations
registry: found there, it stays unknown (the bank has it); the registry unreadable, it stays
unknown too, and the manager is told to look in the bank's cabinet. An
`intent` is never sent after a crash (the request is only made after `sent` is committed), so
once older than the grace it is closed as not sent. Every change of an operation's status is a
conditional UPDATE from the status it was read in, so a resolver and the process that sent the
request can never both settle it.

Refunds above settings.refund_approval_threshold wait as `pending_approval` (holding the
payment) until a different manager approves (then steps 4-5 run) or rejects them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from halyk_desk.domain import (
    MIN_REFUND,
    Money,
    RuleViolation,
    State,
    check_cancel,
    check_confirm,
    check_refund,
    new_external_id,
    normalize_invoice_id,
    utc_now,
)
from halyk_desk.domain.journal import UNRESOLVED, Action, result_of
from halyk_desk.domain.journal import OperationResult as Result
from halyk_desk.domain.journal import OperationStatus as Status
from halyk_desk.domain.text import check_text
from halyk_desk.epay import EpayClient, PaymentStatus
from halyk_desk.epay.errors import (
    AuthenticationFailed,
    BankRefused,
    EpayError,
    MalformedReply,
    OutcomeUnknown,
    TransientError,
)
from halyk_desk.messages import Message, MessageError, msg, of_error, verbatim
from halyk_desk.services import audit, operators
from halyk_desk.services.bank import open_bank
from halyk_desk.services.changes import Changes
from halyk_desk.services.links import settle_expired
from halyk_desk.services.operators import (
    APPROVE,
    MOVE_MONEY,
    NotAllowed,
    operator_info,
    refusals_audited,
    require_in,
)
from halyk_desk.services.sync import SyncSummary, payment_record, sync_statuses
from halyk_desk.store import Session, journal, repository
from halyk_desk.store import operators as stored_operators
from halyk_desk.store.errors import IntegrityError

# The journal's row types, from the store to the window.
from halyk_desk.store.records import OperationRow as OperationRow
from halyk_desk.store.records import Reason as Reason

#: An operation, its approval, rejection or resolution (whatever its result): the journal, the
#: audit log, and the payment it concerns.
CHANGES = Changes(payments=True, holds=True, operations=True, audit=True)

if TYPE_CHECKING:
    from halyk_desk.services.workspace import AppContext

log = logging.getLogger(__name__)


#: The registry is searched for a payment created this close to the bank's own creation time.
_REGISTRY_WINDOW = timedelta(minutes=2)


def settle_grace(settings: Any) -> timedelta:
    """How long an operation that lost its answer stays unknown although the bank's status shows
    no change: a request still queued at the bank may yet be applied. Also covers clock
    differences between the computers sharing one PostgreSQL database."""
    return timedelta(minutes=settings["settle_grace_minutes"])


def awaited(op: OperationRow, grace: timedelta, tz: tzinfo) -> Message:
    """What an unresolved operation waits for, for the manager who sees the payment blocked;
    times in `tz` (the business day's zone, as the window shows every time)."""
    sent = (op.sent_at or op.created_at).astimezone(tz)
    return msg("operations.awaited", "отправлено в {sent}, ответа банка не было; итог "
               "выяснится по статусу платежа и реестру операций банка (идентификатор операции "
               "{external}); невыполненной её сочтут не раньше {until} и только если банк "
               "её не покажет", sent=sent.strftime("%H:%M:%S"), external=op.external_id,
               until=(sent + grace).strftime("%d.%m.%Y %H:%M"))

CONFIRM, CANCEL, REFUND = Action.CONFIRM, Action.CANCEL, Action.REFUND
#: The CLI's exit code for each result.
RESULT_EXIT = {
    Result.DONE: 0,
    Result.ERROR: 1,
    Result.REFUSED: 3,
    Result.NOT_ALLOWED: 4,
    Result.UNKNOWN: 5,
    Result.PENDING_APPROVAL: 6,
}
#: Reasons that mean "something else" and need the operator's own words.
OTHER_REASONS = frozenset({"другое", "басқа", "other"})
_CURRENCY_CODE = re.compile(r"(?<![A-Za-z])([A-Za-z]{3})(?![A-Za-z])")


# --- records --------------------------------------------------------------------------------------

class ReasonError(MessageError, ValueError):
    """The reason is missing or not from the list; the message lists what is allowed."""


@dataclass(frozen=True)
class Outcome:
    """What became of one request."""

    invoice_id: str
    action: Action
    amount: Money | None
    result: Result
    message: Message
    operation_id: int | None = None

    @property
    def exit_code(self) -> int:
        return RESULT_EXIT[self.result]

    def to_json(self) -> dict[str, Any]:
        """Stable keys; `message` in the user's language, its `code` and `params` beside it."""
        said = self.message.to_json()
        return {
            "invoice_id": self.invoice_id,
            "action": self.action,
            "amount": self.amount.to_json() if self.amount is not None else None,
            "result": self.result,
            "message": said["message"],
            "code": said["code"],
            "params": said["params"],
            "operation_id": self.operation_id,
        }


@dataclass(frozen=True)
class ActionLimits:
    """What may be done to a payment, from the store's last picture of it (for dialogs and
    prompts; every operation checks again against the bank before sending)."""

    invoice_id: str
    state: State
    currency: str
    held: Money
    captured: Money
    refunded: Money
    #: When the hold can no longer be confirmed (settings hold_expire_days), if known.
    expires_at: datetime | None
    #: The whole hold (what a confirm may take at most), None when confirm is not allowed.
    max_confirm: Money | None
    #: The hold released by a cancel, None when cancel is not allowed.
    cancel_amount: Money | None
    #: All that may still be refunded, None when refund is not allowed.
    max_refund: Money | None
    min_refund: Money
    #: Refunds above this wait for a second manager.
    approval_threshold: Money
    #: Why each action is not allowed now (confirm/cancel/refund → message).
    why_not: dict[str, Message]
    #: The operation holding the payment, if any: the money buttons stay disabled.
    blocked_by: OperationRow | None

    def allowed(self, action: Action) -> bool:
        return self.blocked_by is None and action not in self.why_not


@dataclass(frozen=True)
class _Effect:
    verdict: Literal["done", "not_done", "unclear"]
    message: Message


# --- reasons and amounts --------------------------------------------------------------------------

def is_other(code: str) -> bool:
    return code.strip().casefold() in OTHER_REASONS


def check_reason(reasons: list[str], code: str, text: str | None = None) -> Reason:
    """The reason `code` from the list `reasons` (case-insensitive), with `text` required for
    "Другое"; ReasonError otherwise."""
    text = (text or "").strip() or None
    wanted = (code or "").strip().casefold()
    if not wanted:
        raise ReasonError(msg("reasons.missing", "Нужна причина: выберите одну из {reasons}.",
                              reasons=reasons))
    listed = next((r for r in reasons if r.strip().casefold() == wanted), None)
    if listed is None:
        raise ReasonError(msg("reasons.unknown", "«{reason}» нет в списке причин: {reasons}.",
                              reason=code, reasons=reasons))
    if is_other(listed) and not text:
        raise ReasonError(msg("reasons.needs_words", "Для причины «{reason}» опишите её "
                              "своими словами.", reason=listed))
    if text is not None:
        check_text(text, "reason_text")
    return Reason(listed, text)


def reason_from_words(reasons: list[str], words: str) -> Reason:
    """The CLI's --reason: a reason from the list, or any other words as "Другое: words"."""
    words = (words or "").strip()
    if any(r.strip().casefold() == words.casefold() for r in reasons):
        return check_reason(reasons, words)
    other = next((r for r in reasons if is_other(r)), None)
    if other is None or not words:
        return check_reason(reasons, words)  # raises, listing the reasons there are
    return check_reason(reasons, other, words)


def parse_amount(text: str, currency: str) -> Money:
    """Typed amount → Money; in the currency it names ("12.30 USD"), else in `currency`. A
    currency other than the payment's is then refused by the rules, with a message."""
    named = _CURRENCY_CODE.search(text or "")
    return Money.parse(text or "", named.group(1).upper() if named else currency,
                       allow_zero=False)


# --- reading the journal --------------------------------------------------------------------------

def _load(session: Session, op_id: int, profile: str) -> OperationRow:
    op = journal.get_operation(session, profile, op_id)
    assert op is not None, f"operation {op_id} vanished from the journal"
    return op


def list_operations(
    ctx: AppContext, *, invoice_id: str | None = None, statuses: Iterable[str] | None = None,
    limit: int | None = 500,
) -> list[OperationRow]:
    """Journal entries of the current profile, newest first."""
    with ctx.store.session(readonly=True) as session:
        return journal.list_operations(session, ctx.profile.name, invoice_id=invoice_id,
                                       statuses=statuses, limit=limit)


def unresolved_by_invoice(ctx: AppContext) -> dict[str, OperationRow]:
    """Each payment held by an unresolved operation (pending approval, being sent, unknown)."""
    return {op.invoice_id: op for op in list_operations(ctx, statuses=UNRESOLVED, limit=None)}


def pending_approvals(ctx: AppContext) -> list[OperationRow]:
    return list_operations(ctx, statuses=(Status.PENDING_APPROVAL,), limit=None)


def get_operation(ctx: AppContext, operation_id: int) -> OperationRow | None:
    with ctx.store.session(readonly=True) as session:
        return journal.get_operation(session, ctx.profile.name, operation_id)


def payment_currency(ctx: AppContext, invoice_id: str) -> str:
    """The payment's currency as last read (KZT for one never read): typed amounts are in it."""
    with ctx.store.session(readonly=True) as session:
        found = repository.get_payment(session, ctx.profile.name, invoice_id)
    return found.currency if found is not None else "KZT"


#: Each action's name for people, as the subject of a sentence.
ACTION_NAMES = {
    CONFIRM: msg("action.confirm", "подтверждение списания"),
    CANCEL: msg("action.cancel", "снятие блокировки"),
    REFUND: msg("action.refund", "возврат"),
}


def action_name(action: Action) -> Message:
    return ACTION_NAMES.get(action) or verbatim(action)


def busy_message(
    op: OperationRow, grace: timedelta | None = None, tz: tzinfo = UTC
) -> Message:
    """Why another operation on the payment must wait; with `grace`, what the unresolved one
    waits for."""
    said = {"id": op.id, "action": action_name(op.action), "amount": op.amount,
            "operator": op.operator}
    if grace is not None and op.status in (Status.SENT, Status.UNKNOWN):
        return msg("operations.busy_waiting", "По этому платежу уже идёт операция №{id}: "
                   "{action} на {amount} ({operator}) — {awaited}. Ничего не отправлено.",
                   awaited=awaited(op, grace, tz), **said)
    if op.status == Status.PENDING_APPROVAL:
        return msg("operations.busy_pending", "По этому платежу уже идёт операция №{id}: "
                   "{action} на {amount} ({operator}) ждёт одобрения второго менеджера. Ничего "
                   "не отправлено.", **said)
    if op.status in (Status.INTENT, Status.SENT):
        return msg("operations.busy_sending", "По этому платежу уже идёт операция №{id}: "
                   "{action} на {amount} ({operator}) отправляется в банк, ответ ещё не пришёл. "
                   "Ничего не отправлено.", **said)
    return msg("operations.busy_unknown", "По этому платежу уже идёт операция №{id}: итог "
               "операции «{action}» на {amount} ({operator}) ещё неизвестен; он выяснится по "
               "статусу в банке при следующей синхронизации. Ничего не отправлено.", **said)


def action_limits(ctx: AppContext, invoice_id: str, *, now: datetime | None = None) -> ActionLimits:
    """What each action may do to the payment, by the rules, from the store's picture."""
    invoice_id = normalize_invoice_id(invoice_id)
    with ctx.store.session(readonly=True) as session:
        picture = repository.get_payment(session, ctx.profile.name, invoice_id)
        blockers = journal.list_operations(session, ctx.profile.name, invoice_id=invoice_id,
                                           statuses=UNRESOLVED)
    currency = picture.currency if picture is not None else "KZT"
    state = picture.state if picture is not None else State.UNKNOWN
    held, captured, refunded = (
        Money(getattr(picture, f"{name}_minor") if picture is not None else 0, currency)
        for name in ("held", "captured", "refunded")
    )
    expires_at = _expires(ctx, picture.created_at) if picture is not None else None
    why_not: dict[str, Message] = {}
    limits: dict[str, Money | None] = {CONFIRM: None, CANCEL: None, REFUND: None}
    if picture is None or picture.transaction_id is None:
        for action in limits:
            why_not[action] = msg("operations.not_read_yet", "У банка ещё нет платежа по этому "
                                  "заказу: сначала синхронизируйте его.")
    else:
        checks: dict[str, Callable[[], Money]] = {
            CONFIRM: lambda: check_confirm(state, held, expires_at=expires_at,
                                           now=now or utc_now()),
            CANCEL: lambda: _check_cancel(state, held),
            REFUND: lambda: check_refund(state, captured, refunded),
        }
        for action, check in checks.items():
            try:
                limits[action] = check()
            except RuleViolation as violation:
                why_not[action] = violation.message
    return ActionLimits(
        invoice_id=invoice_id, state=state, currency=currency, held=held, captured=captured,
        refunded=refunded, expires_at=expires_at, max_confirm=limits[CONFIRM],
        cancel_amount=limits[CANCEL], max_refund=limits[REFUND],
        min_refund=Money(MIN_REFUND.minor, currency),
        approval_threshold=Money(ctx.settings["refund_approval_threshold"], currency),
        why_not=why_not, blocked_by=blockers[0] if blockers else None,
    )


def _expires(ctx: AppContext, held_since: datetime | None) -> datetime | None:
    if held_since is None:
        return None
    return held_since + timedelta(days=ctx.settings["hold_expire_days"])


def _check_cancel(state: State, held: Money, amount: Money | None = None) -> Money:
    check_cancel(state)
    if amount is not None and amount != held:
        raise RuleViolation("cancel_in_full", msg(
            "rules.cancel_in_full", "Блокировка снимается только целиком: {held}, а не {amount}.",
            held=held, amount=amount))
    return held


# --- what the bank's status says about an operation ----------------------------------------------

_CAPTURED = frozenset({State.CAPTURED, State.PARTIALLY_REFUNDED, State.REFUNDED})


def effect_of(op: OperationRow, status: PaymentStatus) -> _Effect:
    """Did the bank do `op`, judging by its status now and the picture before `op` was sent?"""
    bank = status.status_name
    now = msg("operations.bank_status", "в банке статус {status}", status=bank)
    if status.transaction_id != op.transaction_id:
        return _Effect("unclear", msg("operations.other_transaction", "в банке статус {status} "
                                      "у другой транзакции ({transaction})", status=bank,
                                      transaction=status.transaction_id))
    if op.action == CONFIRM:
        if status.state in _CAPTURED:
            return _Effect("done", msg("operations.captured", "в банке статус {status}: списано "
                                       "{amount}", status=bank, amount=status.captured))
        if status.state in (State.HELD, State.RELEASED):
            return _Effect("not_done", msg("operations.nothing_captured", "в банке статус "
                                           "{status}: ничего не списано", status=bank))
        return _Effect("unclear", now)
    if op.action == CANCEL:
        if status.state is State.RELEASED:
            return _Effect("done", msg("operations.released", "в банке статус {status}: "
                                       "блокировка снята", status=bank))
        if status.state is State.HELD or status.state in _CAPTURED:
            return _Effect("not_done", msg("operations.not_released", "в банке статус {status}: "
                                           "блокировка не снята", status=bank))
        return _Effect("unclear", now)
    if op.before_refunded_minor is None or status.state not in _CAPTURED:
        return _Effect("unclear", now)
    grown = Money(status.refunded.minor - op.before_refunded_minor, status.currency)
    said = {"status": bank, "refunded": status.refunded,
            "before": Money(op.before_refunded_minor, status.currency)}
    if grown.minor == op.amount.minor:
        return _Effect("done", msg("operations.refunded", "в банке статус {status}, всего "
                                   "возвращено {refunded} (до этого возврата — {before})", **said))
    if grown.minor > op.amount.minor:
        # Ours and someone else's (the bank's cabinet): calling it done never refunds twice.
        return _Effect("done", msg("operations.refunded_more", "в банке статус {status}, всего "
                                   "возвращено {refunded} (до этого возврата — {before}), больше "
                                   "этого возврата: проверьте кабинет банка", **said))
    return _Effect("not_done", msg("operations.refunded", "в банке статус {status}, всего "
                                   "возвращено {refunded} (до этого возврата — {before})", **said))


# --- the desk: one client, one operator, one profile ---------------------------------------------

class _Desk:
    def __init__(self, ctx: AppContext, client: EpayClient, grace: timedelta | None) -> None:
        self.ctx = ctx
        self.store = ctx.store
        self.client = client
        self.profile = ctx.profile.name
        self.operator = ctx.operator
        self.grace = settle_grace(ctx.settings) if grace is None else grace
        self.tz = ZoneInfo(ctx.settings["business_tz"])

    # --- the bank's picture ---------------------------------------------------------------------
    def read(self, invoice_id: str) -> PaymentStatus:
        """The bank's status, kept in the store (and a change of state in the audit log)."""
        status = self.client.get_status(invoice_id)
        at = utc_now()
        with self.store.session() as session:
            old = repository.get_payment(session, self.profile, invoice_id)
            saved = repository.save_payment(session, self.profile,
                                            payment_record(status, invoice_id, at))
            if saved.state_changed and old is not None:
                audit.record_status_change(
                    session, operator=self.operator, profile=self.profile, invoice_id=invoice_id,
                    old_state=old.state.value, new_state=status.state.value,
                    old_bank_status=old.bank_status, new_bank_status=status.status_name,
                )
        return status

    def check(self, action: Action, status: PaymentStatus, amount: Money | None) -> Money:
        if action == CONFIRM:
            return check_confirm(status.state, status.held, amount,
                                 expires_at=_expires(self.ctx, status.created_at), now=utc_now())
        if action == CANCEL:
            return _check_cancel(status.state, status.held, amount)
        return check_refund(status.state, status.captured, status.refunded, amount)

    # --- the journal ----------------------------------------------------------------------------
    def _load(self, session: Session, op_id: int) -> OperationRow:
        return _load(session, op_id, self.profile)

    def unresolved(self, invoice_id: str | None = None) -> list[OperationRow]:
        with self.store.session(readonly=True) as session:
            return journal.list_operations(session, self.profile, invoice_id=invoice_id,
                                           statuses=UNRESOLVED)

    def claim(
        self, action: Action, invoice_id: str, status: PaymentStatus, amount: Money,
        reason: Reason, note: str | None, *, pending: bool,
    ) -> int | OperationRow:
        """Insert the operation (intent, or a request for approval) with its audit entry and
        commit: the operation's id, or the operation that holds the payment already."""
        try:
            with self.store.session() as session:
                op = journal.add_operation(
                    session, self.profile, invoice_id=invoice_id,
                    transaction_id=status.transaction_id, action=action, amount=amount,
                    reason=reason, note=note, operator=self.operator,
                    external_id=new_external_id(),
                    status=Status.PENDING_APPROVAL if pending else Status.INTENT,
                    created_at=utc_now(),
                )
                audit.append(
                    session, operator=self.operator, profile=self.profile, subject=invoice_id,
                    action=f"{action}.{'requested' if pending else 'intent'}",
                    details={"operation_id": op.id, "amount": amount.to_json(),
                             "currency": amount.currency, "reason": reason.code,
                             "reason_text": reason.text, "note": note,
                             "external_id": op.external_id,
                             "transaction_id": status.transaction_id},
                )
                return op.id
        except IntegrityError:
            holders = self.unresolved(invoice_id)
            if not holders:
                raise
            return holders[0]

    def move(
        self, op: OperationRow, to: Status, message: Message | None, *,
        result: Result | None = None,
    ) -> Outcome:
        """Change `op`'s status from the one it was read in to `to`, with its audit entry;
        if another process settled it meanwhile, report what that one found."""
        now = utc_now()
        changes: dict[str, Any] = {}
        if message is not None:
            changes["bank_message"] = message.dump()
        if to not in UNRESOLVED:
            changes["resolved_at"] = now
        with self.store.session() as session:
            moved = journal.change_status(session, op.id, op.status, to, **changes)
            if moved:
                audit.append(
                    session, operator=self.operator, profile=self.profile, subject=op.invoice_id,
                    action=f"{op.action}.{to}",
                    details={"operation_id": op.id, "from": op.status,
                             "message": message.dump_dict() if message else None,
                             "amount": op.amount.to_json()},
                )
                current = replace(op, status=to, bank_message=message)
            else:
                current = self._load(session, op.id)
        if not moved:
            return self.outcome(current)
        return self.outcome(current, result=result, message=message)

    def outcome(
        self, op: OperationRow, *, result: Result | None = None, message: Message | None = None
    ) -> Outcome:
        return Outcome(
            invoice_id=op.invoice_id, action=op.action, amount=op.amount,
            result=result or result_of(op.status),
            message=message or op.bank_message or verbatim(op.status), operation_id=op.id,
        )

    # --- sending ----------------------------------------------------------------------------------
    def send(self, op: OperationRow) -> Outcome:
        """Steps 4 and 5 for an operation in `intent` that this process claimed."""
        try:
            fresh = self.read(op.invoice_id)
            self.check(op.action, fresh, op.amount)
            if fresh.transaction_id != op.transaction_id:
                raise RuleViolation("transaction_changed", msg(
                    "operations.transaction_changed", "Теперь банк показывает по этому заказу "
                    "другую транзакцию ({transaction}).", transaction=fresh.transaction_id))
            # A token now, while nothing has left: once `sent` is committed the request must
            # follow at once, or a resolver could call it not done before it reaches the bank.
            self.client.get_token()
        except RuleViolation as violation:
            return self.move(op, Status.REFUSED, msg("operations.not_sent", "Не отправлено: {why}",
                                                why=violation.message), result=Result.NOT_ALLOWED)
        except EpayError as exc:
            return self.move(op, Status.REFUSED, msg("operations.not_sent_unreachable", "Не "
                                                "отправлено: банк недоступен. {error}",
                                                error=of_error(exc)), result=Result.ERROR)
        sent = replace(op, status=Status.SENT, before_status=fresh.status_name,
                       before_refunded_minor=fresh.refunded.minor)
        with self.store.session() as session:
            claimed = journal.change_status(
                session, op.id, Status.INTENT, Status.SENT, sent_at=utc_now(),
                before_status=fresh.status_name, before_held_minor=fresh.held.minor,
                before_captured_minor=fresh.captured.minor,
                before_refunded_minor=fresh.refunded.minor)
            if not claimed:
                return self.outcome(self._load(session, op.id))
        try:
            self._request(op)
        except BankRefused as exc:
            said = verbatim(exc.bank_message) if exc.bank_message else of_error(exc)
            return self.move(sent, Status.REFUSED, msg("operations.bank_refused", "Банк отказал: "
                                                  "{why}", why=said), result=Result.REFUSED)
        except (TransientError, AuthenticationFailed) as exc:
            return self.move(sent, Status.REFUSED, msg(
                "operations.not_done", "Не выполнено: {error}", error=of_error(exc)),
                result=Result.ERROR)
        except (OutcomeUnknown, MalformedReply) as exc:
            return self.move(sent, Status.UNKNOWN, msg(
                "operations.outcome_unknown", "{error} Итог выяснится по статусу в банке при "
                "следующей синхронизации; ничего не повторяется.", error=of_error(exc)))
        try:
            after = self.read(op.invoice_id)
        except EpayError as exc:
            return self.move(sent, Status.UNKNOWN, msg(
                "operations.accepted_unread", "Банк принял операцию, но её статус не удалось "
                "прочитать для проверки ({error}); итог выяснится при следующей синхронизации.",
                error=of_error(exc)))
        effect = effect_of(sent, after)
        if effect.verdict == "done":
            return self.move(sent, Status.DONE, msg("operations.accepted", "Банк принял операцию: "
                                               "{effect}.", effect=effect.message))
        return self.move(sent, Status.UNKNOWN, msg(
            "operations.accepted_unclear", "Банк принял операцию, но {effect}; итог выяснится по "
            "статусу в банке при следующей синхронизации.", effect=effect.message))

    def _request(self, op: OperationRow) -> None:
        if op.action == CONFIRM:
            self.client.confirm(op.transaction_id, op.amount, invoice_id=op.invoice_id)
        elif op.action == CANCEL:
            self.client.cancel(op.transaction_id, invoice_id=op.invoice_id)
        else:
            self.client.refund(op.transaction_id, op.amount, op.external_id,
                               invoice_id=op.invoice_id)

    # --- resolving ----------------------------------------------------------------------------
    def settle(self, op: OperationRow, status: PaymentStatus | None = None) -> Outcome:
        """Resolve one unresolved operation if the bank's status allows (see the module doc)."""
        now = utc_now()
        if op.status == Status.PENDING_APPROVAL:
            return self.outcome(op, message=busy_message(op))
        if op.status == Status.INTENT:
            started = max(op.created_at, op.approval_at or op.created_at)
            if now - started < self.grace:
                return self.outcome(op, message=busy_message(op))
            return self.move(op, Status.REFUSED, msg(
                "operations.stopped_before_sending", "Не отправлено: программа остановилась до "
                "отправки; в банк ничего не ушло."))
        try:
            status = status or self.read(op.invoice_id)
        except EpayError as exc:
            return self.outcome(op, message=msg(
                "operations.still_unknown_unread", "Итог пока неизвестен: статус в банке не "
                "удалось прочитать ({error}).", error=of_error(exc)))
        effect = effect_of(op, status)
        if effect.verdict == "done":
            return self.move(op, Status.DONE, msg(
                "operations.settled_done", "Выяснено по статусу в банке: {effect}.",
                effect=effect.message))
        if effect.verdict == "not_done":
            settle_at = (op.sent_at or op.created_at) + self.grace
            if now >= settle_at:
                held = self._held_by_registry(op, status)
                if held is not None:
                    return self.outcome(op, message=held)
                return self.move(op, Status.REFUSED, msg(
                    "operations.settled_not_done", "Банк этого не сделал: {effect}.",
                    effect=effect.message))
            return self.outcome(op, message=msg(
                "operations.still_unknown_until", "Итог пока неизвестен: {effect}; если это не "
                "изменится, после {time} UTC операция будет считаться невыполненной.",
                effect=effect.message, time=settle_at.strftime("%H:%M:%S")))
        return self.outcome(op, message=msg(
            "operations.still_unknown_look", "Итог пока неизвестен: {effect}; посмотрите платёж "
            "в кабинете банка.", effect=effect.message))

    def _held_by_registry(self, op: OperationRow, status: PaymentStatus) -> Message | None:
        """Why a refund the status does not show may not yet be declared not done: its
        externalID is in the bank's operations registry, or the registry cannot be read. None:
        the registry was read and the bank has no such refund."""
        if op.action != REFUND:
            return None  # a late confirm or cancel changes the status: the rules see it
        look = msg("operations.look_in_cabinet", "посмотрите возврат в кабинете банка по "
                   "идентификатору {external}", external=op.external_id)
        if status.created_at is None:
            return msg("operations.registry_no_date", "Итог пока неизвестен: банк не назвал "
                       "дату платежа, по которой ищут в реестре операций; {look}.", look=look)
        try:
            records = self.client.iter_operations(
                status.created_at - _REGISTRY_WINDOW, status.created_at + _REGISTRY_WINDOW,
                invoice_ids=[op.invoice_id])
            found = any(_mentions(record.raw, op.external_id) for record in records)
        except EpayError as exc:
            return msg("operations.registry_unread", "Итог пока неизвестен: реестр операций "
                       "банка не удалось прочитать ({error}), а без него нельзя знать, что "
                       "возврата не было; {look}.", error=of_error(exc), look=look)
        if found:
            log.warning("Refund #%s is in the bank's registry but not in the payment's status",
                        op.id)
            return msg("operations.registry_has_it", "Итог пока неизвестен: возврат есть в "
                       "реестре операций банка, но ещё не виден в статусе платежа; ждём, "
                       "повторно он не отправляется.")
        return None

    def resolve(self, invoice_id: str | None = None) -> list[Outcome]:
        return [self.settle(op) for op in self.unresolved(invoice_id)
                if op.status != Status.PENDING_APPROVAL]

    # --- the whole operation --------------------------------------------------------------------
    def execute(
        self, action: Action, invoice_id: str, amount: Money | None, reason: Reason,
        note: str | None,
    ) -> Outcome:
        def refuse(message: Message, result: Result = Result.NOT_ALLOWED,
                   op_id: int | None = None) -> Outcome:
            return Outcome(invoice_id, action, amount, result, message, op_id)

        try:
            with refusals_audited(self.store, self.operator, action), \
                    self.store.session() as session:
                require_in(session, self.operator, MOVE_MONEY)
        except NotAllowed as exc:
            return refuse(exc.message)
        self.resolve(invoice_id)
        blockers = self.unresolved(invoice_id)
        if blockers:
            return refuse(busy_message(blockers[0], self.grace, self.tz), op_id=blockers[0].id)
        try:
            status = self.read(invoice_id)
            amount = self.check(action, status, amount)
        except RuleViolation as violation:
            return refuse(msg("operations.refused_nothing_sent", "{why} Ничего не отправлено.",
                              why=violation.message))
        except EpayError as exc:
            return refuse(msg("operations.error_nothing_sent", "{error} Ничего не отправлено.",
                              error=of_error(exc)), Result.ERROR)
        threshold = self.ctx.settings["refund_approval_threshold"]
        pending = action == REFUND and amount.minor > threshold
        claimed = self.claim(action, invoice_id, status, amount, reason, note, pending=pending)
        if isinstance(claimed, OperationRow):
            return refuse(busy_message(claimed, self.grace, self.tz), op_id=claimed.id)
        if pending:
            limit = Money(threshold, amount.currency)
            return Outcome(invoice_id, action, amount, Result.PENDING_APPROVAL, msg(
                "operations.needs_approval", "Возврат больше {limit} одобряет второй менеджер: "
                "запрос №{id} ждёт одобрения (вкладка «Операции»). Пока ничего не отправлено.",
                limit=limit, id=claimed), claimed)
        with self.store.session(readonly=True) as session:
            op = self._load(session, claimed)
        return self.send(op)


def _mentions(value: Any, text: str) -> bool:
    """Whether `text` is one of the values anywhere in a registry record: the record's shape is
    not documented, so its refunds' ids are looked for wherever the bank puts them."""
    if isinstance(value, dict):
        return any(_mentions(item, text) for item in value.values())
    if isinstance(value, list):
        return any(_mentions(item, text) for item in value)
    return isinstance(value, str) and value == text


@contextmanager
def _desk(
    ctx: AppContext, client: EpayClient | None, grace: timedelta | None
) -> Iterator[_Desk]:
    with nullcontext(client) if client is not None else open_bank(ctx) as epay:
        yield _Desk(ctx, epay, grace)


# --- the use cases ----------------------------------------------------------------------------

def confirm(
    ctx: AppContext, invoice_id: str, *, reason: Reason, amount: Money | None = None,
    note: str | None = None, client: EpayClient | None = None,
    settle_grace: timedelta | None = None,
) -> Outcome:
    """Debit a hold: all of it, or `amount` of it. `client` replaces the profile's bank."""
    return _execute(ctx, CONFIRM, invoice_id, amount, reason, note, client, settle_grace)


def cancel(
    ctx: AppContext, invoice_id: str, *, reason: Reason, note: str | None = None,
    client: EpayClient | None = None, settle_grace: timedelta | None = None,
) -> Outcome:
    """Release a hold in full."""
    return _execute(ctx, CANCEL, invoice_id, None, reason, note, client, settle_grace)


def refund(
    ctx: AppContext, invoice_id: str, *, reason: Reason, amount: Money | None = None,
    note: str | None = None, client: EpayClient | None = None,
    settle_grace: timedelta | None = None,
) -> Outcome:
    """Return `amount` (None: all that remains) to the customer; above the approval threshold
    the refund waits for a second manager."""
    return _execute(ctx, REFUND, invoice_id, amount, reason, note, client, settle_grace)


def _execute(
    ctx: AppContext, action: Action, invoice_id: str, amount: Money | None, reason: Reason,
    note: str | None, client: EpayClient | None, grace: timedelta | None,
) -> Outcome:
    invoice_id = normalize_invoice_id(invoice_id)
    note = (note or "").strip() or None
    if note is not None:
        check_text(note, "note", multiline=True)
    with _desk(ctx, client, grace) as desk:
        return desk.execute(action, invoice_id, amount, reason, note)


def bulk(
    ctx: AppContext, action: Action, invoice_ids: list[str], *, reason: Reason,
    client: EpayClient | None = None, settle_grace: timedelta | None = None,
    progress: Callable[[int, Outcome], None] | None = None,
) -> list[Outcome]:
    """Confirm or release several holds in full, one after another: one outcome per payment."""
    if action not in (CONFIRM, CANCEL):
        raise ValueError("bulk() takes confirm or cancel")
    outcomes = []
    with _desk(ctx, client, settle_grace) as desk:
        for number, invoice_id in enumerate(invoice_ids, 1):
            outcome = desk.execute(action, normalize_invoice_id(invoice_id), None, reason, None)
            outcomes.append(outcome)
            if progress is not None:
                progress(number, outcome)
    return outcomes


def _may_move_money(ctx: AppContext) -> bool:
    with ctx.store.session(readonly=True) as session:
        who = stored_operators.find(session, ctx.operator)
        return who is not None and operator_info(who).can(MOVE_MONEY)


def resolve_unresolved(
    ctx: AppContext, invoice_id: str | None = None, *, client: EpayClient | None = None,
    settle_grace: timedelta | None = None,
) -> list[Outcome]:
    """Settle from the bank's status every operation whose outcome is not known (of one payment,
    or all): at start, on sync, and by `halyk-desk resolve`. Requests waiting for approval are
    left alone. Does not contact the bank when nothing is unresolved."""
    if invoice_id is not None:
        invoice_id = normalize_invoice_id(invoice_id)
    if ctx.store.dialect == "postgresql" and not _may_move_money(ctx):
        # On a team database only a manager's login may change money operations (the database
        # refuses anyone else): the next manager's run settles them.
        return []
    with ctx.store.session(readonly=True) as session:
        unresolved = journal.list_operations(session, ctx.profile.name, invoice_id=invoice_id,
                                             statuses=UNRESOLVED)
    waiting = [op for op in unresolved if op.status != Status.PENDING_APPROVAL]
    if not waiting:
        return []
    with _desk(ctx, client, settle_grace) as desk:
        return desk.resolve(invoice_id)


def read_status(ctx: AppContext, client: EpayClient, invoice_id: str) -> PaymentStatus:
    """The bank's status of one payment, kept in the store with its change of state audited, as
    an operation's own reads are (services.callbacks checks a callback this way)."""
    return _Desk(ctx, client, None).read(invoice_id)


def refresh_status(ctx: AppContext, invoice_id: str) -> PaymentStatus:
    """read_status through the profile's own bank (the window, after a sandbox payment)."""
    with open_bank(ctx) as client:
        return read_status(ctx, client, invoice_id)


def sync_and_resolve(ctx: AppContext, **sync_options: Any) -> SyncSummary:
    """services.sync.sync_statuses, then the unresolved operations settled from the bank's status
    (an UNKNOWN is resolved on the next sync). A failure to settle is logged; the sync's summary
    is returned either way and the operations stay unresolved until the next try."""
    summary = sync_statuses(ctx, **sync_options)
    settle_expired(ctx)
    try:
        resolve_unresolved(ctx, client=sync_options.get("client"))
    except Exception:  # the sync itself worked; the journal is settled next time
        log.warning("Settling unresolved operations after the sync failed", exc_info=True)
    return summary


class NoSuchOperation(MessageError, LookupError):
    def __init__(self, operation_id: int, profile: str) -> None:
        super().__init__(msg("operations.no_such", "В профиле «{profile}» нет операции №{id}.",
                             profile=profile, id=operation_id))


def not_waiting(op: OperationRow) -> Message:
    return msg("operations.not_waiting", "Операция №{id} не ждёт одобрения: её состояние — "
               "{status}.", id=op.id, status=op.status)


def decided_meanwhile(op: OperationRow) -> Message:
    return msg("operations.decided_meanwhile", "Операцию №{id} только что одобрил или отклонил "
               "кто-то другой.", id=op.id)


def approve(
    ctx: AppContext, operation_id: int, *, client: EpayClient | None = None,
    settle_grace: timedelta | None = None,
) -> Outcome:
    """A second manager approves a waiting refund; it is then checked again and sent."""
    op = get_operation(ctx, operation_id)
    if op is None:
        raise NoSuchOperation(operation_id, ctx.profile.name)
    desk_op = op

    def refuse(message: Message) -> Outcome:
        return Outcome(op.invoice_id, op.action, op.amount, Result.NOT_ALLOWED, message,
                       op.id)

    try:
        operators.require_of(ctx.store, ctx.operator, APPROVE)  # a refusal is audited
    except NotAllowed as exc:
        return refuse(exc.message)
    with ctx.store.session() as session:
        actor = require_in(session, ctx.operator, APPROVE)
        if op.status != Status.PENDING_APPROVAL:
            return refuse(not_waiting(op))
        if actor.name == op.operator:
            own = msg("operations.approve_own", "Операцию №{id} запросил {operator}: одобрить её "
                      "должен другой менеджер.", id=op.id, operator=op.operator)
            audit.append(session, operator=actor.name, action="refused",
                         subject=f"{op.action}.approve", details={"why": own.dump_dict()})
            return refuse(own)
        now = utc_now()
        moved = journal.change_status(session, op.id, Status.PENDING_APPROVAL, Status.INTENT,
                                      approved_by=actor.name, approval_at=now)
        if not moved:
            return refuse(decided_meanwhile(op))
        audit.append(session, operator=actor.name, profile=ctx.profile.name,
                     subject=op.invoice_id, action=f"{op.action}.approved",
                     details={"operation_id": op.id, "amount": op.amount.to_json(),
                              "requested_by": op.operator})
        desk_op = replace(op, status=Status.INTENT, approved_by=actor.name, approval_at=now)
    with _desk(ctx, client, settle_grace) as desk:
        return desk.send(desk_op)


def reject(ctx: AppContext, operation_id: int, reason: str) -> OperationRow:
    """A manager turns down a waiting refund (or its requester withdraws it); nothing is sent."""
    reason = (reason or "").strip()
    if not reason:
        raise ReasonError(msg("operations.reject_needs_reason", "Скажите, почему запрос "
                              "отклонён."))
    check_text(reason, "rejected_reason")
    op = get_operation(ctx, operation_id)
    if op is None:
        raise NoSuchOperation(operation_id, ctx.profile.name)
    with refusals_audited(ctx.store, ctx.operator, f"{op.action}.reject"), \
            ctx.store.session() as session:
        actor = require_in(session, ctx.operator, APPROVE)
        if op.status != Status.PENDING_APPROVAL:
            raise NotAllowed(not_waiting(op))
        moved = journal.change_status(session, op.id, Status.PENDING_APPROVAL, Status.REJECTED,
                                      rejected_by=actor.name, rejected_reason=reason,
                                      resolved_at=utc_now())
        if not moved:
            raise NotAllowed(decided_meanwhile(op))
        audit.append(session, operator=actor.name, profile=ctx.profile.name,
                     subject=op.invoice_id, action=f"{op.action}.rejected",
                     details={"operation_id": op.id, "amount": op.amount.to_json(),
                              "requested_by": op.operator, "reason": reason})
        return _load(session, op.id, ctx.profile.name)
