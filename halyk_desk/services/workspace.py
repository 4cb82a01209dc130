"""What every use case is given: the folders, settings and open store (Workspace), and the bank
profile and operator too (AppContext). Opened by services.context.open_context.

This module imports no other service, so that every service can name AppContext in its
annotations without import circles (docs/architecture.md, "The context").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Self

from halyk_desk.paths import AppPaths
from halyk_desk.secrets import SecretStore, secret_binding
from halyk_desk.settings import Settings
from halyk_desk.store import Store
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
    #: The window must ask who is working before it shows anything (services.signin); the
    #: operator is then set by its sign-in dialog.
    needs_sign_in: bool = False

    def as_(self, operator: str) -> AppContext:
        """The same context acting as another operator (same store: close only the original)."""
        return replace(self, operator=operator)

    def secret(self) -> str | None:
        """The profile's client secret, None when none is stored for the profile's token
        address and client id as they are now (services.profiles.stored_secret)."""
        return self.secrets.get(self.profile.name, bound_to=secret_binding(
            self.profile.oauth_url, self.profile.client_id))
