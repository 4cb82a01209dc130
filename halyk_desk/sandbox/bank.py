"""The sandbox bank's books: payments, the money operations applied to them, and the bank's rules.

One lock guards everything, so concurrent HTTP requests see and change a consistent state. Rules
come from halyk_desk.domain (the bank and the program agree on them); a broken rule is a Refusal,
which the HTTP layer turns into HTTP 400 {"code", "message"}.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import random
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum
from pathlib import Path
from typing import Any, NamedTuple

from halyk_desk.domain import (
    Money,
    RuleViolation,
    State,
    as_utc,
    canonical_state,
    check_cancel,
    check_confirm,
    check_refund,
    utc_now,
)
from halyk_desk.sandbox.invoices import (
    TEST_CARDS,
    InvoiceDesk,
    SandboxLink,
    callback_body,
    card_mask,
)
from halyk_desk.sandbox.tokens import TokenDesk

# The bank's published test merchant (epay-api.md); the sandbox accepts it unless told otherwise.
TEST_CLIENT_ID = "test"
TEST_CLIENT_SECRET = "yF587AV9Ms94qN2QShFzVR3vFnWkhjbAK3sG"
TEST_TERMINAL = "67e34d63-102f-4bd1-898e-370781d0074d"
#: The sandbox's merchant cabinet user (the bank publishes none for its test merchant).
SANDBOX_CABINET_USER = "cabinet@sandbox.local"
SANDBOX_CABINET_PASSWORD = "sandbox-cabinet"

#: How `paging.page` of POST /operations is read; the bank's pages contradict each other
#: (epay-api.md): a 0-based page number, a 1-based one, or the number of records to skip.
PAGING_CONVENTIONS = ("zero", "one", "skip")

#: Statuses of payments the card issuer approved: they carry an RRN and an approval code.
APPROVED = frozenset({"AUTH", "CHARGE", "REFUND", "CANCEL", "CANCEL_OLD"})
SAVE_FORMAT = 1


class RefusalCode(IntEnum):
    """The `code` of the sandbox's HTTP 400 replies: INVENTED by the sandbox. The bank publishes
    no list of its own codes, so these numbers mean nothing at the real bank; the client reads
    none of them (epay.errors.MONEY_CODES), only the message beside them."""

    BAD_REQUEST = 1
    UNKNOWN_TRANSACTION = 2
    WRONG_STATUS = 3
    ABOVE_HELD = 4
    BELOW_MINIMUM = 5
    ABOVE_REMAINING = 6
    TERMINAL = 7


_RULE_CODES = {
    "not_held": RefusalCode.WRONG_STATUS,
    "hold_expired": RefusalCode.WRONG_STATUS,
    "not_captured": RefusalCode.WRONG_STATUS,
    "above_held": RefusalCode.ABOVE_HELD,
    "below_minimum": RefusalCode.BELOW_MINIMUM,
    "above_remaining": RefusalCode.ABOVE_REMAINING,
    "nothing_left": RefusalCode.ABOVE_REMAINING,
}


class Refusal(Exception):
    """The bank refused an operation; nothing was applied."""

    def __init__(self, code: RefusalCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Operation(NamedTuple):
    """One money operation the bank applied."""

    action: str  # 'charge' | 'cancel' | 'refund'
    tx_id: str
    amount_minor: int
    external_id: str | None
    at: datetime


class RequestRecord(NamedTuple):
    method: str
    path: str  # without the query string


@dataclass
class SandboxPayment:
    """One payment as the bank keeps it. Amounts in minor units of `currency`.

    amount_minor is what the status reply calls `amount`: what remains captured (charged − refunded)
    for CHARGE and REFUND, the held or attempted amount otherwise. original_minor is `orgAmount`,
    refunded_minor is `payoutAmount`.
    """

    id: str
    invoice_id: str
    status: str
    original_minor: int
    charged_minor: int
    refunded_minor: int
    held_minor: int
    currency: str
    created_at: datetime
    card_mask: str = "440043...1234"
    card_type: str = "VISA"
    issuer: str = "HALYK BANK"
    description: str = ""
    reference: str = ""
    approval_code: str = ""
    email: str = ""
    phone: str = ""
    name: str = ""
    reason: str = ""
    reason_code: str = "0"
    language: str = "RU"
    secure: bool = True
    payout_at: datetime | None = None

    @property
    def amount_minor(self) -> int:
        if self.status in ("CHARGE", "REFUND"):
            return self.charged_minor - self.refunded_minor
        return self.held_minor if self.status == "AUTH" else self.original_minor

    def money(self, minor: int) -> Money:
        return Money(minor, self.currency)


class SandboxBank:
    """An ePay merchant account: its payments, its tokens and its rules."""

    def __init__(
        self,
        *,
        client_id: str = TEST_CLIENT_ID,
        client_secret: str = TEST_CLIENT_SECRET,
        terminal: str = TEST_TERMINAL,
        token_ttl: int = 7200,
        hold_lifetime: timedelta = timedelta(days=7),
        clock: Callable[[], datetime] = utc_now,
        seed: int = 0,
        cabinet_user: str = SANDBOX_CABINET_USER,
        cabinet_password: str = SANDBOX_CABINET_PASSWORD,
        token_uses: int | None = None,
        revoke_on_issue: bool = False,
        cabinet_only: bool = False,
        paging: str = "zero",
        partial_refund_status: str = "CHARGE",
    ) -> None:
        """`cabinet_only`: the endpoints the bank documents under the cabinet user's login
        (the operations list) refuse a client-credentials token, as the docs say they should.
        `paging`: one of PAGING_CONVENTIONS. `token_uses`/`revoke_on_issue`: see TokenDesk.
        `partial_refund_status`: what a partly refunded payment is reported as, CHARGE or REFUND
        (banks have been seen to do both)."""
        if partial_refund_status not in ("CHARGE", "REFUND"):
            raise ValueError("partial_refund_status must be CHARGE or REFUND")
        self.partial_refund_status = partial_refund_status
        if paging not in PAGING_CONVENTIONS:
            raise ValueError(f"paging must be one of {', '.join(PAGING_CONVENTIONS)}")
        self.cabinet_only = cabinet_only
        self.paging = paging
        self.client_id = client_id
        self.terminal = terminal
        self.hold_lifetime = hold_lifetime
        self.clock = clock
        self.seed = seed
        self.tokens = TokenDesk(
            client_id=client_id, client_secret=client_secret, terminal=terminal, ttl=token_ttl,
            clock=clock, cabinet_user=cabinet_user, cabinet_password=cabinet_password,
            token_uses=token_uses, revoke_on_issue=revoke_on_issue,
        )
        self.operations: list[Operation] = []
        #: Refunds the bank has received but not applied yet (the late_apply fault): shown in the
        #: operations registry as in progress, applied by apply_pending().
        self.pending: list[tuple[str, int | None, str | None]] = []
        self._deferring = threading.local()
        self.requests: list[RequestRecord] = []
        self._lock = threading.RLock()
        self._rng = random.Random(seed)
        self._by_id: dict[str, SandboxPayment] = {}
        self._by_invoice: dict[str, SandboxPayment] = {}
        #: Bumped by every change to the books: listings of an unchanged bank are reused.
        self._version = 0
        self._listing: tuple[object, list[SandboxPayment]] | None = None
        self.invoices = InvoiceDesk(clock)

    def __repr__(self) -> str:
        return f"SandboxBank(client_id={self.client_id!r}, payments={len(self._by_id)})"

    # --- filling the books --------------------------------------------------------------------
    def add_payment(
        self,
        invoice_id: str,
        amount: Money,
        *,
        status: str = "CHARGE",
        created_at: datetime | None = None,
        refunded: Money | None = None,
        refunded_at: datetime | None = None,
        charged: Money | None = None,
        card_mask: str = "440043...1234",
        card_type: str = "VISA",
        issuer: str = "HALYK BANK",
        description: str = "",
        reference: str | None = None,
        approval_code: str | None = None,
        email: str = "",
        phone: str = "",
        name: str = "",
        reason: str = "",
        reason_code: str = "0",
        secure: bool = True,
    ) -> str:
        """Record a payment as if a customer had just paid; returns the bank's transaction id.

        `charged` below `amount` is a hold that was partly confirmed; `refunded` is what was
        returned so far, at `refunded_at` (a CHARGE refunded in full becomes REFUND). Any status is
        stored as given, so unknown statuses can be served too.
        """
        status = status.strip().upper()
        if amount.minor < 0:
            raise ValueError("a payment amount cannot be negative")
        captured = status in ("CHARGE", "REFUND")
        charged_minor = (charged or amount).minor if captured else 0
        if charged is not None and not (captured and 0 < charged.minor <= amount.minor):
            raise ValueError("charged applies to CHARGE/REFUND and must be within the amount")
        refunded_minor = refunded.minor if refunded is not None else 0
        if status == "REFUND" and refunded is None:
            refunded_minor = charged_minor
        if refunded_minor and not captured:
            raise ValueError("only a captured payment (CHARGE/REFUND) can have refunds")
        if not 0 <= refunded_minor <= charged_minor:
            raise ValueError("refunds cannot exceed the captured amount")
        if captured:
            status = "REFUND" if refunded_minor == charged_minor else "CHARGE"
        when = as_utc(created_at) if created_at is not None else self.clock()
        with self._lock:
            if invoice_id in self._by_invoice:
                raise ValueError(f"invoiceId {invoice_id} already has a payment")
            approved = status in APPROVED
            payment = SandboxPayment(
                id=self._new_id(),
                invoice_id=invoice_id,
                status=status,
                original_minor=amount.minor,
                charged_minor=charged_minor,
                refunded_minor=refunded_minor,
                held_minor=amount.minor if status == "AUTH" else 0,
                currency=amount.currency,
                created_at=when,
                card_mask=card_mask,
                card_type=card_type,
                issuer=issuer,
                description=description,
                reference=self._digits(12, approved) if reference is None else reference,
                approval_code=self._digits(6, approved) if approval_code is None else approval_code,
                email=email,
                phone=phone,
                name=name,
                reason=reason,
                reason_code=reason_code,
                secure=secure,
                payout_at=as_utc(refunded_at or when) if refunded_minor else None,
            )
            self._put(payment)
            return payment.id

    def _new_id(self) -> str:
        while True:  # a bank loaded from disk restarts its generator: skip ids already taken
            tx_id = str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
            if tx_id not in self._by_id:
                return tx_id

    def _digits(self, n: int, wanted: bool) -> str:
        return "".join(str(self._rng.randrange(10)) for _ in range(n)) if wanted else ""

    def _put(self, payment: SandboxPayment) -> None:
        self._by_id[payment.id] = payment
        self._by_invoice[payment.invoice_id] = payment
        self._version += 1

    # --- reading ------------------------------------------------------------------------------
    def get(self, invoice_id: str) -> SandboxPayment:
        """A copy of the payment for this invoiceId; KeyError when the bank has none."""
        found = self.find(invoice_id)
        if found is None:
            raise KeyError(f"no payment for invoiceId {invoice_id}")
        return found

    def find(self, invoice_id: str) -> SandboxPayment | None:
        with self._lock:
            payment = self._by_invoice.get(invoice_id)
            return self._snapshot(payment) if payment is not None else None

    def find_by_id(self, tx_id: str) -> SandboxPayment | None:
        with self._lock:
            payment = self._by_id.get(tx_id)
            return self._snapshot(payment) if payment is not None else None

    def payments(self) -> list[SandboxPayment]:
        """Copies of every payment, oldest first."""
        with self._lock:
            items = sorted(self._by_id.values(), key=lambda p: (p.created_at, p.id))
            return [self._snapshot(p) for p in items]

    def listing(
        self, query: object, select: Callable[[list[SandboxPayment]], list[SandboxPayment]],
        first: int, size: int,
    ) -> tuple[int, list[SandboxPayment]]:
        """(how many payments `select` keeps, copies of `size` of them from `first` on).

        `select` filters and orders the live payments (oldest first); `query` names what it
        selects. The selection is kept while the books do not change, so paging through a big
        list costs a page each time, as at a real bank, not a sort of every payment."""
        with self._lock:
            key = (query, self._version)
            if self._listing is None or self._listing[0] != key:
                live = sorted(self._by_id.values(), key=lambda p: (p.created_at, p.id))
                self._listing = (key, select(live))
            found = self._listing[1]
            return len(found), [self._snapshot(p) for p in found[first : first + size]]

    def _snapshot(self, payment: SandboxPayment) -> SandboxPayment:
        self._expire_stale_hold(payment)
        return dataclasses.replace(payment)

    def _expire_stale_hold(self, payment: SandboxPayment) -> None:
        # The bank releases holds past their lifetime by itself; we notice whenever one is touched.
        if payment.status == "AUTH" and self.clock() >= payment.created_at + self.hold_lifetime:
            payment.status = "CANCEL_OLD"
            payment.held_minor = 0

    def record_request(self, method: str, path: str) -> None:
        with self._lock:
            self.requests.append(RequestRecord(method, path))

    # --- moving money -------------------------------------------------------------------------
    def charge(self, tx_id: str, amount_minor: int | None = None) -> SandboxPayment:
        """Confirm a hold, in full or in part (the rest of the hold is released)."""
        with self._lock:
            payment = self._acting_on(tx_id)
            held = payment.money(payment.held_minor)
            amount = _obey(
                lambda: check_confirm(
                    _state(payment), held, _money(payment, amount_minor)
                )
            )
            payment.status = "CHARGE"
            payment.charged_minor = amount.minor
            payment.held_minor = 0
            return self._applied("charge", payment, amount.minor, None)

    def cancel(self, tx_id: str) -> SandboxPayment:
        """Release a hold; always the full amount."""
        with self._lock:
            payment = self._acting_on(tx_id)
            _obey(lambda: check_cancel(_state(payment)))
            released = payment.held_minor
            payment.status = "CANCEL"
            payment.held_minor = 0
            return self._applied("cancel", payment, released, None)

    def refund(
        self, tx_id: str, amount_minor: int | None = None, external_id: str | None = None
    ) -> SandboxPayment:
        """Return money from a captured payment; refunds accumulate in payoutAmount."""
        with self._lock:
            if getattr(self._deferring, "on", False):
                self.pending.append((tx_id, amount_minor, external_id))
                return dataclasses.replace(self._acting_on(tx_id))
            payment = self._acting_on(tx_id)
            amount = _obey(
                lambda: check_refund(
                    _state(payment),
                    payment.money(payment.charged_minor),
                    payment.money(payment.refunded_minor),
                    _money(payment, amount_minor),
                )
            )
            payment.refunded_minor += amount.minor
            payment.payout_at = self.clock()
            if payment.refunded_minor == payment.charged_minor:
                payment.status = "REFUND"
            else:
                payment.status = self.partial_refund_status
            return self._applied("refund", payment, amount.minor, external_id)

    @contextlib.contextmanager
    def deferring(self) -> Iterator[None]:
        """Refunds asked for in this block (this thread) are queued, not applied."""
        self._deferring.on = True
        try:
            yield
        finally:
            self._deferring.on = False

    def apply_pending(self) -> None:
        """The bank gets round to the refunds it queued (each still under its rules)."""
        with self._lock:
            waiting, self.pending = self.pending, []
            for tx_id, amount_minor, external_id in waiting:
                with contextlib.suppress(Refusal):
                    self.refund(tx_id, amount_minor, external_id)

    def refunds_of(self, tx_id: str) -> list[dict[str, object]]:
        """The payment's refunds as the operations registry lists them, done and in progress.
        (The real record's shape is undocumented; the program looks for its externalID anywhere
        in a record, so this is one plausible shape, not a promise.)"""
        with self._lock:
            done: list[dict[str, object]] = [
                {"externalID": op.external_id, "amount": op.amount_minor / 100, "status": "DONE"}
                for op in self.operations if op.action == "refund" and op.tx_id == tx_id]
            queued: list[dict[str, object]] = [
                {"externalID": external_id, "amount": None, "status": "IN_PROGRESS"}
                for pending_tx, _amount, external_id in self.pending if pending_tx == tx_id]
        return done + queued

    def _acting_on(self, tx_id: str) -> SandboxPayment:
        payment = self._by_id.get(tx_id)
        if payment is None:
            raise Refusal(RefusalCode.UNKNOWN_TRANSACTION, f"Transaction {tx_id} not found")
        self._expire_stale_hold(payment)
        return payment

    def _applied(
        self, action: str, payment: SandboxPayment, amount_minor: int, external_id: str | None
    ) -> SandboxPayment:
        op = Operation(action, payment.id, amount_minor, external_id, self.clock())
        self.operations.append(op)
        self._version += 1
        return dataclasses.replace(payment)

    # --- payment links -----------------------------------------------------------------------
    def pay_link(self, link_id: str, card: str, *, decline: bool = False) -> SandboxLink:
        """A customer pays a link (or is declined): the payment enters the books, held or
        captured as the terminal is set up, and the callback goes out (invoices.InvoiceDesk)."""

        def book(link: SandboxLink, digits: str, approved: bool) -> dict[str, Any]:
            kind, issuer = TEST_CARDS.get(digits, ("VISA", "OTHER BANK"))
            status = ("AUTH" if self.invoices.two_stage else "CHARGE") if approved else "REJECT"
            self.add_payment(
                link.invoice_id, Money(link.amount_minor, link.currency), status=status,
                card_mask=card_mask(digits), card_type=kind, issuer=issuer,
                description=link.description, email=link.email, phone=link.phone,
                reason="" if approved else "Declined by issuer",
                reason_code="0" if approved else "05",
            )
            payment = self._by_invoice[link.invoice_id]
            return callback_body(link, payment, self.terminal, approved, self.clock())

        with self._lock:
            return self.invoices.pay(link_id, card, decline, book)

    # --- keeping the books between runs -------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write payments and operations as JSON; atomic (temp file, then rename). No secrets."""
        with self._lock:
            data = {
                "format": SAVE_FORMAT,
                "payments": [_payment_to_json(p) for p in self._by_id.values()],
                "operations": [
                    {**op._asdict(), "at": op.at.isoformat()} for op in self.operations
                ],
                "links": self.invoices.to_json(),
            }
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, ensure_ascii=False, indent=1)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: str | os.PathLike[str], **kwargs: Any) -> SandboxBank:
        """The bank saved at `path`; kwargs (credentials, clock...) as for the constructor."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("format") != SAVE_FORMAT:
            raise ValueError(f"{path} is not a sandbox bank saved by this version")
        bank = cls(**kwargs)
        for item in data["payments"]:
            bank._put(_payment_from_json(item))
        bank.operations.extend(
            Operation(**{**op, "at": datetime.fromisoformat(op["at"])}) for op in data["operations"]
        )
        bank.invoices.load(data.get("links", []))  # books saved before links had none
        return bank


def _state(payment: SandboxPayment) -> State:
    return canonical_state(payment.status, refunded_minor=payment.refunded_minor,
                           remaining_minor=payment.amount_minor)


def _money(payment: SandboxPayment, minor: int | None) -> Money | None:
    return None if minor is None else payment.money(minor)


def _obey(check: Callable[[], Any]) -> Any:
    try:
        return check()
    except RuleViolation as violation:
        code = _RULE_CODES.get(violation.code, RefusalCode.BAD_REQUEST)
        raise Refusal(code, violation.message.render("en")) from None


def _payment_to_json(payment: SandboxPayment) -> dict[str, Any]:
    data = dataclasses.asdict(payment)
    data["created_at"] = payment.created_at.isoformat()
    data["payout_at"] = payment.payout_at.isoformat() if payment.payout_at else None
    return data


def _payment_from_json(data: dict[str, Any]) -> SandboxPayment:
    fields = dict(data)
    fields["created_at"] = as_utc(datetime.fromisoformat(fields["created_at"]))
    if fields.get("payout_at"):
        fields["payout_at"] = as_utc(datetime.fromisoformat(fields["payout_at"]))
    return SandboxPayment(**fields)
