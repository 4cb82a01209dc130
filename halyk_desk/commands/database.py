"""`halyk-desk db info | backup | copy`: the admin's database tools (services.database_admin).

They need no bank profile: they work on the database of the global options (--home, --db or
HALYK_DESK_DB, else the settings, else the SQLite file in the data folder).
"""

from __future__ import annotations

import argparse
import functools
import getpass
import json
import os
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError

from halyk_desk import messages
from halyk_desk.commands.running import (
    FAILED,
    OK,
    USAGE,
    exit_codes_epilog,
    parser_kwargs,
    say_error,
    with_context,
)
from halyk_desk.domain.roles import ROLES
from halyk_desk.jsonfile import JsonFileError
from halyk_desk.messages import Message, msg
from halyk_desk.services import database_admin as admin
from halyk_desk.services import operators, team
from halyk_desk.services.context import (
    AppContext,
    Workspace,
    open_workspace,
    read_stdin_line,
    signed_in,
)
from halyk_desk.services.operators import NotAllowed
from halyk_desk.services.passwords import PasswordError
from halyk_desk.store import DB_ENV, SchemaError, StoreUnavailable
from halyk_desk.store.engine import normalize_url


def _restore_help() -> str:
    return str(msg(
        "db.restore_help", "Восстановление из резервной копии SQLite: закройте Halyk Desk везде, "
        "где он работает с этим файлом, отложите текущий файл (переименуйте его вместе с файлами "
        "-wal и -shm, если они есть), скопируйте резервную копию на место базы под её именем "
        "(место показывает `halyk-desk db info`) и запустите программу. Выгрузку PostgreSQL "
        "восстанавливает администратор базы с помощью pg_restore в новую, пустую базу."))


