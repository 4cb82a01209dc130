"""Operators and their roles, enforced here in the services (the window only greys out buttons).

Roles, each including the one before:
  accountant — read, reconcile, export;
  manager    — also confirm, cancel and refund, and approve another manager's large refund;
  admin      — also settings and operators.

Who acts is `ctx.operator`, proven before the context was made (halyk_desk.services.signin: the
OS user, another operator with their password, or the database login on PostgreSQL). On a fresh
store, with no operators at all, the first to act becomes an admin, so a new installation can be
set up without a chicken-and-egg step; from then on only registered, active operators may act.
Every refusal lands in the audit log (`refusals_audited`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from halyk_desk.domain import utc_now
from halyk_desk.domain.roles import ROLES
from halyk_desk.domain.text import check_text
from halyk_desk.messages import Message, MessageError, msg
from halyk_desk.services import audit, passwords
from halyk_desk.store import Session
from halyk_desk.store import operators as stored
from halyk_desk.store.records import OperatorRecord

if TYPE_CHECKING:
    from halyk_desk.services.workspace import AppContext
    from halyk_desk.store import Store

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


def operator_info(record: OperatorRecord) -> OperatorInfo:
    return OperatorInfo(record.name, record.role, record.active, record.created_at,
                        record.created_by)


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


def identify(session: Session, name: str) -> OperatorInfo | None:
    """The operator called `name`; on a store without any operator, `name` becomes its first
    admin (recorded in the audit log). None when `name` is not registered."""
    name = _clean_name(name)
    found = stored.find(session, name)
    if found is not None:
        return operator_info(found)
    # Two first runs at once on PostgreSQL must not both become the first admin.
    stored.lock_for_first(session)
    if stored.exist(session):
        return None
    row = stored.add(session, name=name, role="admin", created_at=utc_now(), created_by=None)
    audit.append(session, operator=name, action="operator.bootstrap", subject=f"operator:{name}",
                 details={"role": "admin", "why": "first_operator"})
    return operator_info(row)


def record_refusal(store: Store, operator: str, action: str, message: Message) -> None:
    """A refused action, in the audit log, in a transaction of its own (the refused one was
    rolled back)."""
    with store.session() as session:
        audit.append(session, operator=operator, action="refused", subject=action,
                     details={"why": message.dump_dict()})


@contextmanager
def refusals_audited(store: Store, operator: str, action: str) -> Iterator[None]:
    """Record a NotAllowed raised inside, then let it go on. Put it outside the session that
    raises, so that the refusal is written after that transaction was rolled back."""
    try:
        yield
    except NotAllowed as exc:
        record_refusal(store, operator, action, exc.message)
        raise


def require(ctx: AppContext, permission: str) -> OperatorInfo:
    """The current operator, if allowed `permission`; else NotAllowed (audited)."""
    return require_of(ctx.store, ctx.operator, permission)


def require_of(store: Store, name: str, permission: str, *,
               readonly: bool = False) -> OperatorInfo:
    """Operator `name`, if allowed `permission`; else NotAllowed (audited). `readonly` for an
    operator already signed in (no first admin to make): the check then does not wait for
    another program's write, as a backup taken while a sync writes must not."""
    with refusals_audited(store, name, permission), store.session(readonly=readonly) as session:
        return require_in(session, name, permission)


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


def add_operator(ctx: AppContext, name: str, role: str,
                 password: str | None = None) -> OperatorInfo:
    """Register `name` with `role`, or change the role of (and re-enable) an existing operator;
    `password`, when given, becomes theirs (kept only as a slow salted hash)."""
    name, role = _clean_name(name), _check_role(role)
    hashed = passwords.hash_password(password) if password is not None else None
    with refusals_audited(ctx.store, ctx.operator, "operator.add"), \
            ctx.store.session() as session:
        actor = require_in(session, ctx.operator, OPERATORS)
        old = stored.find(session, name)
        details: dict[str, object]
        if old is None:
            row = stored.add(session, name=name, role=role, created_at=utc_now(),
                             created_by=actor.name, password_hash=hashed)
            action, details = "operator.add", {"role": role}
        else:
            if old.role == "admin" and role != "admin":
                keep_an_admin(session, name)
            details = {"old_role": old.role, "role": role, "was_active": old.active}
            changed = stored.change(session, name, role=role, active=True, password_hash=hashed)
            assert changed is not None  # found above, in this transaction
            row, action = changed, "operator.change"
        if hashed is not None:
            details["password_set"] = True
        audit.append(session, operator=actor.name, action=action, subject=f"operator:{name}",
                     details=details)
        return operator_info(row)


def disable_operator(ctx: AppContext, name: str) -> OperatorInfo:
    """Take away every right of `name` (the record and its history stay)."""
    name = _clean_name(name)
    with refusals_audited(ctx.store, ctx.operator, "operator.disable"), \
            ctx.store.session() as session:
        actor = require_in(session, ctx.operator, OPERATORS)
        old = stored.find(session, name)
        if old is None:
            raise OperatorError(msg("operators.no_such", "Оператора «{name}» нет; список "
                                    "операторов — в настройках или `halyk-desk operator list`.",
                                    name=name))
        if old.role == "admin":
            keep_an_admin(session, name)
        row = stored.change(session, name, active=False)
        assert row is not None  # found above, in this transaction
        audit.append(session, operator=actor.name, action="operator.disable",
                     subject=f"operator:{name}", details={"role": row.role})
        return operator_info(row)


def keep_an_admin(session: Session, leaving: str) -> None:
    if not stored.other_active_admins(session, leaving):
        raise NotAllowed(msg("operators.last_admin", "«{name}» — последний действующий "
                             "администратор: сначала сделайте администратором кого-то ещё, иначе "
                             "никто не сможет управлять операторами и настройками.",
                             name=leaving))


def list_operators(ctx: AppContext) -> list[OperatorInfo]:
    with ctx.store.session(readonly=True) as session:
        return [operator_info(r) for r in stored.list_all(session)]
