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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from psycopg import sql
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from halyk_desk.domain import utc_now
from halyk_desk.messages import MessageError, msg
from halyk_desk.services import audit, operators, passwords, profiles
from halyk_desk.store import repository
from halyk_desk.store.journal_models import ROLES, Operator

if TYPE_CHECKING:
    from halyk_desk.services.context import AppContext

#: The group role of each operator role (names shared by every database of the server).
GROUPS = {role: f"halyk_{role}" for role in ROLES}
_READ_WRITE = ("orders", "payments", "status_history", "sync_runs", "reconciliation_runs",
               "discrepancy_marks", "callbacks")
_ACCOUNTANT = {**{t: "INSERT, UPDATE" for t in _READ_WRITE},
               # a sync settles a link's state from the bank; making links is a manager's
               "payment_links": "UPDATE"}
_MANAGER = {**_ACCOUNTANT, "payment_links": "INSERT, UPDATE", "money_operations": "INSERT, UPDATE"}
#: What each group may write, beyond reading every table and adding audit entries.
WRITES: dict[str, dict[str, str]] = {
    "accountant": _ACCOUNTANT,
    "manager": _MANAGER,
    "admin": {**_MANAGER, "profiles": "INSERT, UPDATE, DELETE", "operators": "INSERT, UPDATE"},
}


class TeamError(MessageError, ValueError):
    """A grant or revoke that cannot be done as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Granted:
    name: str
    role: str
    created: bool


def _ident(session: Session, name: str) -> str:
    """A role name quoted for SQL by the driver (a login name is never pasted in raw)."""
    raw = session.connection().connection.dbapi_connection
    return sql.Identifier(name).as_string(raw)  # type: ignore[arg-type]


def _literal(session: Session, value: str) -> str:
    raw = session.connection().connection.dbapi_connection
    return sql.Literal(value).as_string(raw)  # type: ignore[arg-type]


def _role_exists(session: Session, name: str) -> bool:
    return bool(session.scalar(text("SELECT count(*) FROM pg_roles WHERE rolname = :n"),
                               {"n": name}))


def _require_team(ctx: AppContext) -> None:
    if ctx.store.dialect != "postgresql":
        raise TeamError(msg("team.not_postgresql", "Логины базы бывают только в общей базе "
                            "(PostgreSQL); в базе этого компьютера операторов добавляют командой "
                            "`halyk-desk operator add ИМЯ --role РОЛЬ --password-stdin`."))


def ensure_groups(session: Session) -> None:
    """The three group roles with exactly their rights on this database (again after every
    migration: new tables get their grants)."""
    for role, group in GROUPS.items():
        if not _role_exists(session, group):
            session.execute(text(f"CREATE ROLE {_ident(session, group)} NOLOGIN"))
        g = _ident(session, group)
        session.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {g}"))
        session.execute(text(f"GRANT USAGE ON SCHEMA public TO {g}"))
        session.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {g}"))
        session.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {g}"))
        session.execute(text(f"GRANT INSERT ON audit_log TO {g}"))
        for table, rights in WRITES[role].items():
            session.execute(text(f"GRANT {rights} ON {table} TO {g}"))


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
        ensure_groups(session)
        login = _ident(session, name)
        created = not _role_exists(session, name)
        if created and password is None:
            raise TeamError(msg("team.password_needed", "Новому логину «{name}» нужен "
                                "пароль: дайте его с --password-stdin.", name=name))
        verb = "CREATE" if created else "ALTER"
        secret = f" PASSWORD {_literal(session, password)}" if password is not None else ""
        session.execute(text(f"{verb} ROLE {login} LOGIN{secret}"))
        for other, group in GROUPS.items():
            g = _ident(session, group)
            if other == role:
                session.execute(text(f"GRANT {g} TO {login}"))
            else:
                session.execute(text(f"REVOKE {g} FROM {login}"))
        row = session.scalar(select(Operator).where(Operator.name == name))
        if row is None:
            session.add(Operator(name=name, role=role, active=True, created_at=utc_now(),
                                 created_by=ctx.operator))
        else:
            row.role, row.active = role, True
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
        if not _role_exists(session, name):
            raise TeamError(msg("team.no_login", "Логина базы «{name}» нет.", name=name))
        login = _ident(session, name)
        session.execute(text(f"ALTER ROLE {login} NOLOGIN"))
        for group in GROUPS.values():
            if _role_exists(session, group):
                session.execute(text(f"REVOKE {_ident(session, group)} FROM {login}"))
        row = session.scalar(select(Operator).where(Operator.name == name))
        if row is not None:
            if row.role == "admin":
                operators.keep_an_admin(session, name)
            row.active = False
        audit.append(session, operator=ctx.operator, action="db.revoke",
                     subject=f"operator:{name}", details={})
