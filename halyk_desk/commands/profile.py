"""`halyk-desk profile add | edit | remove | list | use | test`: the bank profiles and their
secrets. Adding, editing, removing and choosing a profile are an admin's, and audited.

Exit codes: 0 done; 2 usage error (bad name, address, terminal, unknown profile, no secret given);
1 the connection test failed or the data could not be opened; 4 not allowed (not an admin).
"""

from __future__ import annotations

import argparse
import functools
import getpass
import json
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from halyk_desk.commands.running import number
from halyk_desk.epay.errors import EpayError
from halyk_desk.jsonfile import JsonFileError
from halyk_desk.messages import Message, msg, of_error
from halyk_desk.secrets import SecretSaved
from halyk_desk.services import profiles, settings_service
from halyk_desk.services.bank import BankSetupError
from halyk_desk.services.context import AppContext, open_context
from halyk_desk.services.operators import NotAllowed
from halyk_desk.store import SchemaError, StoreUnavailable, UnknownProfile
from halyk_desk.store.records import ProfileRecord

USAGE = 2
FAILED = 1
NOT_ALLOWED = 4


def register(subparsers: Any) -> None:
    group = subparsers.add_parser(
        "profile", help=str(msg("profile.help", "профили банка: add, edit, list, use, test")),
        description=str(msg(
            "profile.description", "Профили банка: адреса банка, ваш client id и терминал. "
            "Секрет клиента хранится в хранилище паролей системы (где его нет — в закрытом "
            "файле), никогда в базе данных. Встроенные: sandbox (по умолчанию; банк, "
            "изображаемый на этом компьютере) и halyk-test (публичный тестовый мерчант банка).")),
    )
    actions = group.add_subparsers(dest="profile_action", required=True)

    add = actions.add_parser(
        "add", help=str(msg("profile.add.help", "добавить профиль (или заменить свой) вместе с "
                            "секретом")),
        description=str(msg("profile.add.description", "Добавляет профиль или заменяет "
                            "настройки и секрет одного из ваших профилей.")),
    )
    add.add_argument("name", metavar="NAME", help=str(msg(
        "profile.add.name", "короткое имя: строчные латинские буквы, цифры, - и _")))
    add.add_argument("--oauth-url", required=True, metavar="URL", help=str(msg(
        "profile.add.oauth_url", "адрес токенов, например "
        "https://epay-oauth.homebank.kz/oauth2/token")))
    add.add_argument("--api-url", required=True, metavar="URL", help=str(msg(
        "profile.add.api_url", "адрес API, например https://epay-api.homebank.kz")))
    add.add_argument("--client-id", required=True, metavar="ID",
                     help=str(msg("profile.edit.client_id", "client id мерчанта")))
    add.add_argument("--terminal", required=True, metavar="UUID",
                     help=str(msg("profile.edit.terminal", "идентификатор терминала (UUID)")))
    add_link_options(add)
    secret = add.add_mutually_exclusive_group(required=True)
    secret.add_argument("--secret-stdin", action="store_true", help=str(msg(
        "profile.add.secret_stdin", "прочитать секрет клиента со стандартного ввода (у "
        "терминала спросит, не показывая)")))
    secret.add_argument("--secret-env", metavar="VAR", help=str(msg(
        "profile.add.secret_env", "взять секрет клиента из переменной окружения VAR")))
    _cabinet_arguments(add)
    add.set_defaults(func=add_command)

    edit = actions.add_parser(
        "edit", help=str(msg("profile.edit.help", "изменить часть настроек своего профиля")),
        description=str(msg(
            "profile.edit.description", "Меняет в своём профиле то, что дано; остальное остаётся "
            "как было. С --secret-stdin и --cabinet-password-stdin вместе стандартный ввод держит "
            "секрет в первой строке, а пароль кабинета во второй.")),
    )
    edit.add_argument("name", metavar="NAME", help=str(msg(
        "profile.edit.name", "какой профиль изменить")))
    edit.add_argument("--oauth-url", metavar="URL",
                      help=str(msg("profile.edit.oauth_url", "адрес токенов")))
    edit.add_argument("--api-url", metavar="URL",
                      help=str(msg("profile.edit.api_url", "адрес API")))
    edit.add_argument("--client-id", metavar="ID",
                      help=str(msg("profile.edit.client_id", "client id мерчанта")))
    edit.add_argument("--terminal", metavar="UUID",
                      help=str(msg("profile.edit.terminal", "идентификатор терминала (UUID)")))
    new_secret = edit.add_mutually_exclusive_group()
    new_secret.add_argument("--secret-stdin", action="store_true", help=str(msg(
        "profile.edit.secret_stdin", "прочитать новый секрет клиента со стандартного ввода")))
    new_secret.add_argument("--secret-env", metavar="VAR", help=str(msg(
        "profile.edit.secret_env", "взять новый секрет клиента из переменной окружения VAR")))
    _cabinet_arguments(edit)
    edit.add_argument("--no-cabinet", action="store_true", help=str(msg(
        "profile.edit.no_cabinet", "забыть пользователя кабинета и его пароль")))
    add_link_options(edit)
    edit.set_defaults(func=edit_command)

    remove = actions.add_parser("remove", help=str(msg(
        "profile.remove.help", "удалить свой профиль без заказов и его секреты (администратор)")))
    remove.add_argument("name", metavar="NAME", help=str(msg(
        "profile.remove.name", "какой профиль удалить")))
    remove.set_defaults(func=remove_command)

    listing = actions.add_parser("list", help=str(msg(
        "profile.list.help", "список профилей; * отмечает используемый")))
    listing.add_argument("--json", action="store_true", help=str(msg(
        "cli.json_array", "напечатать массив JSON")))
    listing.set_defaults(func=list_command)

    use = actions.add_parser("use", help=str(msg(
        "profile.use.help", "с этого момента работать с этим профилем (окно и команды)")))
    use.add_argument("name", metavar="NAME")
    use.set_defaults(func=use_command)

    test = actions.add_parser(
        "test", help=str(msg("profile.test.help", "получить токен и прочитать один статус; "
                             "сказать, что не удалось")),
        description=str(msg(
            "profile.test.description", "Проверяет связь профиля: получает токен и читает "
            "статус одного платежа. Профиль sandbox проверяется на банке-песочнице, запущенной "
            "на этом компьютере.")),
    )
    test.add_argument("name", nargs="?", metavar="NAME", help=str(msg(
        "profile.test.name", "какой профиль проверить (по умолчанию — используемый)")))
    test.add_argument("--timeout", type=number, default=10.0, metavar="S", help=str(msg(
        "profile.test.timeout", "сколько секунд ждать каждого ответа (по умолчанию 10)")))
    test.set_defaults(func=test_command)


