"""Changing settings and profiles, as the settings dialog does: checked, permitted, audited, saved.

Settings (halyk_desk.settings) are saved atomically, and every change lands in the audit log in
the same step: the log's entries are written in a transaction that commits only once the file has
been replaced. Changing them needs the admin's `settings` permission (enforced here, whatever the
window greys out), except the language, which is each person's own.

The database address is a setting (used from the next start); its password, like a profile's
client secret, lives in the keyring (halyk_desk.secrets), never in the settings file.

Connection tests report what happened as data (a ConnectionCheck, a DatabaseCheck); the window
words them in its language.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from halyk_desk.epay import EpayClient, EpayProfile, errors
from halyk_desk.messages import Message, MessageError, msg
from halyk_desk.paths import AppPaths
from halyk_desk.secrets import SecretSaved, SecretStore, cabinet_entry
from halyk_desk.services import audit, operators, profiles
from halyk_desk.services.bank import BankSetupError, open_bank
from halyk_desk.settings import Settings, SettingsError, option
from halyk_desk.store import DB_FILE, migrate, probe, repository

# Database addresses are SQLAlchemy's URL values; the store names them.
from halyk_desk.store.engine import URL, make_url, normalize_url
from halyk_desk.store.records import ProfileRecord

if TYPE_CHECKING:
    from halyk_desk.services.workspace import AppContext

#: Settings anyone may change for themselves; the rest need an admin.
PERSONAL = frozenset({"language"})
#: The keyring entry of the database password (a name no profile can have).
DATABASE_SECRET = "@database"
#: Seconds a connection test waits for an answer.
TEST_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class SettingChange:
    key: str
    old: Any
    new: Any


# --- settings ---------------------------------------------------------------------------------

def problems(values: dict[str, Any]) -> dict[str, Message]:
    """Each value that its option refuses, with the option's reason."""
    found = {}
    for key, value in values.items():
        problem = option(key).check(value)
        if problem:
            found[key] = problem
    days = ("hold_warn_days", "hold_expire_days")
    if not found and set(days) <= values.keys() and values[days[0]] >= values[days[1]]:
        found["hold_warn_days"] = msg("settings.warn_before_expiry", "должно быть меньше дней, "
                                      "чем срок блокировки")
    return found


def changes(settings: Settings, values: dict[str, Any]) -> list[SettingChange]:
    return [SettingChange(key, settings[key], value) for key, value in values.items()
            if settings[key] != value]


def needs_admin(found: list[SettingChange]) -> bool:
    return any(change.key not in PERSONAL for change in found)


def save_settings(ctx: AppContext, values: dict[str, Any]) -> list[SettingChange]:
    """Apply `values` (setting key -> new value) to ctx.settings and save the file; returns what
    changed. Nothing is changed when a value is refused (SettingsError), the operator may not
    (operators.NotAllowed), or the file cannot be written (OSError)."""
    refused = problems(values)
    if refused:
        key, problem = next(iter(refused.items()))
        raise SettingsError(ctx.settings.path, msg("settings.refused", "{title}: {problem}.",
                                                   title=option(key).title, problem=problem))
    found = changes(ctx.settings, values)
    if not found:
        return []
    settings = ctx.settings
    with operators.refusals_audited(ctx.store, ctx.operator, "setting.change"), \
            ctx.store.session() as session:
        if needs_admin(found):
            operators.require_in(session, ctx.operator, operators.SETTINGS)
        for change in found:
            audit.record_setting_change(session, operator=ctx.operator, key=change.key,
                                        old=change.old, new=change.new)
        for change in found:
            settings.set(change.key, change.new)
        try:
            settings.save()
        except BaseException:
            for change in found:  # the file still holds the old values; so must the program
                settings.set(change.key, change.old)
            raise
    return found


def may_change_settings(ctx: AppContext) -> bool:
    who = operators.current(ctx)
    return who is not None and who.can(operators.SETTINGS)


# --- profiles ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProfileInfo:
    record: ProfileRecord
    #: "keyring", a file path, "published", "sandbox" or None when no secret is stored.
    secret_where: str | None
    #: Where the cabinet user's password is, in the same words; None without one.
    cabinet_where: str | None = None


