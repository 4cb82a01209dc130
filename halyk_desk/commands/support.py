"""`halyk-desk support-report PATH`: the ZIP file to send to support (services/support_report.py).
It works when the settings or the database cannot be opened: that is when support is needed."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from halyk_desk.commands.running import FAILED, OK, exit_codes_epilog, parser_kwargs, say_error
from halyk_desk.jsonfile import JsonFileError
from halyk_desk.messages import msg
from halyk_desk.paths import resolve_paths
from halyk_desk.services.support_report import write_report


def register(sub: Any) -> None:
    report = sub.add_parser(
        "support-report",
        help=str(msg("support.help", "записать отчёт для поддержки (ZIP): журнал, версии, "
                     "настройки без секретов, сведения о базе")),
        epilog=exit_codes_epilog("0  " + str(msg("support.exit_written", "отчёт записан")),
                                 "1  " + str(msg("support.exit_failed",
                                                 "отчёт не записан (сообщение говорит почему)"))),
        **parser_kwargs(),
    )
    report.add_argument("path", metavar="PATH", type=Path, help=str(msg(
        "support.path_help", "куда записать ZIP-файл, например halyk-desk-support.zip")))
    report.set_defaults(func=support_report_command)


def support_report_command(args: argparse.Namespace) -> int:
    from halyk_desk.services import database_admin
    from halyk_desk.services.context import open_workspace
    from halyk_desk.settings import Settings

    paths = resolve_paths(args.home)
    try:
        settings: dict[str, Any] | str = Settings.load(paths.config_dir).as_dict()
    except JsonFileError as exc:
        settings = str(exc)

    def database() -> dict[str, Any]:
        with open_workspace(args) as workspace:
            return database_admin.database_info(workspace.store, workspace.paths).to_json()

    try:
        report = write_report(paths, args.path, settings=settings, database=database)
    except OSError as exc:
        say_error(str(msg("support.not_written", "Отчёт не записан в {path}: {reason}. "
                          "Выберите папку, в которую можно писать.",
                          path=str(args.path), reason=exc.strerror or str(exc))))
        return FAILED
    print(msg("support.written", "Отчёт для поддержки записан: {path}. Отправьте этот файл в "
              "поддержку; секретов в нём нет.", path=str(report.path)))
    return OK