def register(subparsers: Any) -> None:
    group = subparsers.add_parser(
        "db", help=str(msg("db.help", "база данных: сведения, резервная копия, перенос в другую "
                           "(например, PostgreSQL), выбор, доступ людей")),
        description=str(msg(
            "db.description", "База данных, в которой работает Halyk Desk: что в ней, резервные "
            "копии и перенос всего в другую базу (сотрудники работают в одной общей базе "
            "PostgreSQL). Какая база: --db URL, иначе {variable}, иначе настройки, иначе файл "
            "SQLite в папке данных.", variable=DB_ENV)), **parser_kwargs())
    actions = group.add_subparsers(dest="db_action", metavar="ACTION", required=True)
    usage_error = "2 " + str(msg("db.exit_usage", "ошибка в команде"))
    refused = "1 " + str(msg("db.exit_refused", "база отказала"))
    not_admin = "4 " + str(msg("db.exit_not_admin", "оператор не администратор"))
    json_help = str(msg("db.json_option", "вывести объект JSON"))

    info = actions.add_parser(
        "info", help=str(msg("db.info.help", "адрес, схема, строки по таблицам, размер файла, "
                             "последние резервные копии")),
        description=str(msg(
            "db.info.description", "Показать используемую базу: её адрес (без пароля), сервер, "
            "версию схемы рядом с версией этой программы, число строк каждой таблицы, размер "
            "файла SQLite и самые новые резервные копии.")),
        epilog=exit_codes_epilog(
            "0 " + str(msg("db.info.exit_0", "показано")),
            "1 " + str(msg("db.info.exit_1", "базу не удалось открыть"))),
        **parser_kwargs())
    info.add_argument("--json", action="store_true", help=json_help)
    info.set_defaults(func=_opened(_info, operators.READ))

    backup = actions.add_parser(
        "backup", help=str(msg("db.backup.help", "проверенная копия базы (можно делать, пока "
                               "открыто окно)")),
        description=str(msg(
            "db.backup.description", "Резервная копия базы. SQLite: согласованная копия, которую "
            "можно делать, пока программа работает, проверенная встроенной проверкой "
            "целостности SQLite. PostgreSQL: pg_dump в его собственном формате (нужны клиентские "
            "программы PostgreSQL; пароль передаётся через окружение, никогда в командной "
            "строке). Копия пишется под временным именем и получает своё имя, только когда она "
            "полна и проверена. Без PATH она попадает в папку backups в папке данных под именем "
            "halyk-desk-YYYYmmdd-HHMMSS.sqlite3 (.dump для PostgreSQL; время в UTC).")
        ) + " " + _restore_help(),
        epilog=exit_codes_epilog(
            "0 " + str(msg("db.backup.exit_0", "копия сделана и проверена")),
            "1 " + str(msg("db.backup.exit_1", "копия не сделана (почему — сказано в "
                           "сообщении); ничего не оставлено")),
            usage_error),
        **parser_kwargs())
    backup.add_argument("path", nargs="?", type=Path, metavar="PATH", help=str(msg(
        "db.backup.path", "файл, который записать (если он есть, будет заменён), или папка, в "
        "которую записать файл с датой в имени")))
    backup.add_argument("--keep", type=_positive, metavar="N", help=str(msg(
        "db.backup.keep", "затем удалить в этой папке все копии с датой в имени, кроме N самых "
        "новых (только файлы с именами halyk-desk-YYYYmmdd-HHMMSS.*)")))
    backup.add_argument("--json", action="store_true", help=json_help)
    backup.set_defaults(func=_opened(_backup, operators.SETTINGS))

    copy = actions.add_parser(
        "copy", help=str(msg("db.copy.help", "скопировать всё в другую, пустую базу (например, "
                             "PostgreSQL)")),
        description=str(msg(
            "db.copy.description", "Скопировать все таблицы используемой базы в другую, пустую "
            "базу, например из файла SQLite этого компьютера в общую базу PostgreSQL. Целевая "
            "база сначала получает схему этой программы; копирование — одна транзакция, которая "
            "фиксируется, только когда там проверены число строк и цепочка хешей журнала "
            "аудита, так что при любой ошибке в целевой базе не остаётся ни одной строки. "
            "Целевая база с данными (кроме встроенных профилей, которые создаёт первый запуск) "
            "не принимается. Сначала закройте Halyk Desk везде: пока используемая база читается, "
            "она закрыта для изменений. Используемая база не меняется.")),
        epilog=exit_codes_epilog(
            "0 " + str(msg("db.copy.exit_0", "скопировано и проверено")),
            "1 " + str(msg("db.copy.exit_1", "ничего не скопировано (почему и что делать — "
                           "сказано в сообщении)")),
            usage_error),
        **parser_kwargs())
    copy.add_argument("--to", required=True, metavar="URL", help=str(msg(
        "db.copy.to", "целевая база, например postgresql://halyk:PASSWORD@server/halyk или "
        "sqlite:///path/other.sqlite3")))
    copy.add_argument("--password-stdin", action="store_true", help=str(msg(
        "db.copy.password_stdin", "прочитать пароль PostgreSQL целевой базы со стандартного "
        "ввода (у терминала спросит, не показывая), а не писать его в URL")))
    copy.set_defaults(func=_opened(_copy, operators.SETTINGS))

    grant = actions.add_parser(
        "grant", help=str(msg("db.grant.help", "пустить человека в общую базу PostgreSQL с "
                              "ролью (администратор)")),
        description=str(msg(
            "db.grant.description", "Создаёт логин PostgreSQL NAME (или меняет его роль) и "
            "регистрирует его оператором: дальше действует этот логин, и сама база разрешает "
            "ему ровно то, что можно роли ROLE, какой бы программой он ни подключился (см. "
            "руководство администратора). Нужен логин, которому можно создавать роли "
            "(владелец базы). Человек подключается с --db postgresql://NAME@сервер/база.")),
        epilog=exit_codes_epilog(
            "0 " + str(msg("db.grant.exit_0", "выдано")),
            refused,
            "2 " + str(msg("db.grant.exit_2", "ошибка в команде (не PostgreSQL, нет пароля для "
                           "нового логина)")),
            not_admin),
        **parser_kwargs())
    login_name = str(msg("db.grant.name", "имя логина, например anna"))
    grant.add_argument("name", metavar="NAME", help=login_name)
    grant.add_argument("--role", required=True, choices=ROLES)
    grant.add_argument("--password-stdin", action="store_true", help=str(msg(
        "db.grant.password_stdin", "прочитать пароль логина со стандартного ввода (у терминала "
        "спросит дважды, не показывая); для нового логина обязателен")))
    grant.set_defaults(func=with_context(_grant))

    revoke = actions.add_parser(
        "revoke", help=str(msg("db.revoke.help", "отнять у логина право входить и отключить "
                               "его оператора (администратор)")),
        epilog=exit_codes_epilog(
            "0 " + str(msg("db.revoke.exit_0", "отнято")),
            refused,
            usage_error,
            not_admin),
        **parser_kwargs())
    revoke.add_argument("name", metavar="NAME", help=login_name)
    revoke.set_defaults(func=with_context(_revoke))

    use = actions.add_parser(
        "use", help=str(msg("db.use.help", "открывать эту базу на этом компьютере со следующего "
                            "запуска (администраторы)")),
        description=str(msg(
            "db.use.description", "Сделать базу той, которую Halyk Desk этого компьютера "
            "открывает со следующего запуска, как это делает страница окна Настройки > База "
            "данных: сначала база проверяется, затем адрес записывается в настройки, а пароль "
            "PostgreSQL — в системное хранилище паролей (никогда в файл настроек). --db и "
            "{variable}, если заданы, по-прежнему важнее. Сделать это может только "
            "администратор; изменение записывается в журнал аудита.", variable=DB_ENV)),
        epilog=exit_codes_epilog(
            "0 " + str(msg("db.use.exit_0", "сохранено: действует со следующего запуска")),
            "1 " + str(msg("db.use.exit_1", "базу нельзя использовать (ничего не изменено)")),
            usage_error,
            not_admin),
        **parser_kwargs())
    where = use.add_mutually_exclusive_group(required=True)
    where.add_argument("url", nargs="?", metavar="URL", help=str(msg(
        "db.use.url", "например postgresql://halyk@server/halyk или sqlite:///path/file.sqlite3")))
    where.add_argument("--default", action="store_true", help=str(msg(
        "db.use.default", "файл SQLite в папке данных этого компьютера (как при первом запуске)")))
    use.add_argument("--password-stdin", action="store_true", help=str(msg(
        "db.use.password_stdin", "прочитать пароль PostgreSQL со стандартного ввода (у "
        "терминала спросит, не показывая)")))
    use.set_defaults(func=with_context(_use))


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(str(msg(
            "db.bad_keep", "«{text}»: укажите целое число копий, 1 или больше", text=text)))
    return value