def list_profiles(ctx: AppContext) -> list[ProfileInfo]:
    secrets = ctx.secrets
    found = []
    for record in profiles.list_all(ctx.store):
        if record.kind == profiles.SANDBOX.kind:
            where: str | None = "sandbox"
        elif record.name in profiles.BUILTIN:
            where = "published"
        else:
            bound = profiles.stored_secret(secrets, record) is not None
            where = secrets.location(record.name) if bound else None
        cabinet = secrets.location(cabinet_entry(record.name)) if record.cabinet_user else None
        found.append(ProfileInfo(record, where, cabinet))
    return found


def _fields(record: ProfileRecord | None) -> dict[str, str | None] | None:
    if record is None:
        return None
    return {"oauth_url": record.oauth_url, "api_url": record.api_url,
            "client_id": record.client_id, "terminal_id": record.terminal_id,
            "cabinet_user": record.cabinet_user, "shop_id": record.shop_id,
            "callback_url": record.callback_url}


def save_profile(ctx: AppContext, record: ProfileRecord, secret: str | None,
                 cabinet_password: str | None = None) -> SecretSaved | None:
    """Add or change a custom profile; admins only, audited with the old and the new values
    (never a secret). `secret` None keeps the stored one — unless the token address or the
    client id changed: a client secret belongs to them, so it is then dropped, and the program
    asks for it before the profile's next request. A new profile needs its secret;
    `cabinet_password` None keeps the stored one for a profile with a cabinet user. Returns where
    a new secret went (its `warning` set when that is the fallback file). ProfileError (with what
    to type) when a field is not right."""
    checked = profiles.custom_profile(
        record.name, oauth_url=record.oauth_url or "", api_url=record.api_url or "",
        client_id=record.client_id or "", terminal_id=record.terminal_id or "",
        cabinet_user=record.cabinet_user,
        shop_id=record.shop_id, callback_url=record.callback_url)
    secret = (secret or "").strip() or None
    with operators.refusals_audited(ctx.store, ctx.operator, "profile.save"), \
            ctx.store.session() as session:
        operators.require_in(session, ctx.operator, operators.SETTINGS)
        old = repository.get_profile(session, checked.name)
        if old is not None and old.kind != "custom":
            raise profiles.ProfileError(str(msg(
                "profile.builtin_fixed", "«{profile}» — встроенный профиль, его не меняют; "
                "добавьте свой командой `halyk-desk profile add`.", profile=checked.name)))
        if secret is None and old is None:
            raise profiles.ProfileError(str(msg(
                "profile.no_secret_stored", "Для профиля «{profile}» не сохранён секрет клиента: "
                "дайте его с --secret-stdin.", profile=checked.name)))
        profiles.check_cabinet_login(ctx.secrets, checked, cabinet_password)
        rebound = old is not None and profiles.binding(old) != profiles.binding(checked)
        dropped = rebound and secret is None and ctx.secrets.get(checked.name) is not None
        # The cabinet password belongs to the same address and client id (and its user).
        cabinet_rebound = (old is not None and not (cabinet_password or "").strip()
                           and profiles.cabinet_binding_of(old)
                           != profiles.cabinet_binding_of(checked))
        if cabinet_rebound:
            ctx.secrets.delete(cabinet_entry(checked.name))
        # The secrets first: a new profile is never left in the store without them.
        if secret:
            saved = ctx.secrets.set(checked.name, secret, bound_to=profiles.binding(checked))
        else:
            saved = None
            if rebound:
                ctx.secrets.delete(checked.name)
        cabinet = profiles.save_cabinet_password(ctx.secrets, checked, cabinet_password)
        repository.save_profile(session, checked)
        audit.append(session, operator=ctx.operator, action="profile.save",
                     subject=f"profile:{checked.name}",
                     details={"old": _fields(old), "new": _fields(checked),
                              "secret_changed": saved is not None, "secret_dropped": dropped,
                              "cabinet_password_changed": cabinet is not None,
                              "cabinet_password_dropped": cabinet_rebound})
    return saved or cabinet


def save_link_fields(ctx: AppContext, name: str, shop_id: str | None,
                     callback_url: str | None) -> ProfileRecord:
    """Set a profile's payment-link fields (any profile, built-in ones too); admins only."""
    shop, callback = profiles.link_fields(name, shop_id, callback_url)
    with operators.refusals_audited(ctx.store, ctx.operator, "profile.links"), \
            ctx.store.session() as session:
        operators.require_in(session, ctx.operator, operators.SETTINGS)
        record = repository.get_profile(session, name)
        if record is None:
            raise repository.UnknownProfile(name)
        updated = replace(record, shop_id=shop, callback_url=callback)
        repository.save_profile(session, updated)
        audit.append(session, operator=ctx.operator, action="profile.links",
                     subject=f"profile:{name}",
                     details={"shop_id": shop, "callback_url": callback})
    return updated
