"""Bank profiles: the built-in ones, adding one with its secret, and testing the connection.

A profile (addresses, client id, terminal) lives in the store, shared by everyone on a team
database; its client secret lives on each machine (halyk_desk.secrets), never in the store.
Built in: `sandbox` (the default: the sandbox bank in this process, demo data, no credentials) and
`halyk-test` (the bank's public test merchant, published credentials).
"""

from __future__ import annotations

import contextlib
import re
import uuid
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from halyk_desk.messages import Message, msg
from halyk_desk.secrets import (
    SecretSaved,
    SecretStore,
    cabinet_binding,
    cabinet_entry,
    secret_binding,
)
from halyk_desk.services.bank import open_bank
from halyk_desk.store import Store, repository
from halyk_desk.store.errors import ProgrammingError
from halyk_desk.store.records import ProfileRecord

if TYPE_CHECKING:
    from halyk_desk.services.workspace import AppContext

SANDBOX = ProfileRecord(name="sandbox", kind="sandbox")
#: The bank's public test merchant at the hosts of its current test pages (epay-api.md, "test
#: (newer)"); older docs name testoauth.homebank.kz and testepay.homebank.kz/api.
HALYK_TEST = ProfileRecord(
    name="halyk-test",
    kind="halyk-test",
    oauth_url="https://test-epay-oauth.epayment.kz/oauth2/token",
    api_url="https://test-epay-api.epayment.kz",
    client_id="test",
    terminal_id="67e34d63-102f-4bd1-898e-370781d0074d",
)
BUILTIN = {p.name: p for p in (SANDBOX, HALYK_TEST)}
DEFAULT_PROFILE = SANDBOX.name
_NAME = re.compile(r"[a-z0-9_-]{1,64}")


class ProfileError(ValueError):
    """A profile that cannot be saved as given; the message says what to type instead."""


def ensure_builtin(store: Store) -> None:
    """Add the built-in profiles a store lacks, and bring the addresses of the ones it has up to
    date (the bank moved its test hosts: a store made earlier keeps the old ones otherwise); the
    rest of a built-in profile (its link fields, ids) is left as it is. Only then is the store
    written to: every start checks, and a check must not wait for the write lock while a sync
    is writing."""
    with store.session(readonly=True) as session:
        have = {p.name: p for p in repository.list_profiles(session)}
    missing = [record for name, record in BUILTIN.items() if name not in have]
    stale = [replace(have[name], oauth_url=record.oauth_url, api_url=record.api_url)
             for name, record in BUILTIN.items()
             if name in have and _addresses(have[name]) != _addresses(record)]
    if missing or stale:
        # A team login that may not change profiles leaves them to the admin (team.grant).
        with contextlib.suppress(ProgrammingError), store.session() as session:
            for record in missing:
                repository.ensure_profile(session, record)
            for record in stale:
                repository.save_profile(session, record)


def _addresses(record: ProfileRecord) -> tuple[str | None, ...]:
    return (record.oauth_url, record.api_url)


def _url(name: str, label: Message, value: str, example: str | None) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProfileError(str(msg(
            "profiles.bad_url", "Профиль «{profile}»: {label} «{url}» — не адрес http(s); "
            "нужен адрес вроде {example}.", profile=name, label=label, url=value,
            example=example)))
    return value


def link_fields(name: str, shop_id: str | None,
                callback_url: str | None) -> tuple[str | None, str | None]:
    """The payment-link fields checked: the shop id a UUID, the callback address http(s) (https
    for anything but this computer: the bank posts to it over the internet)."""
    shop = (shop_id or "").strip() or None
    if shop is not None:
        try:
            shop = str(uuid.UUID(shop))
        except ValueError:
            raise ProfileError(str(msg(
                "profiles.bad_shop_id", "Профиль «{profile}»: идентификатор магазина «{shop_id}» "
                "— не UUID; скопируйте его из кабинета банка.", profile=name,
                shop_id=shop_id))) from None
    url = (callback_url or "").strip() or None
    if url is not None:
        parts = urlsplit(url)
        local = parts.hostname in ("127.0.0.1", "::1", "localhost")
        if not (parts.scheme == "https" or (parts.scheme == "http" and local)) \
                or not parts.hostname:
            raise ProfileError(str(msg(
                "profiles.bad_callback_url", "Профиль «{profile}»: адрес уведомлений «{url}» "
                "должен начинаться с https:// (банк присылает уведомления через интернет), "
                "например https://shop.example.kz/halyk/callback.", profile=name, url=url)))
    return shop, url