def _opened(command: Callable[[argparse.Namespace, Workspace], int], permission: str
            ) -> Callable[[argparse.Namespace], int]:
    """Run `command` with the workspace (no profile needed) for a signed-in operator allowed
    `permission`; what stops it is a message and an exit code, never a traceback."""

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        try:
            workspace = open_workspace(args)
        except (JsonFileError, SchemaError, StoreUnavailable) as exc:
            say_error(str(exc))
            return FAILED
        except ValueError as exc:  # --db or HALYK_DESK_DB is no database address we know
            say_error(str(exc))
            return USAGE
        with workspace:
            try:
                operators.require_of(workspace.store, signed_in(args, workspace), permission,
                                     readonly=True)
            except NotAllowed as exc:
                say_error(str(exc))
                return NOT_ALLOWED
            try:
                return command(args, workspace)
            except (admin.BackupError, admin.CopyError, SchemaError, StoreUnavailable) as exc:
                say_error(str(exc))
                return FAILED
            except ValueError as exc:  # a target address that is no database address
                say_error(str(exc))
                return USAGE
            except BrokenPipeError:
                # The reader went away (`db info | head`): stop quietly, as other tools do.
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                return FAILED

    return run


def _size(n: int) -> Message:
    if n < 1024:
        return msg("db.size_bytes", "{n} байт", n=n)
    size, units = n / 1024, [msg("db.size_kb", "{n} КБ"), msg("db.size_mb", "{n} МБ"),
                             msg("db.size_gb", "{n} ГБ")]
    while size >= 1024 and len(units) > 1:
        size /= 1024
        units.pop(0)
    return units[0].with_params(n=Decimal(f"{size:.1f}"))


