"""What every command and the window share: folders, settings, the store, the profile, the operator.

    with open_context(args) as ctx:          # args from cli.py: home, db, profile, operator
        with ctx.store.session() as session:
            repository.list_payments(session, ctx.profile.name, ...)

The context itself (AppContext, Workspace) is defined in services.workspace and re-exported
here. Where things come from: --home or HALYK_DESK_HOME (folders), --db or HALYK_DESK_DB (database,
else the settings' database_url, else the SQLite file in the data folder), --profile (else the
last used, else `sandbox`), --operator (else the operating system's user name).
"""

from __future__ import annotations

import os
from typing import Any

from halyk_desk.logs import default_operator
from halyk_desk.paths import resolve_paths
from halyk_desk.secrets import SecretStore
from halyk_desk.services import profiles
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


def open_context(args: Any) -> AppContext:
    """Open everything a command needs; raises UnknownProfile for a profile not in the store."""
    workspace = open_workspace(args)
    try:
        name = _arg(args, "profile") or workspace.settings["last_profile"]
        profile = profiles.get(workspace.store, name)
    except BaseException:
        workspace.close()
        raise
    return AppContext(workspace.paths, workspace.settings, workspace.store, profile,
                      _arg(args, "operator") or default_operator())


__all__ = ["AppContext", "Workspace", "open_context", "open_workspace"]
