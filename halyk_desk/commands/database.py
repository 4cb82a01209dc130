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
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError

from halyk_desk.commands.running import (
    FAILED,
    OK,
    USAGE,
    exit_codes_epilog,
    parser_kwargs,
    say_error,
    with_context,
)
from halyk_desk.jsonfile import JsonFileError
from halyk_desk.messages import msg
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
from halyk_desk.store.journal_models import ROLES

RESTORE_HELP = (
    "Restoring a SQLite backup: close Halyk Desk everywhere it uses that file, keep the current "
    "file aside (rename it, together with its -wal and -shm files if there are any), copy the "
    "backup to the database's place under its name (`halyk-desk db info` shows the place), and "
    "start the program. A PostgreSQL dump is restored by the database's administrator with "
    "pg_restore into a new, empty database."
)


def register(subparsers: Any) -> None:
    group = subparsers.add_parser(
        "db", help="the database: info, backup, copy to another (e.g. PostgreSQL), use",
        description="The database Halyk Desk works in: what is in it, backups, and moving "
        "everything to another database (a team shares one PostgreSQL database). "
        f"Which database: --db URL, else {DB_ENV}, else the settings, else the SQLite file in "
        "the data folder.", **parser_kwargs())
    actions = group.add_subparsers(dest="db_action", metavar="ACTION", required=True)

    info = actions.add_parser(
        "info", help="address, schema, rows per table, file size, last backups",
        description="Show the database in use: its address (password hidden), the server, the "
        "schema revision against this program's, the rows of each table, the SQLite file's size "
        "and the newest backups.",
        epilog=exit_codes_epilog("0 shown", "1 the database could not be opened"),
        **parser_kwargs())
    info.add_argument("--json", action="store_true", help="print a JSON object")
    info.set_defaults(func=_opened(_info, operators.READ))

    backup = actions.add_parser(
        "backup", help="a checked copy of the database (may run while the window is open)",
        description="Back up the database. SQLite: a consistent copy made while the program may "
        "be running, checked with SQLite's integrity check. PostgreSQL: pg_dump in its custom "
        "format (needs the PostgreSQL client tools; the password is passed in the environment, "
        "never on the command line). The copy is written under a temporary name and only "
        "renamed into place when it is complete and checked. Without PATH it goes to the data "
        "folder's backups folder as halyk-desk-YYYYmmdd-HHMMSS.sqlite3 (.dump for PostgreSQL; "
        "the time in UTC). " + RESTORE_HELP,
        epilog=exit_codes_epilog("0 backed up and checked", "1 no backup was made (the message "
                                 "says why); nothing was left behind", "2 usage error"),
        **parser_kwargs())
    backup.add_argument("path", nargs="?", type=Path, metavar="PATH",
                        help="the file to write (replaced if it exists), or a folder to write a "
                        "dated file in")
    backup.add_argument("--keep", type=_positive, metavar="N",
                        help="then delete all but the newest N dated backups in that folder "
                        "(only files named halyk-desk-YYYYmmdd-HHMMSS.*)")
    backup.add_argument("--json", action="store_true", help="print a JSON object")
    backup.set_defaults(func=_opened(_backup, operators.SETTINGS))

    copy = actions.add_parser(
        "copy", help="copy everything into another, empty database (e.g. PostgreSQL)",
        description="Copy every table of the database in use into another, empty database, "
        "for example from this computer's SQLite file to the team's PostgreSQL database. The "
        "target gets this program's schema first; the copy is one transaction that is committed "
        "only after the row counts and the audit log's hash chain are checked there, so on any "
        "error the target is left without rows. A target that holds data (anything but the "
        "built-in profiles a first start makes) is refused. "
        "Close Halyk Desk everywhere first: the database in use is locked against changes while "
        "it is read. The database in use is not changed.",
        epilog=exit_codes_epilog("0 copied and checked", "1 nothing was copied (the message "
                                 "says why and what to do)", "2 usage error"),
        **parser_kwargs())
    copy.add_argument("--to", required=True, metavar="URL",
                      help="the target, e.g. postgresql://halyk:PASSWORD@server/halyk or "
                      "sqlite:///path/other.sqlite3")
    copy.add_argument("--password-stdin", action="store_true",
                      help="read the target's PostgreSQL password from standard input (asked "
                      "for, unshown, at a terminal) instead of writing it in the URL")
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
            "1 " + str(msg("db.exit_refused", "база отказала")),
            "2 " + str(msg("db.grant.exit_2", "ошибка в команде (не PostgreSQL, нет пароля для "
                           "нового логина)")),
            "4 " + str(msg("db.exit_not_admin", "оператор не администратор"))),
        **parser_kwargs())
    grant.add_argument("name", metavar="NAME", help=str(msg("db.grant.name", "имя логина, "
                                                            "например anna")))
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
            "1 " + str(msg("db.exit_refused", "база отказала")),
            "2 " + str(msg("db.exit_usage", "ошибка в команде")),
            "4 " + str(msg("db.exit_not_admin", "оператор не администратор"))),
        **parser_kwargs())
    revoke.add_argument("name", metavar="NAME")
    revoke.set_defaults(func=with_context(_revoke))

    use = actions.add_parser(
        "use", help="open this database from the next start on this computer (admins)",
        description="Make a database the one this computer's Halyk Desk opens from its next "
        "start, as the window's Settings > Database page does: the database is checked first, "
        "the address goes to the settings and a PostgreSQL password to the system keyring "
        f"(never to the settings file). --db and {DB_ENV} still win over it when given. Only an "
        "admin operator may do it; the change is written to the audit log.",
        epilog=exit_codes_epilog("0 saved: used from the next start", "1 the database cannot be "
                                 "used (nothing was changed)", "2 usage error",
                                 "4 the operator is not an admin"),
        **parser_kwargs())
    where = use.add_mutually_exclusive_group(required=True)
    where.add_argument("url", nargs="?", metavar="URL",
                       help="e.g. postgresql://halyk@server/halyk or sqlite:///path/file.sqlite3")
    where.add_argument("--default", action="store_true",
                       help="the SQLite file in this computer's data folder (the first setting)")
    use.add_argument("--password-stdin", action="store_true",
                     help="read the PostgreSQL password from standard input (asked for, unshown, "
                     "at a terminal)")
    use.set_defaults(func=with_context(_use))


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number of backups, 1 or more")
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


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    raise AssertionError("unreachable")


