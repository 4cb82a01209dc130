"""The money journal's words: what an operation does, where it stands, and what a person is told
became of it (docs/architecture.md, "Money movement is a journal, not a call").

They are StrEnums: each member is its stored text ("intent", "done"...), so the database, the
audit log and --json keep the same values, while the code names every case and a type checker
can tell when one is left unhandled (`match` with `assert_never`).
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    CONFIRM = "confirm"
    CANCEL = "cancel"
    REFUND = "refund"


class OperationStatus(StrEnum):
    """Where an operation stands in the journal."""

    #: A refund above the approval threshold, waiting for a second manager.
    PENDING_APPROVAL = "pending_approval"
    #: Written and committed, not yet sent (after a crash: never sent).
    INTENT = "intent"
    #: Committed as sent; the request may be at the bank.
    SENT = "sent"
    #: No answer: settled from the bank's status, never repeated.
    UNKNOWN = "unknown"
    DONE = "done"
    REFUSED = "refused"
    #: The second manager said no.
    REJECTED = "rejected"


#: Statuses that hold the payment: no other operation on it until they are settled.
UNRESOLVED: tuple[OperationStatus, ...] = (
    OperationStatus.PENDING_APPROVAL, OperationStatus.INTENT, OperationStatus.SENT,
    OperationStatus.UNKNOWN,
)
RESOLVED: tuple[OperationStatus, ...] = (
    OperationStatus.DONE, OperationStatus.REFUSED, OperationStatus.REJECTED,
)


class OperationResult(StrEnum):
    """What became of one request, as the window and the command line tell it."""

    DONE = "done"
    #: The bank said no; nothing was done.
    REFUSED = "refused"
    #: The rules, a role or a second manager did not allow it; nothing was sent.
    NOT_ALLOWED = "not_allowed"
    #: No answer yet: the program settles it from the bank's status.
    UNKNOWN = "unknown"
    PENDING_APPROVAL = "pending_approval"
    #: Another failure (the bank unreachable before sending, bad input...).
    ERROR = "error"


def result_of(status: OperationStatus) -> OperationResult:
    """What a person is told of an operation in `status`."""
    match status:
        case OperationStatus.DONE:
            return OperationResult.DONE
        case OperationStatus.REFUSED:
            return OperationResult.REFUSED
        case OperationStatus.REJECTED:
            return OperationResult.NOT_ALLOWED
        case OperationStatus.PENDING_APPROVAL:
            return OperationResult.PENDING_APPROVAL
        case OperationStatus.INTENT | OperationStatus.SENT | OperationStatus.UNKNOWN:
            return OperationResult.UNKNOWN
