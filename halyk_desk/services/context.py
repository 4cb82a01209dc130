"""What every command and the window share: folders, settings, the store, the profile, the operator.

    with open_context(args) as ctx:          # args from cli.py: home, db, profile, operator
        with ctx.store.session() as session:
            repository.list_payments(session, ctx.profile.name, ...)

Where things come from: --home or HALYK_DESK_HOME (folders), --db or HALYK_DESK_DB (database,
else the settings' database_url, else the SQLite file in the data folder), --profile (else the
last used, else `sandbox`), --operator (else the operating system's user name).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Any, Self

from halyk_desk.logs import default_operator
from halyk_desk.paths import AppPaths, resolve_paths
from halyk_desk.secrets import SecretStore
from halyk_desk.services import profiles
from halyk_desk.services.settings_service import configured_database
from halyk_desk.settings import Settings
from halyk_desk.store import DB_ENV, Store
from halyk_desk.store.records import ProfileRecord


@dataclass
class Workspace:
    """Folders, settings and the open store: enough for commands that choose a profile."""

    paths: AppPaths
    settings: Settings
    store: Store

    @property
    def secrets(self) -> SecretStore:
        return SecretStore(self.paths.config_dir)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


@dataclass
class AppContext(Workspace):
    profile: ProfileRecord
    #: Who is acting: every money operation and audit entry names them.
    operator: str

    def as_(self, operator: str) -> AppContext:
        """The same context acting as another operator (same store: close only the original)."""
        return replace(self, operator=operator)

    def secret(self) -> str | None:
        """The profile's client secret, None when none is stored."""
        return self.secrets.get(self.profile.name)


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