def _cabinet_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cabinet-user", metavar="USER", help=str(msg(
        "profile.cabinet_user", "пользователь кабинета мерчанта: список операций банка и "
        "ссылки на оплату требуют его входа")))
    password = parser.add_mutually_exclusive_group()
    password.add_argument("--cabinet-password-stdin", action="store_true", help=str(msg(
        "profile.cabinet_password_stdin", "прочитать пароль пользователя кабинета со "
        "стандартного ввода (у терминала спросит, не показывая); он хранится в хранилище "
        "паролей, как секрет")))
    password.add_argument("--cabinet-password-env", metavar="VAR", help=str(msg(
        "profile.cabinet_password_env",
        "взять пароль пользователя кабинета из переменной окружения VAR")))


def add_link_options(parser: argparse.ArgumentParser) -> None:
    """The profile's fields for payment links (profile add, and profile edit)."""
    parser.add_argument("--shop-id", metavar="UUID", help=str(msg(
        "profiles.shop_id_help", "идентификатор магазина в банке (из кабинета), нужен для "
        "ссылок на оплату")))
    parser.add_argument("--callback-url", metavar="URL", help=str(msg(
        "profiles.callback_url_help", "публичный https-адрес приёмника уведомлений магазина "
        "(`halyk-desk callbacks serve` за веб-сервером); уходит банку с каждой ссылкой")))


def _error(message: str) -> None:
    print(f"halyk-desk: {message}", file=sys.stderr)


def _reports_errors(command: Callable[[argparse.Namespace], int]) -> Callable[..., int]:
    """What stops a profile command becomes a message and an exit code, never a traceback."""

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except (UnknownProfile, profiles.ProfileError) as exc:
            _error(str(exc))
            return USAGE
        except (JsonFileError, SchemaError, StoreUnavailable) as exc:
            _error(str(exc))
            return FAILED
        except NotAllowed as exc:
            _error(str(exc))
            return NOT_ALLOWED

    return run


def _signed_in(args: argparse.Namespace) -> AppContext:
    """The signed-in operator's context (before any secret is read from standard input: the
    operator's password comes first), on the built-in sandbox profile, so that a profile command
    works even when the profile last used is gone."""
    return open_context(argparse.Namespace(**{**vars(args), "profile": profiles.DEFAULT_PROFILE}))


