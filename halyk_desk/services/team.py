"""A team on one PostgreSQL database: each person's database login is their operator, and the
database itself refuses what their role may not do, whatever program (or psql) they connect with.

`grant` (an admin's `halyk-desk db grant NAME --role ROLE`) creates the login, puts it in the
group role of ROLE and registers it as an operator; `revoke` takes the login's right to connect
and disables the operator. The groups' rights:

  halyk_accountant  read everything; write orders, payments, their history, sync and
                    reconciliation runs and marks, the bank's callbacks, a link's state; add
                    audit entries
  halyk_manager     the accountant's, and ask for, send and approve money operations, and make
                    payment links
  halyk_admin       the manager's, and change profiles and operators

No group may update or delete audit entries (only the schema owner could, and the triggers of
migration 0003 refuse even that until dropped). The triggers of migration 0011 add what grants
cannot say, for every login in a group: a money operation and an audit entry carry the login that
wrote them, and an approval is made by the login that approves, never the one that asked.
The logins and the groups' grants themselves are made in store/team_roles.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from halyk_desk.domain import utc_now
from halyk_desk.domain.roles import ROLES
from halyk_desk.messages import MessageError, msg
from halyk_desk.services import audit, operators, passwords, profiles
from halyk_desk.store import operators as stored_operators
from halyk_desk.store import repository, team_roles

if TYPE_CHECKING:
    from halyk_desk.services.context import AppContext


class TeamError(MessageError, ValueError):
    """A grant or revoke that cannot be done as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Granted:
    name: str
    role: str
    created: bool


def _require_team(ctx: AppContext) -> None:
    if ctx.store.dialect != "postgresql":
        raise TeamError(msg("team.not_postgresql", "Логины базы бывают только в общей базе "
                            "(PostgreSQL); в базе этого компьютера операторов добавляют командой "
                            "`halyk-desk operator add ИМЯ --role РОЛЬ --password-stdin`."))


def grant(ctx: AppContext, name: str, role: str, password: str | None) -> Granted:
    """Create (or change) the login `name` in the group of `role`, register it as an operator
    with that role, audited; admins only. `password` None keeps a login's password (a new
    login needs one)."""
    _require_team(ctx)
    if role not in ROLES:
        raise TeamError(msg("operators.unknown_role", "Нет роли «{role}»: выберите одну из "
                            "{roles}.", role=role, roles=list(ROLES)))
    name = (name or "").strip()
    if not name or len(name) > 63:
        raise TeamError(msg("team.bad_login", "Имя логина — от 1 до 63 символов, а не "
                            "«{name}».", name=name))
    if password is not None:
        passwords.check_new(password)
    with operators.refusals_audited(ctx.store, ctx.operator, "db.grant"), \
            ctx.store.session() as session:
        operators.require_in(session, ctx.operator, operators.OPERATORS)
        team_roles.ensure_groups(session)
        created = not team_roles.role_exists(session, name)
        if created and password is None:
            raise TeamError(msg("team.password_needed", "Новому логину «{name}» нужен "
                                "пароль: дайте его с --password-stdin.", name=name))
        team_roles.set_login(session, name, role, password, create=created)
        if stored_operators.change(session, name, role=role, active=True) is None:
            stored_operators.add(session, name=name, role=role, created_at=utc_now(),
                                 created_by=ctx.operator)
        for record in profiles.BUILTIN.values():  # before logins that may not add them
            repository.ensure_profile(session, record)
        audit.append(session, operator=ctx.operator, action="db.grant",
                     subject=f"operator:{name}",
                     details={"role": role, "login_created": created,
                              "password_set": password is not None})
    return Granted(name, role, created)


def revoke(ctx: AppContext, name: str) -> None:
    """The login `name` may no longer connect, and its operator is disabled; admins only."""
    _require_team(ctx)
    name = (name or "").strip()
    with operators.refusals_audited(ctx.store, ctx.operator, "db.revoke"), \
            ctx.store.session() as session:
        operators.require_in(session, ctx.operator, operators.OPERATORS)
        if not team_roles.role_exists(session, name):
            raise TeamError(msg("team.no_login", "Логина базы «{name}» нет.", name=name))
        team_roles.disable_login(session, name)
        row = stored_operators.find(session, name)
        if row is not None:
            if row.role == "admin":
                operators.keep_an_admin(session, name)
            stored_operators.change(session, name, active=False)
        audit.append(session, operator=ctx.operator, action="db.revoke",
                     subject=f"operator:{name}", details={})
