"""Command line: the same services as the window, headless.

Each group of commands lives in its own module under `halyk_desk.commands` with a
`register(subparsers)` function that adds its parsers and sets `func(args) -> exit code`.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from halyk_desk import __version__, logs, messages
from halyk_desk.commands import argparse_words

log = logging.getLogger(__name__)
#: Exit code when the operator is not proven or may not do it (nothing read or sent).
NOT_ALLOWED = 4

# One line per command module; order is the order of `--help`.
COMMAND_MODULES = [
    "halyk_desk.commands.sandbox",
    "halyk_desk.commands.profile",
    "halyk_desk.commands.orders",
    "halyk_desk.commands.sync",
    "halyk_desk.commands.lists",
    "halyk_desk.commands.money",
    "halyk_desk.commands.links",
    "halyk_desk.commands.callbacks",
    "halyk_desk.commands.reconcile",
    "halyk_desk.commands.database",
    "halyk_desk.commands.support",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="halyk-desk",
        description=str(messages.msg("cli.description", "Halyk Desk — бэк-офис для Halyk ePay. "
                                     "Без команды открывает окно.")),
    )
    # Python 3.11's argparse leaves this help untranslated (later ones look it up).
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}",
                        help=argparse_words.gettext("show program's version number and exit"))
    parser.add_argument("--home", metavar="DIR", help=str(messages.msg(
        "cli.home_option", "хранить настройки, базу данных и журналы в папке DIR (по умолчанию — "
        "в папках, принятых в системе; также HALYK_DESK_HOME)")))
    parser.add_argument("--db", metavar="URL", help=str(messages.msg(
        "cli.db_option", "адрес базы данных (по умолчанию — SQLite в папке данных; также "
        "HALYK_DESK_DB), например postgresql+psycopg://user@host/halyk")))
    parser.add_argument("--profile", metavar="NAME", help=str(messages.msg(
        "cli.profile_option", "профиль банка (по умолчанию — последний использованный)")))
    parser.add_argument("--operator", metavar="NAME", help=str(messages.msg(
        "cli.operator_option", "действовать как оператор NAME, подтвердив его паролем (по "
        "умолчанию — пользователь системы; на PostgreSQL не принимается: там оператор — логин "
        "базы)")))
    parser.add_argument("--password-stdin", dest="operator_password_stdin", action="store_true",
                        help=str(messages.msg(
                            "cli.password_stdin_option", "прочитать пароль --operator из первой "
                            "строки стандартного ввода (по умолчанию его спросят у терминала)")))
    parser.add_argument("--lang", choices=messages.LANGUAGES, help=str(messages.msg(
        "cli.lang_option", "язык сообщений (по умолчанию — из настроек программы, иначе язык "
        "системы)")))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def choose_language(argv: list[str]) -> str:
    """--lang, else the `language` setting (of --home's settings), else the system's language.
    Read before the parser is built, so that its own messages are in that language too."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--lang", choices=messages.LANGUAGES)
    early.add_argument("--home")
    known, _rest = early.parse_known_args(argv)
    if known.lang:
        return str(known.lang)
    from halyk_desk.paths import resolve_paths
    from halyk_desk.settings import Settings

    try:
        setting = Settings.load(resolve_paths(known.home, create=False).config_dir)["language"]
    except Exception:  # a broken settings file is reported by the command that reads it
        setting = "auto"
    return messages.resolve(setting)


def window(args: argparse.Namespace) -> int:
    """The window, once the system is known to have the libraries Qt's display needs (else the
    message says which packages to install, and the code is platform_check.EXIT_CODE)."""
    from halyk_desk.ui.platform_check import check_before_window

    refused = check_before_window()
    if refused is not None:
        return refused
    from halyk_desk.ui.app import run_window

    return run_window(args)


def start_journal(args: argparse.Namespace) -> None:
    """The journal (halyk_desk/logs.py) in the logs folder of --home, for --operator."""
    from halyk_desk.paths import resolve_paths

    try:
        log_dir = resolve_paths(args.home, create=False).log_dir
    except OSError:
        return
    logs.configure(log_dir, args.operator or logs.default_operator())


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    messages.use(choose_language(argv))
    if not argv:
        # The window, with every option at its default. Building the parser would import every
        # command module (and through them SQLAlchemy, httpx...) before the window could appear.
        args = argparse.Namespace(home=None, db=None, profile=None, operator=None,
                                  operator_password_stdin=False, command=None)
        start_journal(args)
        return window(args)
    with argparse_words.spoken():  # argparse's own words ("usage:", its errors) too
        args = build_parser().parse_args(argv)
    start_journal(args)
    if args.command is None:
        return window(args)
    log.info("halyk-desk %s: %s", __version__, args.command)
    from halyk_desk.services.operators import NotAllowed

    try:
        return int(args.func(args) or 0)
    except NotAllowed as exc:  # a sign-in refused: nothing was read or sent
        print(f"halyk-desk: {exc}", file=sys.stderr)
        return NOT_ALLOWED
    except Exception as exc:  # the journal keeps the traceback; people read one sentence
        log.exception("Command %s failed", args.command)
        said = exc if logs.explained(exc) else logs.unexpected(exc)
        print(f"halyk-desk: {said}", file=sys.stderr)
        return 1
