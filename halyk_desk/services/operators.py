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
from halyk_desk.domain.text import check_text
from halyk_desk.messages import Message, MessageError, msg
from halyk_desk.services import audit
from halyk_desk.store.journal_models import ROLES, Operator

if TYPE_CHECKING:
    from halyk_desk.services.workspace import AppContext

READ, RECONCILE, EXPORT = "read", "reconcile", "export"
MOVE_MONEY, APPROVE = "move_money", "approve"
SETTINGS, OPERATORS = "settings", "operators"
CREATE_LINKS = "create_links"

_ACCOUNTANT = frozenset({READ, RECONCILE, EXPORT})
_MANAGER = _ACCOUNTANT | {MOVE_MONEY, APPROVE, CREATE_LINKS}
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "accountant": _ACCOUNTANT,
    "manager": _MANAGER,
    "admin": _MANAGER | {SETTINGS, OPERATORS},
}
#: What each permission lets a person do, for refusals.
PERMISSION_TITLES = {
    READ: msg("permission.read", "смотреть платежи"),
    RECONCILE: msg("permission.reconcile", "сверять"),
    EXPORT: msg("permission.export", "выгружать отчёты"),
    MOVE_MONEY: msg("permission.move_money", "подтверждать, снимать и возвращать платежи"),
    APPROVE: msg("permission.approve", "одобрять возвраты"),
    CREATE_LINKS: msg("operators.create_links", "создавать ссылки на оплату"),
    SETTINGS: msg("permission.settings", "менять настройки"),
    OPERATORS: msg("permission.operators", "управлять операторами"),
}
#: Each role's name for people.
ROLE_NAMES = {
    "accountant": msg("role.accountant", "бухгалтер"),
    "manager": msg("role.manager", "менеджер"),
    "admin": msg("role.admin", "администратор"),
}
#: The least role that has each permission, for "ask for role X" hints.
LEAST_ROLE = {p: next(r for r in ROLES if p in ROLE_PERMISSIONS[r]) for p in PERMISSION_TITLES}


class NotAllowed(MessageError, PermissionError):
    """The operator may not do this; nothing was done. The message says who may."""

    def __init__(self, message: Message) -> None:
        super().__init__(message)


class OperatorError(MessageError, ValueError):
    """A name or role that cannot be used; nothing was changed."""


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
        raise OperatorError(msg("operators.bad_name", "Имя оператора — от 1 до 64 символов, а "
                                "не «{name}».", name=name))
    return check_text(cleaned, "operator")


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise OperatorError(msg("operators.unknown_role", "Нет роли «{role}»: выберите одну из "
                                "{roles}.", role=role, roles=list(ROLES)))
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
                 details={"role": "admin", "why": "first_operator"})
    return _info(row)


def require(ctx: AppContext, permission: str) -> OperatorInfo:
    """The current operator, if allowed `permission`; else NotAllowed."""
    with ctx.store.session() as session:
        return require_in(session, ctx.operator, permission)


def require_in(session: Session, name: str, permission: str) -> OperatorInfo:
    info = identify(session, name)
    what = PERMISSION_TITLES[permission]
    if info is None:
        raise NotAllowed(msg(
            "operators.not_registered", "Оператор «{name}» не зарегистрирован и не может "
            "{what}: администратор может добавить его с ролью «{role}» (Файл → Настройки → "
            "Операторы или `halyk-desk operator add {name} --role {role_code}`).",
            name=name, what=what, role=ROLE_NAMES[LEAST_ROLE[permission]],
            role_code=LEAST_ROLE[permission]))
    if not info.active:
        raise NotAllowed(msg("operators.disabled", "Оператор «{name}» отключён и не может "
                             "{what}.", name=info.name, what=what))
    if permission not in ROLE_PERMISSIONS[info.role]:
        raise NotAllowed(msg(
            "operators.role_too_low", "Оператор «{name}» — {role} и не может {what}: для этого "
            "нужна роль «{needed}» или выше.", name=info.name, role=ROLE_NAMES[info.role],
            what=what, needed=ROLE_NAMES[LEAST_ROLE[permission]]))
    return info


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
            raise OperatorError(msg("operators.no_such", "Оператора «{name}» нет; список "
                                    "операторов — в настройках или `halyk-desk operator list`.",
                                    name=name))
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
        raise NotAllowed(msg("operators.last_admin", "«{name}» — последний действующий "
                             "администратор: сначала сделайте администратором кого-то ещё, иначе "
                             "никто не сможет управлять операторами и настройками.",
                             name=leaving))


def list_operators(ctx: AppContext) -> list[OperatorInfo]:
    with ctx.store.session(readonly=True) as session:
        return [_info(r) for r in session.scalars(select(Operator).order_by(Operator.name))]
