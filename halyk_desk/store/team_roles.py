"""PostgreSQL's logins and group roles for a team on one database (services.team says who may
grant what): each operator role's group with exactly its rights, and the logins in them.

Names are quoted for SQL by the driver; a login name or password is never pasted in raw.
Functions take the caller's session and never commit.
"""

from __future__ import annotations

from psycopg import sql
from sqlalchemy import text
from sqlalchemy.orm import Session

from halyk_desk.domain.roles import ROLES

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


def _ident(session: Session, name: str) -> str:
    """A role name quoted for SQL by the driver."""
    raw = session.connection().connection.dbapi_connection
    return sql.Identifier(name).as_string(raw)  # type: ignore[arg-type]


def _literal(session: Session, value: str) -> str:
    raw = session.connection().connection.dbapi_connection
    return sql.Literal(value).as_string(raw)  # type: ignore[arg-type]


def role_exists(session: Session, name: str) -> bool:
    return bool(session.scalar(text("SELECT count(*) FROM pg_roles WHERE rolname = :n"),
                               {"n": name}))


def ensure_groups(session: Session) -> None:
    """The three group roles with exactly their rights on this database (again after every
    migration: new tables get their grants)."""
    for role, group in GROUPS.items():
        if not role_exists(session, group):
            session.execute(text(f"CREATE ROLE {_ident(session, group)} NOLOGIN"))
        g = _ident(session, group)
        session.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {g}"))
        session.execute(text(f"GRANT USAGE ON SCHEMA public TO {g}"))
        session.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {g}"))
        session.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {g}"))
        session.execute(text(f"GRANT INSERT ON audit_log TO {g}"))
        for table, rights in WRITES[role].items():
            session.execute(text(f"GRANT {rights} ON {table} TO {g}"))


def set_login(session: Session, name: str, role: str, password: str | None, *,
              create: bool) -> None:
    """Create (`create`) or change the login `name`, able to connect, in the group of `role` and
    no other; `password` None keeps its password."""
    login = _ident(session, name)
    verb = "CREATE" if create else "ALTER"
    secret = f" PASSWORD {_literal(session, password)}" if password is not None else ""
    session.execute(text(f"{verb} ROLE {login} LOGIN{secret}"))
    for other, group in GROUPS.items():
        g = _ident(session, group)
        if other == role:
            session.execute(text(f"GRANT {g} TO {login}"))
        else:
            session.execute(text(f"REVOKE {g} FROM {login}"))


def disable_login(session: Session, name: str) -> None:
    """The login `name` may no longer connect and is in no group."""
    login = _ident(session, name)
    session.execute(text(f"ALTER ROLE {login} NOLOGIN"))
    for group in GROUPS.values():
        if role_exists(session, group):
            session.execute(text(f"REVOKE {_ident(session, group)} FROM {login}"))