class _Input:
    """Secrets from the environment or standard input: one line each when both come from a
    pipe (the client secret first), asked for unshown at a terminal."""

    def __init__(self, wanted: int) -> None:
        self._lines: list[str] | None = None
        self._wanted = wanted

    def read(self, env: str | None, from_stdin: bool, what: Message, flag: str) -> str | None:
        if env:
            value = os.environ.get(env)
            if not value:
                _error(str(msg("profile.env_empty", "переменная окружения {name} не задана или "
                               "пуста: положите в неё {what} или используйте {flag}.",
                               name=env, what=what, flag=flag)))
            return value or None
        if not from_stdin:
            return None
        if sys.stdin.isatty():
            value = getpass.getpass(str(msg("profile.ask_hidden", "{what} (не показывается): ",
                                            what=what))).strip()
        else:
            if self._lines is None:
                text = sys.stdin.read()
                self._lines = text.splitlines() if self._wanted > 1 else [text]
            value = self._lines.pop(0).strip() if self._lines else ""
        if not value:
            _error(str(msg("profile.nothing_on_stdin", "на стандартном вводе нет: {what}.",
                           what=what)))
        return value or None


_CLIENT_SECRET = msg("profile.what.client_secret", "секрет клиента")


def _input_for(args: argparse.Namespace) -> _Input:
    return _Input(int(bool(args.secret_stdin)) + int(bool(args.cabinet_password_stdin)))


def _read_cabinet_password(args: argparse.Namespace, source: _Input) -> str | None:
    return source.read(args.cabinet_password_env, args.cabinet_password_stdin,
                       msg("profile.what.cabinet_password", "пароль кабинета"),
                       "--cabinet-password-stdin")


def _say_saved(saved: SecretSaved | None, record: ProfileRecord) -> None:
    if saved is not None and saved.warning:
        print(msg("profile.secret_warning", "Внимание: {warning}", warning=saved.warning),
              file=sys.stderr)
    print(msg("profile.saved", "Профиль «{profile}» сохранён: {api}, терминал {terminal}.",
              profile=record.name, api=record.api_url, terminal=record.terminal_id))
    if record.cabinet_user:
        print(msg("profile.saved_cabinet", "Пользователь кабинета: {user}.",
                  user=record.cabinet_user))
    if saved is not None:
        print(msg("profile.secrets_where", "Секреты сохранены: {where}.", where=saved.location))
    print(msg("profile.next_steps", "Проверьте его: `halyk-desk profile test {profile}`; "
              "работайте с ним: `halyk-desk profile use {profile}`.", profile=record.name))


@_reports_errors
def add_command(args: argparse.Namespace) -> int:
    record = profiles.custom_profile(
        args.name, oauth_url=args.oauth_url, api_url=args.api_url,
        client_id=args.client_id, terminal_id=args.terminal, cabinet_user=args.cabinet_user,
        shop_id=args.shop_id, callback_url=args.callback_url,
    )
    with _signed_in(args) as ctx:
        source = _input_for(args)
        secret = source.read(args.secret_env, args.secret_stdin, _CLIENT_SECRET,
                             "--secret-stdin")
        if not secret:
            return USAGE
        cabinet_password = _read_cabinet_password(args, source)
        if (args.cabinet_password_stdin or args.cabinet_password_env) and not cabinet_password:
            return USAGE
        saved = settings_service.save_profile(ctx, record, secret, cabinet_password)
    _say_saved(saved, record)
    return 0


def _only_link_fields(args: argparse.Namespace) -> bool:
    """Whether `profile edit` was given the payment-link fields and nothing else."""
    others = (args.oauth_url, args.api_url, args.client_id, args.terminal, args.secret_stdin,
              args.secret_env, args.cabinet_user, args.cabinet_password_stdin,
              args.cabinet_password_env, args.no_cabinet)
    return not any(others) and (args.shop_id is not None or args.callback_url is not None)


