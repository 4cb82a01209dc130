"""`halyk-desk callbacks serve | import | list`: the bank's payment notices (postLink).

Exit codes: 0 done; 2 usage error (a bad --listen, a log file that is not JSON lines: nothing
imported); 1 any other failure (the address is taken, the store failed).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from halyk_desk.commands.running import (
    FAILED,
    OK,
    USAGE,
    parser_kwargs,
    say_error,
    with_context,
)
from halyk_desk.messages import msg
from halyk_desk.services import callbacks
from halyk_desk.services.context import AppContext


def register(subparsers: Any) -> None:
    group = subparsers.add_parser(
        "callbacks", help=str(msg("callbacks.cli_help", "уведомления банка: приём, загрузка, "
                                  "список")),
        description=str(msg("callbacks.cli_description", "Уведомления банка (postLink). Каждое "
                            "хранится как пришло, один раз; уведомление лишь заставляет "
                            "программу прочитать статус платежа у банка и никогда само не "
                            "меняет деньги. Уведомления с неверным секретом хранятся как "
                            "непроверенные.")),
    )
    actions = group.add_subparsers(dest="callbacks_action", required=True)
    serve = actions.add_parser(
        "serve", help=str(msg("callbacks.serve_help", "принимать уведомления по HTTP (за nginx "
                              "или Caddy)")),
        description=str(msg("callbacks.serve_description", "Принимать уведомления банка: POST "
                            "на любой путь, GET /health для мониторинга. Запускайте за "
                            "веб-сервером магазина (docs/admin-guide.md); адрес уведомлений "
                            "профиля должен вести сюда.")),
        epilog=str(msg("callbacks.serve_exit_codes", "коды выхода:\n  0 остановлен\n  "
                       "2 неверный --listen\n  1 не удалось слушать адрес")),
        **parser_kwargs(),
    )
    serve.add_argument("--listen", default="127.0.0.1:8090", metavar="HOST:PORT",
                       help="127.0.0.1:8090")
    serve.set_defaults(func=serve_command)

    imp = actions.add_parser(
        "import", help=str(msg("callbacks.import_help", "загрузить уведомления из журнала "
                               "JSON Lines")),
        description=str(msg("callbacks.import_description", "Прочитать журнал уведомлений в "
                            "формате JSON Lines (по уведомлению в строке, или объект с полями "
                            "body и query), например от веб-сервера магазина или 1С-Битрикс, и "
                            "принять каждое так же, как приёмник. Всё или ничего: одна плохая "
                            "строка — ничего не загружено.")),
        epilog=str(msg("callbacks.import_exit_codes", "коды выхода:\n  0 загружено\n  2 файл не "
                       "читается или неверен, ничего не загружено\n  1 другая ошибка")),
        **parser_kwargs(),
    )
    imp.add_argument("file", type=Path)
    imp.set_defaults(func=import_command)

    listing = actions.add_parser("list", help=str(msg("callbacks.list_help", "полученные "
                                                      "уведомления, новые сверху")))
    listing.add_argument("--invoice", metavar="ID")
    listing.add_argument("--json", action="store_true", help="JSON")
    listing.set_defaults(func=list_command)


@with_context
def serve_command(args: argparse.Namespace, ctx: AppContext) -> int:
    from halyk_desk.receiver.server import Receiver, parse_listen  # uvicorn only when serving

    try:
        host, port = parse_listen(args.listen)
    except ValueError:
        say_error(msg("callbacks.bad_listen", "--listen «{listen}»: напишите АДРЕС:ПОРТ, например "
                      "127.0.0.1:8090.", listen=args.listen))
        return USAGE
    print(msg("callbacks.serving", "Приём уведомлений профиля «{profile}» на http://{listen} "
              "(GET /health); Ctrl-C — остановить.", profile=ctx.profile.name,
              listen=args.listen), flush=True)
    try:
        Receiver(ctx, host, port).run()
    except OSError as exc:
        say_error(msg("callbacks.cannot_listen", "Не удалось слушать {listen}: {error}",
                      listen=args.listen, error=str(exc)))
        return FAILED
    return OK


@with_context
def import_command(args: argparse.Namespace, ctx: AppContext) -> int:
    try:
        summary = callbacks.import_file(ctx, args.file)
    except callbacks.CallbackImportError as exc:
        say_error(str(exc))
        return USAGE
    print(msg("callbacks.imported", "Прочитано уведомлений: {lines}; новых {stored}, уже "
              "известных {repeats}, непроверенных {unverified}; проверено у банка {checked}, "
              "не удалось проверить {failed}.", lines=summary.lines, stored=summary.stored,
              repeats=summary.repeats, unverified=summary.unverified, checked=summary.checked,
              failed=summary.check_failures))
    return OK


@with_context
def list_command(args: argparse.Namespace, ctx: AppContext) -> int:
    found = callbacks.list_callbacks(ctx, args.invoice)
    if args.json:
        print(json.dumps([callbacks.to_json(c) for c in found], ensure_ascii=False, indent=2))
        return OK
    for c in found:
        print(f"{c.received_at:%Y-%m-%d %H:%M:%S}Z  {c.invoice_id or '-':<15} "
              f"{c.code or '-':<6} {callbacks.describe(c)}")
    return OK
