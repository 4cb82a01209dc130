"""Acting as an operator through the command line, proven as the program demands: the OS user by
the OS login, anyone else by their password on standard input (--password-stdin)."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from halyk_desk import cli
from halyk_desk.services import signin
from halyk_desk.store import Store

#: Every test operator's password.
PASSWORD = "тестовый пароль 1"


def give_password(store: Store, *names: str) -> None:
    for name in names:
        signin.set_password(store, name, name, PASSWORD)


def operator_argv(name: str) -> list[str]:
    if name == signin.os_user():
        return ["--operator", name]
    return ["--operator", name, "--password-stdin"]


@contextmanager
def typed(text: str) -> Iterator[None]:
    """`text` on standard input while the block runs (what a pipe would give the program)."""
    before = sys.stdin
    sys.stdin = io.StringIO(text)
    try:
        yield
    finally:
        sys.stdin = before


def main_as(name: str, argv: list[str], *, global_argv: list[str] | None = None) -> int:
    """`halyk-desk [global_argv] --operator NAME [--password-stdin] argv...` in this process."""
    with typed(PASSWORD + "\n"):
        return cli.main([*(global_argv or []), *operator_argv(name), *argv])


def register_command_line_user(admin_ctx, role: str = "accountant") -> str:
    """Make whoever a bare command (no --operator) acts as an operator of `admin_ctx`'s store:
    the database login on PostgreSQL, the OS user on SQLite. Returns the name."""
    from halyk_desk.services import operators

    with admin_ctx.store.session(readonly=True) as session:
        name = (signin.database_login(session) if signin.is_team(admin_ctx.store)
                else signin.os_user())
    if name not in {o.name for o in operators.list_operators(admin_ctx)}:
        operators.add_operator(admin_ctx, name, role)
    return name


def login_url(store_url: str, admin_ctx, name: str, role: str | None = None) -> str:
    """The address of `store_url` as operator `name` connects to it: on PostgreSQL as their own
    login, made by `halyk-desk db grant` (services.team), with the role `name` has (or `role`);
    on SQLite the same file."""
    from sqlalchemy.engine import make_url

    from halyk_desk.services import operators, team

    if not store_url.startswith("postgresql"):
        return store_url
    if role is None:
        role = {o.name: o.role for o in operators.list_operators(admin_ctx)}[name]
    team.grant(admin_ctx, name, role, PASSWORD)
    url = make_url(store_url).set(username=name, password=PASSWORD)
    return url.render_as_string(hide_password=False)


def run_as(admin_ctx, store_url: str, name: str, argv: list[str]) -> int:
    """`halyk-desk --db URL ARGV` in this process as operator `name`, proven as a person would
    be: on PostgreSQL connected as their own login, on SQLite with --operator and their password
    (set here). `admin_ctx`: a context of the store's admin, to set that up."""
    if store_url.startswith("postgresql"):
        return cli.main(["--db", login_url(store_url, admin_ctx, name), *argv])
    if name != signin.os_user():
        give_password(admin_ctx.store, name)
    return main_as(name, argv, global_argv=["--db", store_url])