def _when(found: admin.BackupFile | None) -> str:
    if found is None:
        return str(msg("db.no_backup", "нет"))
    written = messages.date_text(found.at, messages.current())
    return f"{found.path} ({written} UTC, {_size(found.size)})"


def _info(args: argparse.Namespace, workspace: Workspace) -> int:
    info = admin.database_info(workspace.store, workspace.paths)
    if args.json:
        print(json.dumps(info.to_json(), ensure_ascii=False, indent=2))
        return OK
    state = (msg("db.info.schema_current", "совпадает") if info.schema_current else
             msg("db.info.schema_differs", "отличается от версии этой программы"))
    lines: list[tuple[Message, Message | str]] = [
        (msg("db.info.address", "База данных:"), info.address),
        (msg("db.info.server", "Сервер:"), info.server),
        (msg("db.info.schema", "Схема:"),
         msg("db.info.revision", "версия {revision}, у этой программы {head} ({state})",
             revision=str(info.revision), head=info.head, state=state)),
    ]
    if info.file_size is not None:
        lines.append((msg("db.info.file_size", "Размер файла:"), _size(info.file_size)))
    lines.append((msg("db.info.last_backup", "Последняя резервная копия:"),
                  _when(info.last_backup)))
    if info.dialect == "sqlite":
        lines.append((msg("db.info.last_upgrade_copy", "Последняя копия перед обновлением:"),
                      _when(info.last_upgrade_copy)))
    labels = [str(label) for label, _ in lines]
    column = max(len(label) for label in labels) + 2
    for label, (_, value) in zip(labels, lines, strict=True):
        print(f"{label:<{column}}{value}")
    print(msg("db.info.rows", "Строки:"))
    width = max(len(name) for name in info.counts)
    for name, count in sorted(info.counts.items()):
        print(f"  {name:<{width}}  {count:>10}")
    return OK


def _backup(args: argparse.Namespace, workspace: Workspace) -> int:
    made = admin.backup(workspace.store, workspace.paths, args.path, keep=args.keep)
    if args.json:
        print(json.dumps({"path": str(made.path), "size": made.size,
                          "verified_by": made.verified_by,
                          "pruned": [str(p) for p in made.pruned]}, indent=2))
        return OK
    checked = (msg("db.backup.checked", "проверено: {tool}", tool=made.verified_by)
               if made.verified_by else
               msg("db.backup.unchecked", "не проверено: pg_restore не установлен"))
    print(msg("db.backup.done", "Копия {source} записана в {target} ({size}; {checked}).",
              source=workspace.store.url, target=str(made.path), size=_size(made.size),
              checked=checked))
    for path in made.pruned:
        print(msg("db.backup.pruned", "Удалена старая копия {path}", path=str(path)))
    return OK


def _copy(args: argparse.Namespace, workspace: Workspace) -> int:
    def progress(table: str, copied: int, total: int) -> None:
        if copied == total:
            print("  " + str(msg("db.copy.table_done", "{table}: %n строк", table=table,
                                 n=total)), file=sys.stderr, flush=True)

    target = normalize_url(args.to)
    password = _password(args)
    if password:
        target = target.set(password=password)
    print(msg("db.copy.copying", "Копирование {source} в {target} ...",
              source=workspace.store.url, target=admin.address(target)), file=sys.stderr,
          flush=True)
    result = admin.copy_database(workspace.store, target, workspace.paths, progress=progress)
    print(msg("db.copy.done", "В {target} скопировано строк: {rows}, таблиц: {tables}. Число "
              "строк совпадает. {audit}", target=result.target, rows=sum(result.counts.values()),
              tables=len(result.counts), audit=result.audit.message))
    if not result.audit.ok:
        print(msg("db.copy.broken_audit", "ВНИМАНИЕ: журнал аудита уже был нарушен в базе, из "
                  "которой копировали, и скопирован как есть (доказательства сохранены). "
                  "`halyk-desk audit verify` на любой из двух баз скажет то же самое."),
              file=sys.stderr)
    for line in admin.next_steps(result.target):
        print(line)
    return OK


