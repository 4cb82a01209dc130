"""`halyk-desk orders import FILE [--mapping JSON]`: load the shop's order export, all or none."""

from __future__ import annotations

import argparse
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
from halyk_desk.services.context import AppContext
from halyk_desk.services.orders import import_orders


def register(subparsers: Any) -> None:
    group = subparsers.add_parser(
        "orders", help="the shop's orders: import its export",
        description="The shop's orders, as its own system exports them.",
    )
    actions = group.add_subparsers(dest="orders_action", metavar="ACTION", required=True)
    imp = actions.add_parser(
        "import", help="import an order file (CSV or XLSX), all rows or none",
        description="Import the shop's orders from a CSV file (comma, semicolon or tab; UTF-8 or "
        "cp1251) or an XLSX workbook, such as 1C-Bitrix's order list. Columns are found by their "
        "Russian or English names (ID / Номер заказа / invoiceId, Сумма / Amount, Валюта / "
        "Currency, Дата создания / Created, Покупатель / Customer, Оплачен / Paid, Статус / "
        "Status); --mapping names any others. One bad row imports nothing: every problem is "
        "listed with its row number. Importing the same rows again changes nothing; a row that "
        "contradicts an order already imported (another amount, currency or date) refuses the "
        "whole file.",
        epilog=exit_codes_epilog(
            "0  imported (or nothing new)",
            "1  the file was refused: nothing was imported (the problems are listed), or the "
            "data could not be opened",
            "2  usage error: bad arguments, a --mapping that is not valid, an unknown profile",
        ),
        **parser_kwargs(),
    )
    imp.add_argument("file", type=Path, metavar="FILE", help="the order file (.csv or .xlsx)")
    imp.add_argument(
        "--mapping", metavar="JSON",
        help='which column holds which field, as JSON: {"invoice_id": "Order No", "amount": '
        '"Total"}; or @PATH to read that JSON from a file. Fields: invoice_id, amount, currency, '
        "created_at, customer, shop_paid, shop_status",
    )
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
            raise file_error(
                f"Cannot read the mapping file {str(path)!r}: {exc.strerror or exc}."
            ) from None
    return Mapping.parse(text)


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
        return FAILED
    for warning in summary.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    updated = f", {summary.updated} updated" if summary.updated else ""
    print(f"Imported {summary.source_file} into profile {ctx.profile.name!r}: "
          f"{summary.added} added, {summary.unchanged} unchanged{updated}.")
    return OK