def custom_profile(
    name: str, *, oauth_url: str, api_url: str, client_id: str, terminal_id: str,
    cabinet_user: str | None = None,
    shop_id: str | None = None, callback_url: str | None = None,
) -> ProfileRecord:
    """A checked custom profile: name of lowercase letters, digits, - and _; http(s) addresses;
    the terminal a UUID (kept in its canonical form); the cabinet user optional."""
    if not _NAME.fullmatch(name):
        raise ProfileError(str(msg(
            "profiles.bad_name", "Имя профиля «{profile}» не подходит: нужно от 1 до 64 строчных "
            "латинских букв, цифр, «-» или «_», например shop-main.", profile=name)))
    if name in BUILTIN:
        raise ProfileError(str(msg(
            "profiles.builtin_name", "«{profile}» — встроенный профиль; выберите для своего "
            "другое имя.", profile=name)))
    if not client_id.strip():
        raise ProfileError(str(msg(
            "epay.id_empty", "Профиль «{profile}»: {label} не указан; скопируйте его из "
            "кабинета мерчанта банка.", profile=name,
            label=msg("epay.client_id", "client id"))))
    shop, callback = link_fields(name, shop_id, callback_url)
    try:
        terminal = str(uuid.UUID(terminal_id.strip()))
    except ValueError:
        raise ProfileError(str(msg(
            "profiles.bad_terminal", "Профиль «{profile}»: терминал «{terminal}» — не UUID; он "
            "выглядит так: 67e34d63-102f-4bd1-898e-370781d0074d (из кабинета мерчанта банка).",
            profile=name, terminal=terminal_id))) from None
    return ProfileRecord(
        name=name, kind="custom",
        oauth_url=_url(name, msg("epay.token_address", "адрес токенов"), oauth_url,
                       HALYK_TEST.oauth_url),
        api_url=_url(name, msg("epay.api_address", "адрес API"), api_url, HALYK_TEST.api_url),
        client_id=client_id.strip(), terminal_id=terminal, shop_id=shop, callback_url=callback,
        cabinet_user=(cabinet_user or "").strip() or None,
    )


def binding(record: ProfileRecord) -> str:
    """What the profile's client secret belongs to: its token address and client id."""
    return secret_binding(record.oauth_url, record.client_id)


def stored_secret(secrets: SecretStore, record: ProfileRecord) -> str | None:
    """The profile's client secret, if it was stored for the profile's token address and client
    id as they are now (else it is dropped: never sent to an address it was not given for)."""
    return secrets.get(record.name, bound_to=binding(record))


def cabinet_binding_of(record: ProfileRecord) -> str:
    """What the profile's cabinet password belongs to: token address, client id, cabinet user."""
    return cabinet_binding(record.oauth_url, record.client_id, record.cabinet_user)


def check_cabinet_login(secrets: SecretStore, record: ProfileRecord,
                        cabinet_password: str | None) -> None:
    """A cabinet user needs a password, given now or stored before; a password needs a user."""
    password = (cabinet_password or "").strip()
    if record.cabinet_user and not password and not secrets.get(cabinet_entry(record.name)):
        raise ProfileError(str(msg(
            "profile.cabinet_password_missing", "Профиль «{profile}»: у пользователя кабинета "
            "{user} нет пароля: дайте его с --cabinet-password-stdin.",
            profile=record.name, user=record.cabinet_user)))
    if password and not record.cabinet_user:
        raise ProfileError(str(msg(
            "profile.cabinet_user_missing", "Профиль «{profile}»: пароль кабинета без "
            "пользователя кабинета: дайте пользователя с --cabinet-user.", profile=record.name)))


def save_cabinet_password(secrets: SecretStore, record: ProfileRecord,
                          cabinet_password: str | None) -> SecretSaved | None:
    """Keep a newly given cabinet password; forget the stored one when the profile has no cabinet
    user any more. Call check_cabinet_login first."""
    if not record.cabinet_user:
        secrets.delete(cabinet_entry(record.name))
        return None
    password = (cabinet_password or "").strip()
    if not password:
        return None
    return secrets.set(cabinet_entry(record.name), password, bound_to=cabinet_binding_of(record))


def set_link_fields(store: Store, name: str, shop_id: str | None,
                    callback_url: str | None) -> ProfileRecord:
    """Set the payment-link fields of any profile, built-in ones too (Settings, profile edit)."""
    record = get(store, name)
    shop, callback = link_fields(name, shop_id, callback_url)
    updated = replace(record, shop_id=shop, callback_url=callback)
    with store.session() as session:
        repository.save_profile(session, updated)
    return updated


def list_all(store: Store) -> list[ProfileRecord]:
    with store.session(readonly=True) as session:
        return repository.list_profiles(session)


def get(store: Store, name: str) -> ProfileRecord:
    """The profile called `name`, or UnknownProfile."""
    with store.session(readonly=True) as session:
        record = repository.get_profile(session, name)
    if record is None:
        raise repository.UnknownProfile(name)
    return record


def secret_location(secrets: SecretStore, record: ProfileRecord) -> str:
    if record.kind == SANDBOX.kind:
        return str(msg("profile.secret_not_needed", "не нужен (песочница)"))
    if stored_secret(secrets, record) is None:
        return str(msg("profile.secret_missing", "НЕТ: укажите его командой `halyk-desk profile "
                       "edit {profile} --secret-stdin`", profile=record.name))
    return secrets.location(record.name) or "MISSING"


def test_connection(ctx: AppContext, record: ProfileRecord, *, timeout: float = 10.0) -> str:
    """Get a token and read one status through `record`'s bank; a sentence for a person.

    Raises an EpayError (what the bank or the network did) or BankSetupError (no secret...)."""
    with open_bank(replace(ctx, profile=record), timeout=timeout) as client:
        return client.test_connection()