def remove_profile(ctx: AppContext, name: str) -> None:
    """Remove a custom profile that has no orders, and its secrets; admins only, audited.
    A profile with history is kept (ProfileError says so): its orders and operations need it."""
    with operators.refusals_audited(ctx.store, ctx.operator, "profile.remove"), \
            ctx.store.session() as session:
        operators.require_in(session, ctx.operator, operators.SETTINGS)
        old = repository.get_profile(session, name)
        if old is None:
            raise repository.UnknownProfile(name)
        if old.kind != "custom":
            raise profiles.ProfileError(str(msg(
                "profile.builtin_kept", "«{profile}» — встроенный профиль, его не удаляют.",
                profile=name)))
        if repository.profile_in_use(session, name):
            raise profiles.ProfileError(str(msg(
                "profile.has_history", "У профиля «{profile}» есть заказы или операции: он "
                "остаётся ради их истории. Перестаньте его использовать: `halyk-desk profile "
                "use ДРУГОЙ`.", profile=name)))
        repository.delete_profile(session, name)
        audit.append(session, operator=ctx.operator, action="profile.remove",
                     subject=f"profile:{name}", details={"old": _fields(old)})
    ctx.secrets.delete(name)
    ctx.secrets.delete(cabinet_entry(name))


@dataclass(frozen=True)
class ConnectionCheck:
    """The outcome of a connection test. `kind`: ok | setup (something to fill in) | auth (the
    bank refused the credentials) | cabinet (it refused the cabinet user's login) |
    unreachable (no answer, or the bank is down) | refused (the
    bank answered with an error) | reply (the answer made no sense). `detail` is the technical
    text (English, as the client wrote it), for support."""

    kind: str
    host: str
    detail: str

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


def _kind(exc: BaseException) -> str:
    if isinstance(exc, BankSetupError | ValueError):
        return "setup"
    if isinstance(exc, errors.AuthenticationFailed):
        cabinet = errors.CabinetLoginFailed | errors.CabinetLoginNeeded
        return "cabinet" if isinstance(exc, cabinet) else "auth"
    if isinstance(exc, errors.TransientError | errors.OutcomeUnknown):
        return "unreachable"
    if isinstance(exc, errors.MalformedReply):
        return "reply"
    if isinstance(exc, errors.EpayError):
        return "refused"
    raise exc


def test_profile(ctx: AppContext, record: ProfileRecord, secret: str | None = None,
                 *, timeout: float = TEST_TIMEOUT_S,
                 cabinet_password: str | None = None) -> ConnectionCheck:
    """Get a token and read one status through `record` as typed (not yet saved): with `secret`
    when one was typed, else the one stored. The sandbox profile tests the in-process sandbox."""
    host = urlsplit(record.api_url or "").netloc or record.name
    try:
        if secret or cabinet_password:
            # Only what was stored for this very address and client id: the record is as typed.
            stored = (ctx.secrets.peek(cabinet_entry(record.name),
                                       bound_to=profiles.cabinet_binding_of(record))
                      if record.cabinet_user else None)
            profile = EpayProfile(name=record.name, oauth_url=record.oauth_url or "",
                                  api_url=record.api_url or "", client_id=record.client_id or "",
                                  terminal_id=record.terminal_id or "",
                                  secret=(secret or ctx.secrets.peek(
                                      record.name, bound_to=profiles.binding(record)) or ""
                                          ).strip(),
                                  cabinet_user=record.cabinet_user,
                                  cabinet_password=(cabinet_password or "").strip() or stored)
            with EpayClient(profile, timeout=timeout) as client:
                detail = client.test_connection()
        else:
            with open_bank(replace(ctx, profile=record), timeout=timeout) as client:
                detail = client.test_connection()
                host = urlsplit(client.profile.api_url).netloc
    except Exception as exc:  # sorted into what a person can act on; anything else re-raised
        return ConnectionCheck(_kind(exc), host, str(exc))
    return ConnectionCheck("ok", host, detail)


# --- the database -----------------------------------------------------------------------------

def configured_database(settings: Settings, secrets: SecretStore) -> URL | None:
    """The database of the settings with its password from the keyring; None for the default
    SQLite file in the data folder."""
    address = settings["database_url"]
    if not address:
        return None
    url = normalize_url(address)
    password = secrets.get(DATABASE_SECRET) if url.get_backend_name() == "postgresql" else None
    return url.set(password=password) if password else url


