"""Plain data going in and out of the store: the layers above never see SQLAlchemy objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from halyk_desk.domain import DEFAULT_CURRENCY, Money, State
from halyk_desk.domain.journal import UNRESOLVED, Action
from halyk_desk.domain.journal import OperationStatus as Status
from halyk_desk.messages import Message


@dataclass(frozen=True)
class ProfileRecord:
    name: str
    #: sandbox | halyk-test | custom
    kind: str
    oauth_url: str | None = None
    api_url: str | None = None
    client_id: str | None = None
    terminal_id: str | None = None
    #: The merchant cabinet's user; its password lives in the keyring.
    cabinet_user: str | None = None
    #: zero | one | skip once the bank's operations paging is known (see epay.client).
    operations_paging: str | None = None
    #: For payment links: the shop's id at the bank, and the callback receiver's public address.
    shop_id: str | None = None
    callback_url: str | None = None


@dataclass(frozen=True)
class OrderRecord:
    """One order of the shop; amounts in minor units, times aware."""

    invoice_id: str
    amount_minor: int
    created_at: datetime
    currency: str = DEFAULT_CURRENCY
    customer: str | None = None
    shop_status: str | None = None
    shop_paid: bool | None = None
    source_file: str | None = None
    source_row: int | None = None


@dataclass(frozen=True)
class UpsertResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class PaymentRecord:
    """What the bank says about the payment for one invoiceId, as the store keeps it."""

    invoice_id: str
    state: State
    currency: str = DEFAULT_CURRENCY
    transaction_id: str | None = None
    #: statusName as the bank gave it (None when the bank has no payment: state not_found).
    bank_status: str | None = None
    original_minor: int = 0
    held_minor: int = 0
    captured_minor: int = 0
    refunded_minor: int = 0
    remaining_minor: int = 0
    card_mask: str | None = None
    card_type: str | None = None
    reference: str | None = None
    approval_code: str | None = None
    created_at: datetime | None = None
    last_read_at: datetime | None = None
    read_error: str | None = None
    raw_reply: str | None = None


@dataclass(frozen=True)
class SyncCandidate:
    """An order a sync may read, with what the store knows of its payment (None: never read)."""

    invoice_id: str
    order_created_at: datetime
    state: State | None
    bank_status: str | None
    transaction_id: str | None
    remaining_minor: int | None
    refunded_minor: int | None
    last_read_at: datetime | None


@dataclass(frozen=True)
class SavedPayment:
    """The outcome of save_payment: the row's id, and whether anything the bank says changed."""

    payment_id: int
    changed: bool
    state_changed: bool
    old_state: State | None
    old_bank_status: str | None = None


@dataclass(frozen=True)
class StatusChangeRecord:
    at: datetime
    old_state: State | None
    new_state: State
    old_bank_status: str | None
    new_bank_status: str | None
    sync_run_id: int | None


@dataclass(frozen=True)
class SyncRunRecord:
    id: int
    profile: str
    started_at: datetime
    finished_at: datetime | None
    #: running | finished | cancelled | failed | interrupted (killed midway: it stopped beating)
    status: str
    date_from: datetime | None
    date_to: datetime | None
    include_final: bool
    total: int
    read_count: int
    changed_count: int
    not_found_count: int
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"


@dataclass(frozen=True)
class PaymentFilter:
    """What the payments list shows, from the window and the command line down to the store.
    `text` searches invoiceId, RRN, card mask (or its last four digits) and customer; dates are
    business days, both included, in the time zone the store is given (settings business_tz);
    `states` holds State values (State.UNKNOWN also matches orders never read), empty for all."""

    text: str = ""
    date_from: date | None = None
    date_to: date | None = None
    states: frozenset[State] = frozenset()
    #: LinkState values: only orders with a payment link in one of them; empty for all orders.
    links: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PaymentRow:
    """One order with the bank's picture of its payment: the one row type of the payments list,
    from the store to the window. `amount` is the order's amount; captured and refunded are the
    bank's (zero until read, in the bank's currency once read). `state` is State.UNKNOWN for an
    order never read and State.NOT_FOUND when the bank has no payment for it."""

    invoice_id: str
    transaction_id: str | None
    state: State
    bank_status: str | None
    amount: Money
    captured: Money
    refunded: Money
    currency: str
    created_at: datetime
    customer: str | None
    card_mask: str | None
    reference: str | None
    shop_status: str | None
    last_read_at: datetime | None
    read_error: str | None = None


@dataclass(frozen=True)
class HoldRow:
    """A held payment: how long it has been held (since `created_at`, the bank's createdDate or
    the order's date) and how long it may still be confirmed. The one row type of the Holds
    list, from the store to the window."""

    invoice_id: str
    transaction_id: str | None
    amount: Money
    created_at: datetime
    age: timedelta
    expires_at: datetime
    time_left: timedelta
    #: Held at least `warn_days` (settings hold_warn_days): confirm or release soon.
    warn: bool
    #: Past `expire_days` (settings hold_expire_days): it can no longer be confirmed.
    expired: bool
    customer: str | None



@dataclass(frozen=True)
class AuditRecord:
    """One entry of the audit log (services.audit says how entries are chained)."""

    seq: int
    at: datetime
    operator: str
    action: str
    subject: str
    profile: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class AuditFilter:
    """What the Audit tab and `audit list` show; every field narrows, None means any."""

    operator: str | None = None
    #: An action or its family: "refund" matches "refund.intent", "refund.done"...
    action: str | None = None
    #: [date_from, date_to) in UTC.
    date_from: datetime | None = None
    date_to: datetime | None = None
    invoice_id: str | None = None


@dataclass(frozen=True)
class OperatorRecord:
    """A person who may act in the program (services.operators says what each role may do)."""

    name: str
    role: str
    active: bool
    created_at: datetime
    created_by: str | None
    #: scrypt hash (services.passwords); None: may act only as their own OS login.
    password_hash: str | None = None
    #: Wrong passwords in a row, and when the next try will be heard (sign-in slow-down).
    failed_signins: int = 0
    signin_wait_until: datetime | None = None


@dataclass(frozen=True)
class Reason:
    """A reason from the managed list (settings "reasons"), and the operator's own words."""

    code: str
    text: str | None = None

    def __str__(self) -> str:
        return f"{self.code}: {self.text}" if self.text else self.code


@dataclass(frozen=True)
class OperationRow:
    """One entry of the money journal: the one row type of the Operations list, from the store
    to the window and the CLI."""

    id: int
    profile: str
    invoice_id: str
    transaction_id: str
    action: Action
    amount: Money
    reason: Reason
    note: str | None
    operator: str
    external_id: str
    status: Status
    #: What became of it (stored as Message.dump(); older entries hold plain text).
    bank_message: Message | None
    created_at: datetime
    sent_at: datetime | None
    resolved_at: datetime | None
    approved_by: str | None
    approval_at: datetime | None
    rejected_by: str | None
    rejected_reason: str | None
    before_status: str | None
    before_refunded_minor: int | None

    @property
    def unresolved(self) -> bool:
        return self.status in UNRESOLVED


@dataclass(frozen=True)
class RunRecord:
    """A recorded reconciliation run as the history lists it."""

    id: int
    date_from: date
    date_to: date
    time_zone: str
    operator: str
    at: datetime
    summary: dict[str, Any]


@dataclass(frozen=True)
class MarkRecord:
    """A discrepancy marked resolved: its category ("" for a mark made without one, which stands
    in every category), the discrepancy's key, the note, who and when."""

    category: str
    key: str
    note: str
    operator: str
    at: datetime