NOT_ALLOWED = 4


def _password(args: argparse.Namespace) -> str | None:
    """The database password of --password-stdin: asked for at a terminal, else the first line."""
    if not args.password_stdin:
        return None
    if sys.stdin.isatty():
        return getpass.getpass(str(msg("db.ask_password", "Пароль базы данных (не "
                                       "отображается): "))) or None
    return sys.stdin.readline().rstrip("\r\n") or None


def _team_errors(command: Callable[[argparse.Namespace, AppContext], int]
                 ) -> Callable[[argparse.Namespace, AppContext], int]:
    @functools.wraps(command)
    def run(args: argparse.Namespace, ctx: AppContext) -> int:
        try:
            return command(args, ctx)
        except (team.TeamError, PasswordError) as exc:
            say_error(str(exc))
            return USAGE
        except NotAllowed as exc:
            say_error(str(exc))
            return NOT_ALLOWED
        except DBAPIError as exc:
            say_error(str(msg("db.refused", "База отказала: {why}", why=str(exc.orig))))
            return FAILED

    return run


@_team_errors
def _grant(args: argparse.Namespace, ctx: AppContext) -> int:
    password = None
    if args.password_stdin:
        if sys.stdin.isatty():
            password = getpass.getpass(str(msg("db.grant.ask", "Пароль логина {name} (не "
                                               "отображается): ", name=args.name)))
            if getpass.getpass(str(msg("cli.ask_again", "Ещё раз: "))) != password:
                say_error(str(msg("cli.passwords_differ", "Пароли не совпали; ничего не "
                                  "изменено.")))
                return USAGE
        else:
            password = read_stdin_line()
    done = team.grant(ctx, args.name, args.role, password)
    said = (msg("db.granted_new", "Логин {name} создан: в этой базе он — {role}.",
                name=done.name, role=operators.ROLE_NAMES[done.role]) if done.created else
            msg("db.granted", "Логин {name} изменён: в этой базе он — {role}.", name=done.name,
                role=operators.ROLE_NAMES[done.role]))
    print(said)
    return OK


@_team_errors
def _revoke(args: argparse.Namespace, ctx: AppContext) -> int:
    team.revoke(ctx, args.name)
    print(msg("db.revoked", "Логин {name} больше не может входить; его оператор отключён.",
              name=args.name.strip()))
    return OK


def _use(args: argparse.Namespace, ctx: AppContext) -> int:
    password = _password(args)
    try:
        used = admin.use_database(ctx, None if args.default else args.url, password)
    except admin.UseError as exc:
        say_error(str(exc))
        return FAILED
    except NotAllowed as exc:
        say_error(str(exc))
        return NOT_ALLOWED
    if used.password_saved is not None and used.password_saved.warning:
        print(msg("db.warning", "ВНИМАНИЕ: {warning}", warning=used.password_saved.warning),
              file=sys.stderr)
    server = f" ({used.check.server})" if used.check.server else ""
    print(msg("db.use.done", "Со следующего запуска (окна или команды) этот компьютер "
              "открывает {address}{server}.", address=used.address, server=server))
    if used.check.schema in ("empty", "absent") and ctx.store.url != used.address:
        print(msg("db.use.empty", "В ней пока нет данных. Чтобы перенести туда данные базы, "
                  "которой пользовались до сих пор, выполните: halyk-desk --db '{source}' db "
                  "copy --to '{target}'", source=ctx.store.url, target=used.address))
    if used.check.schema == "older":
        print(msg("db.use.older", "Её схема старее: следующий запуск её обновит (сначала "
                  "сделайте `halyk-desk db backup`)."))
    return OK
