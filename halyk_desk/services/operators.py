"""Operators and their roles, enforced here in the services (the window only greys out buttons).

Roles, each including the one before:
  accountant — read, reconcile, export;
  manager    — also confirm, cancel and refund, and approve another manager's large refund;
  admin      — also settings and operators.

Who acts is `ctx.operator` (the OS user unless --operator NAME). On a fresh store, with no
operators at all, the first person to act becomes an admin, so a new installation can be set up
without a chicken-and-egg step; from then on only registered, active operators may act.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from halyk_desk.domain import utc_now
from halyk_desk.services import audit
from halyk_desk.store.journal_models import ROLES, Operator

if TYPE_CHECKING:
    from halyk_desk.services.context import AppContext

READ, RECONCILE, EXPORT = "read", "reconcile", "export"
MOVE_MONEY, APPROVE = "move_money", "approve"
SETTINGS, OPERATORS = "settings", "operators"

_ACCOUNTANT = frozenset({READ, RECONCILE, EXPORT})
_MANAGER = _ACCOUNTANT | {MOVE_MONEY, APPROVE}
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "accountant": _ACCOUNTANT,
    "manager": _MANAGER,
    "admin": _MANAGER | {SETTINGS, OPERATORS},
}
#: What each permission lets a person do, for refusals.
PERMISSION_TITLES = {
    READ: "read payments",
    RECONCILE: "reconcile",
    EXPORT: "export reports",
    MOVE_MONEY: "confirm, cancel or refund payments",
    APPROVE: "approve refunds",
    SETTINGS: "change settings",
    OPERATORS: "manage operators",
}
#: The least role that has each permission, for "ask for role X" hints.
LEAST_ROLE = {p: next(r for r in ROLES if p in ROLE_PERMISSIONS[r]) for p in PERMISSION_TITLES}


class NotAllowed(PermissionError):
    """The operator may not do this; nothing was done. The message says who may."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class OperatorInfo:
    name: str
    role: str
    active: bool
    created_at: datetime
    created_by: str | None

    def can(self, permission: str) -> bool:
        return self.active and permission in ROLE_PERMISSIONS[self.role]


def _info(row: Operator) -> OperatorInfo:
    return OperatorInfo(row.name, row.role, row.active, row.created_at, row.created_by)


def _clean_name(name: str) -> str:
    cleaned = (name or "").strip()
    if not cleaned or len(cleaned) > 64:
        raise ValueError(f"An operator's name must be 1 to 64 characters, not {name!r}.")
    return cleaned


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"Unknown role {role!r}: choose {', '.join(ROLES)}.")
    return role


def _lock_operators(session: Session) -> None:
    """Two first runs at once on PostgreSQL must not both become the first admin."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE operators IN SHARE ROW EXCLUSIVE MODE"))


def identify(session: Session, name: str) -> OperatorInfo | None:
    """The operator called `name`; on a store without any operator, `name` becomes its first
    admin (recorded in the audit log). None when `name` is not registered."""
    name = _clean_name(name)
    row = session.scalar(select(Operator).where(Operator.name == name))
    if row is not None:
        return _info(row)
    _lock_operators(session)
    if session.scalar(select(func.count()).select_from(Operator)):
        return None
    row = Operator(name=name, role="admin", active=True, created_at=utc_now(), created_by=None)
    session.add(row)
    session.flush()
    audit.append(session, operator=name, action="operator.bootstrap", subject=f"operator:{name}",
                 details={"role": "admin", "why": "first operator of this store"})
    return _info(row)


def require(ctx: AppContext, permission: str) -> OperatorInfo:
    """The current operator, if allowed `permission`; else NotAllowed."""
    with ctx.store.session() as session:
        return require_in(session, ctx.operator, permission)


def require_in(session: Session, name: str, permission: str) -> OperatorInfo:
    info = identify(session, name)
    what = PERMISSION_TITLES[permission]
    if info is None:
        raise NotAllowed(
            f"Operator {name!r} is not registered, so may not {what}: an admin can add them "
            f"with `halyk-desk operator add {name} --role {LEAST_ROLE[permission]}`."
        )
    if not info.active:
        raise NotAllowed(f"Operator {info.name!r} is disabled and may not {what}.")
    if permission not in ROLE_PERMISSIONS[info.role]:
        raise NotAllowed(
            f"Operator {info.name!r} is {_article(info.role)} {info.role} and may not {what}: "
            f"that needs the role {LEAST_ROLE[permission]} or above."
        )
    return info


def _article(role: str) -> str:
    return "an" if role[0] in "aeiou" else "a"


def current(ctx: AppContext) -> OperatorInfo | None:
    """Who is acting, or None when not registered (the window greys out what they may not do)."""
    with ctx.store.session() as session:
        return identify(session, ctx.operator)


def add_operator(ctx: AppContext, name: str, role: str) -> OperatorInfo:
    """Register `name` with `role`, or change the role of (and re-enable) an existing operator."""
    name, role = _clean_name(name), _check_role(role)
    with ctx.store.session() as session:
        actor = require_in(session, ctx.operator, OPERATORS)
        row = session.scalar(select(Operator).where(Operator.name == name))
        if row is None:
            row = Operator(name=name, role=role, active=True, created_at=utc_now(),
                           created_by=actor.name)
            session.add(row)
            action, details = "operator.add", {"role": role}
        else:
            if row.role == "admin" and role != "admin":
                _keep_an_admin(session, name)
            details = {"old_role": row.role, "role": role, "was_active": row.active}
            row.role, row.active = role, True
            action = "operator.change"
        session.flush()
        audit.append(session, operator=actor.name, action=action, subject=f"operator:{name}",
                     details=details)
        return _info(row)


def disable_operator(ctx: AppContext, name: str) -> OperatorInfo:
    """Take away every right of `name` (the record and its history stay)."""
    name = _clean_name(name)
    with ctx.store.session() as session:
        actor = require_in(session, ctx.operator, OPERATORS)
        row = session.scalar(select(Operator).where(Operator.name == name))
        if row is None:
            raise ValueError(f"There is no operator {name!r}; `halyk-desk operator list` shows "
                             "who there is.")
        if row.role == "admin":
            _keep_an_admin(session, name)
        row.active = False
        session.flush()
        audit.append(session, operator=actor.name, action="operator.disable",
                     subject=f"operator:{name}", details={"role": row.role})
        return _info(row)


def _keep_an_admin(session: Session, leaving: str) -> None:
    others = session.scalar(
        select(func.count()).select_from(Operator)
        .where(Operator.role == "admin", Operator.active, Operator.name != leaving)
    )
    if not others:
        raise NotAllowed(f"{leaving!r} is the last active admin: make someone else an admin "
                         "first, or nobody could manage operators or settings.")


def list_operators(ctx: AppContext) -> list[OperatorInfo]:
    with ctx.store.session(readonly=True) as session:
        return [_info(r) for r in session.scalars(select(Operator).order_by(Operator.name))]