def default_database_file(paths: AppPaths) -> Path:
    """The SQLite file used when no database is set."""
    return paths.data_dir / DB_FILE


def sqlite_address(path: str | Path) -> str:
    return "sqlite:///" + str(Path(path).expanduser())


def split_password(address: str) -> tuple[str, str | None]:
    """A PostgreSQL address as typed, without its password, and the password (None when there
    was none): the address goes to the settings, the password to the keyring."""
    address = address.strip()
    if not address.startswith("postgres"):
        return address, None
    try:
        url = make_url(address)
    except Exception:  # not an address at all: the option's check says what to type
        return address, None
    if url.password is None:
        return address, None
    bare = URL.create(url.drivername, url.username, None, url.host, url.port, url.database,
                      url.query)
    return bare.render_as_string(hide_password=False), str(url.password)


def save_database_password(ctx: AppContext, password: str | None) -> SecretSaved | None:
    """Keep the database password in the keyring (None leaves it as it is, "" removes it)."""
    if password is None:
        return None
    operators.require(ctx, operators.SETTINGS)
    if password == "":
        ctx.secrets.delete(DATABASE_SECRET)
        return None
    return ctx.secrets.set(DATABASE_SECRET, password)


def stored_database_password(ctx: AppContext) -> str | None:
    return ctx.secrets.get(DATABASE_SECRET)


@dataclass(frozen=True)
class DatabaseCheck:
    """What a database test found. `schema`: current | older (upgraded at the next start, after a
    backup for SQLite) | newer (written by a newer Halyk Desk) | empty (made at the next start)
    | absent (a SQLite file that does not exist yet; its folder is writable)."""

    backend: str
    address: str
    schema: str
    server: str | None = None


class DatabaseCheckError(MessageError, RuntimeError):
    """The database cannot be used as given; the message is ours or the driver's (as it is),
    without a password."""


def _schema(revision: str | None) -> str:
    if revision is None:
        return "empty"
    known = migrate.revisions()
    if revision == known[-1]:
        return "current"
    return "older" if revision in known else "newer"


def _address(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _check_sqlite(url: URL) -> DatabaseCheck:
    path = Path(url.database or "")
    if not url.database or url.database == ":memory:":
        raise DatabaseCheckError(msg("settings.sqlite_needs_file",
                                     "для базы SQLite нужно имя файла"))
    if not path.exists():
        folder = next((p for p in path.parents if p.exists()), None)
        if folder is None or not folder.is_dir() or not _writable(folder):
            raise DatabaseCheckError(msg("settings.folder_not_writable", "папку {folder} нельзя "
                                         "создать или записать в неё", folder=str(path.parent)))
        return DatabaseCheck("sqlite", str(path), "absent")
    try:
        revision, server = probe.sqlite_file(path)
    except sqlite3.Error as exc:
        raise DatabaseCheckError(f"{path}: {exc}") from exc
    return DatabaseCheck("sqlite", str(path), _schema(revision), server)


def _writable(folder: Path) -> bool:
    return os.access(folder, os.W_OK)


def check_database(address: str, password: str | None = None, *,
                   stored_password: str | None = None) -> DatabaseCheck:
    """Connect to the database at `address` (a PostgreSQL password from `password`, else
    `stored_password`) and say what is there; nothing is written. DatabaseCheckError when it
    cannot be used."""
    try:
        url = normalize_url(address.strip())
    except Exception as exc:  # make_url's and normalize_url's errors alike
        raise DatabaseCheckError(str(exc)) from exc
    if url.get_backend_name() == "sqlite":
        return _check_sqlite(url)
    secret = password or stored_password
    if secret and not url.password:
        url = url.set(password=secret)
    url = url.update_query_dict({"connect_timeout": str(int(TEST_TIMEOUT_S))})
    try:
        revision, server = probe.postgresql(url)
    except Exception as exc:  # the driver's OperationalError and kin: shown as they are
        original = getattr(exc, "orig", None) or exc
        raise DatabaseCheckError(str(original).strip()) from exc
    return DatabaseCheck("postgresql", _address(url.set(query={})), _schema(revision), server)


def database_address(url: str | URL) -> str:
    """An address to show: never the password."""
    return _address(make_url(url) if isinstance(url, str) else url)
