"""What every command and the window share: folders, settings, the store, the profile, the operator.

    with open_context(args) as ctx:          # args from cli.py: home, db, profile, operator
        with ctx.store.session() as session:
            repository.list_payments(session, ctx.profile.name, ...)

The context itself (AppContext, Workspace) is defined in services.workspace and re-exported
here. Where things come from: --home or HALYK_DESK_HOME (folders), --db or HALYK_DESK_DB (database,
else the settings' database_url, else the SQLite file in the data folder), --profile (else the
last used, else `sandbox`). The operator is proven, never taken on trust (services.signin): the
OS user, --operator NAME with NAME's password, or on PostgreSQL the database login.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable
from typing import Any

from halyk_desk.logs import default_operator
from halyk_desk.messages import msg
from halyk_desk.paths import resolve_paths
from halyk_desk.secrets import SecretStore
from halyk_desk.services import profiles, signin
from halyk_desk.services.settings_service import configured_database
from halyk_desk.services.workspace import AppContext, Workspace
from halyk_desk.settings import Settings
from halyk_desk.store import DB_ENV, Store


def _arg(args: Any, name: str) -> Any:
    return getattr(args, name, None) or None


def open_workspace(args: Any) -> Workspace:
    paths = resolve_paths(_arg(args, "home"))
    settings = Settings.load(paths.config_dir)
    # --db, then HALYK_DESK_DB, then the settings (the dialog's Database page), then the default.
    url = _arg(args, "db") or os.environ.get(DB_ENV) or configured_database(
        settings, SecretStore(paths.config_dir))
    store = Store.open(url, paths)
    try:
        profiles.ensure_builtin(store)
    except BaseException:
        store.close()
        raise
    return Workspace(paths, settings, store)


def read_stdin_line() -> str | None:
    """One line of standard input (several --password-stdin options share it, line by line)."""
    line = sys.stdin.readline().rstrip("\r\n")
    return line or None


def password_source(args: Any) -> Callable[[str], str | None]:
    """Where the password of --operator NAME comes from: standard input with --password-stdin,
    else a prompt at a terminal, else nowhere (the sign-in is refused)."""

    def password(name: str) -> str | None:
        if getattr(args, "operator_password_stdin", False):
            return read_stdin_line()
        if sys.stdin.isatty():
            prompt = msg("signin.prompt", "Пароль оператора {name} (не отображается): ",
                         name=name)
            return getpass.getpass(str(prompt)) or None
        return None

    return password


def signed_in(args: Any, workspace: Workspace) -> str:
    """The proven operator for the global options (signin.SignInRefused when nobody is)."""
    return signin.resolve(workspace.store, _arg(args, "operator"), password_source(args))


def open_context(args: Any, *, sign_in: bool = True) -> AppContext:
    """Open everything a command needs; raises SignInRefused when the operator is not proven
    (before anything is read) and UnknownProfile for a profile not in the store. The window opens
    with `sign_in=False` and signs its operator in itself."""
    workspace = open_workspace(args)
    try:
        if sign_in:
            operator: str | None = signed_in(args, workspace)
        else:
            operator = signin.window_operator(
                workspace.store, shared_computer=workspace.settings["shared_computer"])
        name = _arg(args, "profile") or workspace.settings["last_profile"]
        profile = profiles.get(workspace.store, name)
    except BaseException:
        workspace.close()
        raise
    return AppContext(workspace.paths, workspace.settings, workspace.store, profile,
                      operator or default_operator(), needs_sign_in=operator is None)


__all__ = ["AppContext", "Workspace", "open_context", "open_workspace", "read_stdin_line",
           "signed_in"]
