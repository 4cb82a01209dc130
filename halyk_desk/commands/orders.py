"""`halyk-desk orders import FILE [--mapping JSON]`: load the shop's order export, all or none."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from halyk_desk.commands.running import (
    FAILED,
    OK,
    USAGE,
    exit_codes_epilog,
    parser_kwargs,
    say_error,
    with_context,
)
from halyk_desk.imports import ImportFailed, Mapping
from halyk_desk.imports.errors import file_error
from halyk_desk.messages import msg
from halyk_desk.services.context import AppContext
from halyk_desk.services.orders import import_orders


def register(subparsers: Any) -> None:
    group = subparsers.add_parser(
        "orders", help=str(msg("cli.orders.help", "заказы магазина: загрузить их выгрузку")),
        description=str(msg("cli.orders.description", "Заказы магазина в том виде, в каком их "
                            "выгружает его собственная система.")),
    )
    actions = group.add_subparsers(dest="orders_action", metavar="ACTION", required=True)
    imp = actions.add_parser(
        "import", help=str(msg("cli.orders_import.help", "загрузить файл заказов (CSV или "
                               "XLSX): все строки или ни одной")),
        description=str(msg(
            "cli.orders_import.description", "Загружает заказы магазина из файла CSV "
            "(разделитель — запятая, точка с запятой или табуляция; UTF-8 или cp1251) или книги "
            "XLSX, например списка заказов 1С-Битрикс. Колонки находятся по русским или "
            "английским названиям (ID / Номер заказа / invoiceId, Сумма / Amount, Валюта / "
            "Currency, Дата создания / Created, Покупатель / Customer, Оплачен / Paid, Статус / "
            "Status); --mapping называет любые другие. Одна неверная строка — и не загружается "
            "ничего: каждая ошибка названа с номером строки. Повторная загрузка тех же строк "
            "ничего не меняет; строка, противоречащая уже загруженному заказу (другая сумма, "
            "валюта или дата), отклоняет весь файл.")),
        epilog=exit_codes_epilog(
            "0  " + str(msg("cli.orders_import.exit_ok", "загружено (или нового нет)")),
            "1  " + str(msg("cli.orders_import.exit_refused", "файл отклонён: ничего не "
                            "загружено (ошибки перечислены), или данные не удалось открыть")),
            "2  " + str(msg("cli.orders_import.exit_usage", "ошибка в команде: неверные "
                            "аргументы, недопустимый --mapping, неизвестный профиль")),
        ),
        **parser_kwargs(),
    )
    imp.add_argument("file", type=Path, metavar="FILE", help=str(msg(
        "cli.orders_import.file", "файл заказов (.csv или .xlsx)")))
    imp.add_argument("--mapping", metavar="JSON", help=str(msg(
        "cli.orders_import.mapping", "какая колонка содержит какое поле, в JSON: "
        "{{\"invoice_id\": \"Номер\", \"amount\": \"Итого\"}}; или @PATH, чтобы прочитать этот "
        "JSON из файла. Поля: invoice_id, amount, currency, created_at, customer, shop_paid, "
        "shop_status")))
    imp.set_defaults(func=import_command)


def _mapping(text: str | None) -> Mapping | None:
    """The --mapping value (JSON, or @PATH of a JSON file); ImportFailed says what is wrong."""
    if text is None:
        return None
    if text.startswith("@"):
        path = Path(text[1:])
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise file_error(msg(
                "cli.orders_import.mapping_unreadable", "Не удалось прочитать файл "
                "сопоставления «{path}»: {why}.", path=str(path),
                why=exc.strerror or str(exc))) from None
    return Mapping.parse(text)


def _json(mapping: dict[str, str]) -> str:
    return json.dumps(mapping, ensure_ascii=False)


@with_context
def import_command(args: argparse.Namespace, ctx: AppContext) -> int:
    try:
        mapping = _mapping(args.mapping)
    except ImportFailed as failed:
        for error in failed.errors:
            say_error(f"--mapping: {error}")
        return USAGE
    try:
        summary = import_orders(ctx, args.file, mapping)
    except ImportFailed as failed:
        print(str(failed), file=sys.stderr)
        if failed.mapping_example:
            print(msg("cli.orders_import.map_missing", "Или сопоставьте колонку сами, например "
                      "--mapping '{mapping}'.", mapping=_json(failed.mapping_example)),
                  file=sys.stderr)
        return FAILED
    for warning in summary.warnings:
        print(msg("cli.orders_import.warning", "предупреждение: {warning}", warning=warning),
              file=sys.stderr)
    if summary.other_choice:
        print(msg("cli.orders_import.map_other", "Или укажите колонку сами: --mapping "
                  "'{mapping}'.", mapping=_json(summary.other_choice)), file=sys.stderr)
    said = {"file": summary.source_file, "profile": ctx.profile.name, "added": summary.added,
            "unchanged": summary.unchanged}
    if summary.updated:
        print(msg("cli.orders_import.done_updated", "Файл {file} загружен в профиль «{profile}»: "
                  "добавлено {added}, без изменений {unchanged}, обновлено {updated}.",
                  updated=summary.updated, **said))
    else:
        print(msg("cli.orders_import.done", "Файл {file} загружен в профиль «{profile}»: "
                  "добавлено {added}, без изменений {unchanged}.", **said))
    return OK