def _when(found: admin.BackupFile | None) -> str:
    if found is None:
        return "none"
    return f"{found.path} ({found.at:%Y-%m-%d %H:%M} UTC, {_size(found.size)})"


def _info(args: argparse.Namespace, workspace: Workspace) -> int:
    info = admin.database_info(workspace.store, workspace.paths)
    if args.json:
        print(json.dumps(info.to_json(), ensure_ascii=False, indent=2))
        return OK
    state = "current" if info.schema_current else "differs from this program's"
    print(f"Database:  {info.address}")
    print(f"Server:    {info.server}")
    print(f"Schema:    revision {info.revision}, this program's {info.head} ({state})")
    if info.file_size is not None:
        print(f"File size: {_size(info.file_size)}")
    print("Rows:")
    width = max(len(name) for name in info.counts)
    for name, count in sorted(info.counts.items()):
        print(f"  {name:<{width}}  {count:>10}")
    print(f"Last backup:               {_when(info.last_backup)}")
    if info.dialect == "sqlite":
        print(f"Last copy before upgrade:  {_when(info.last_upgrade_copy)}")
    return OK


def _backup(args: argparse.Namespace, workspace: Workspace) -> int:
    made = admin.backup(workspace.store, workspace.paths, args.path, keep=args.keep)
    if args.json:
        print(json.dumps({"path": str(made.path), "size": made.size,
                          "verified_by": made.verified_by,
                          "pruned": [str(p) for p in made.pruned]}, indent=2))
        return OK
    checked = (f"checked with {made.verified_by}" if made.verified_by
               else "not checked: pg_restore is not installed")
    print(f"Backed up {workspace.store.url} to {made.path} ({_size(made.size)}; {checked}).")
    for path in made.pruned:
        print(f"Deleted older backup {path}")
    return OK


def _copy(args: argparse.Namespace, workspace: Workspace) -> int:
    def progress(table: str, copied: int, total: int) -> None:
        if copied == total:
            print(f"  {table}: {total} row{'s' if total != 1 else ''}", file=sys.stderr,
                  flush=True)

    target = normalize_url(args.to)
    password = _password(args)
    if password:
        target = target.set(password=password)
    print(f"Copying {workspace.store.url} to {admin.address(target)} ...", file=sys.stderr,
          flush=True)
    result = admin.copy_database(workspace.store, target, workspace.paths, progress=progress)
    print(f"Copied {sum(result.counts.values())} rows in {len(result.counts)} tables to "
          f"{result.target}. The row counts match. {result.audit.message}")
    if not result.audit.ok:
        print("WARNING: the audit log was already broken in the database copied from, and was "
              "copied as it is (the evidence kept). `halyk-desk audit verify` on either database "
              "says the same.", file=sys.stderr)
    for line in admin.next_steps(result.target):
        print(line)
    return OK


NOT_ALLOWED = 4


def _password(args: argparse.Namespace) -> str | None:
    """The database password of --password-stdin: asked for at a terminal, else the first line."""
    if not args.password_stdin:
        return None
    if sys.stdin.isatty():
        return getpass.getpass("Database password (not shown): ") or None
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
        print(f"WARNING: {used.password_saved.warning}", file=sys.stderr)
    server = f" ({used.check.server})" if used.check.server else ""
    print(f"From the next start (of the window or a command) this computer opens "
          f"{used.address}{server}.")
    if used.check.schema in ("empty", "absent") and ctx.store.url != used.address:
        print("It holds no data yet. To move the data of the database used until now there, "
              f"run: halyk-desk --db '{ctx.store.url}' db copy --to '{used.address}'")
    if used.check.schema == "older":
        print("Its schema is older: the next start upgrades it (take `halyk-desk db backup` "
              "first).")
    return OK