@_reports_errors
def edit_command(args: argparse.Namespace) -> int:
    if args.no_cabinet and (args.cabinet_user or args.cabinet_password_stdin
                            or args.cabinet_password_env):
        _error(str(msg("profile.no_cabinet_alone", "--no-cabinet забывает вход кабинета: дайте "
                       "его без --cabinet-user и пароля кабинета.")))
        return USAGE
    with _signed_in(args) as ctx:
        source = _input_for(args)
        secret = source.read(args.secret_env, args.secret_stdin, _CLIENT_SECRET,
                             "--secret-stdin")
        if (args.secret_stdin or args.secret_env) and not secret:
            return USAGE
        cabinet_password = _read_cabinet_password(args, source)
        if (args.cabinet_password_stdin or args.cabinet_password_env) and not cabinet_password:
            return USAGE
        old = profiles.get(ctx.store, args.name)
        shop_id = old.shop_id if args.shop_id is None else args.shop_id
        callback_url = old.callback_url if args.callback_url is None else args.callback_url
        if old.kind != "custom" and _only_link_fields(args):
            # A built-in profile keeps its bank, but takes payment links like any other.
            settings_service.save_link_fields(ctx, old.name, shop_id, callback_url)
            print(msg("profile.links_saved", "Поля ссылок на оплату профиля «{profile}» "
                      "сохранены.", profile=old.name))
            return 0
        cabinet_user = None if args.no_cabinet else (args.cabinet_user or old.cabinet_user)
        record = replace(
            old, oauth_url=args.oauth_url or old.oauth_url, api_url=args.api_url or old.api_url,
            client_id=args.client_id or old.client_id,
            terminal_id=args.terminal or old.terminal_id, cabinet_user=cabinet_user,
            shop_id=shop_id, callback_url=callback_url)
        saved = settings_service.save_profile(ctx, record, secret, cabinet_password)
        dropped = profiles.stored_secret(ctx.secrets, record) is None
    _say_saved(saved, record)
    if dropped:
        _error(str(msg(
            "profile.secret_dropped", "секрет клиента профиля «{profile}» удалён: он выдан для "
            "прежнего адреса токенов или client id и на новый не отправляется. Дайте новый: "
            "`halyk-desk profile edit {profile} --secret-stdin`.", profile=args.name)))
    return 0


@_reports_errors
def remove_command(args: argparse.Namespace) -> int:
    with _signed_in(args) as ctx:
        settings_service.remove_profile(ctx, args.name)
        if ctx.settings["last_profile"] == args.name:
            settings_service.save_settings(ctx, {"last_profile": profiles.DEFAULT_PROFILE})
    print(msg("profile.removed", "Профиль «{profile}» удалён.", profile=args.name))
    return 0


@_reports_errors
def list_command(args: argparse.Namespace) -> int:
    with _signed_in(args) as workspace:
        current = args.profile or workspace.settings["last_profile"]
        rows = [
            {"name": p.name, "kind": p.kind, "current": p.name == current,
             "oauth_url": p.oauth_url, "api_url": p.api_url, "client_id": p.client_id,
             "terminal_id": p.terminal_id, "cabinet_user": p.cabinet_user,
             "shop_id": p.shop_id, "callback_url": p.callback_url,
             "secret": profiles.secret_location(workspace.secrets, p)}
            for p in profiles.list_all(workspace.store)
        ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for row in rows:
        where = row["api_url"] or msg("profile.sandbox_bank", "банк-песочница на этом компьютере")
        said = (msg("profile.list_terminal", "{where}, терминал {terminal}; секрет: {secret}",
                    where=where, terminal=row["terminal_id"], secret=row["secret"])
                if row["terminal_id"] else
                msg("profile.list_line", "{where}; секрет: {secret}", where=where,
                    secret=row["secret"]))
        print(f"{'*' if row['current'] else ' '} {row['name']:<16} {row['kind']:<10} {said}")
        if row["cabinet_user"]:
            print(" " * 30, msg("profile.saved_cabinet", "Пользователь кабинета: {user}.",
                                user=row["cabinet_user"]))
    return 0


@_reports_errors
def use_command(args: argparse.Namespace) -> int:
    with _signed_in(args) as ctx:
        profiles.get(ctx.store, args.name)
        settings_service.save_settings(ctx, {"last_profile": args.name})
    print(msg("profile.in_use", "Теперь используется профиль «{profile}».", profile=args.name))
    return 0


@_reports_errors
def test_command(args: argparse.Namespace) -> int:
    chosen = argparse.Namespace(**{**vars(args), "profile": args.name or args.profile})
    with open_context(chosen) as ctx:
        print(msg("profile.testing", "Проверяю профиль «{profile}»…", profile=ctx.profile.name),
              flush=True)
        try:
            print(profiles.test_connection(ctx, ctx.profile, timeout=args.timeout))
        except (EpayError, BankSetupError) as exc:
            _error(str(msg("profile.test_failed", "проверка связи профиля «{profile}» не "
                           "удалась: {why}", profile=ctx.profile.name, why=of_error(exc))))
            return FAILED
    return 0
