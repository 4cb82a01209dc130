"""`halyk-desk link create | list`: payment links for phone and e-mail orders.

Exit codes: 0 done; 2 usage error (bad amount, e-mail, phone, lifetime, order number, no shop id);
3 the bank refused the link; 4 the operator may not create links; 5 no answer from the bank (the
link may exist: look in the bank's cabinet); 1 any other failure.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from halyk_desk.commands.running import (
    FAILED,
    OK,
    USAGE,
    parser_kwargs,
    say_error,
    with_context,
)
from halyk_desk.domain import InvoiceIdError, MoneyError
from halyk_desk.domain.links import LinkError
from halyk_desk.epay import errors
from halyk_desk.messages import msg
from halyk_desk.services import links
from halyk_desk.services.bank import BankSetupError
from halyk_desk.services.context import AppContext
from halyk_desk.services.operations import parse_amount
from halyk_desk.services.operators import NotAllowed

REFUSED, NOT_ALLOWED, UNKNOWN = 3, 4, 5


def register(subparsers: Any) -> None:
    group = subparsers.add_parser(
        "link", help=str(msg("links.cli_help", "ссылки на оплату: попросить покупателя оплатить "
                             "заказ")),
        description=str(msg("links.cli_description", "Ссылки на оплату для заказов по телефону, "
                            "WhatsApp или e-mail. Ссылку создаёт банк; заказ сохраняется как "
                            "ожидающий оплаты, и синхронизация следит за ним, как за любым "
                            "другим.")),
    )
    actions = group.add_subparsers(dest="link_action", required=True)
    create = actions.add_parser(
        "create", help=str(msg("links.create_help", "создать ссылку на оплату нового заказа")),
        description=str(msg("links.create_description", "Создать ссылку на оплату. Могут "
                            "менеджеры и администраторы; каждая ссылка пишется в журнал аудита. "
                            "Номер заказа (12 цифр) создаётся сам, если не задан --invoice.")),
        epilog=str(msg("links.create_exit_codes", "коды выхода:\n  0 создана\n  2 неверный ввод "
                       "или в профиле нет идентификатора магазина, ничего не отправлено\n  3 банк "
                       "отказал (его сообщение показано)\n  4 оператору это не разрешено\n  "
                       "5 банк не ответил: ссылка может существовать, проверьте кабинет банка\n"
                       "  1 другая ошибка")),
        **parser_kwargs(),
    )
    create.add_argument("--amount", required=True, metavar="A", help="15000, 1 500,50")
    create.add_argument("--currency", default="KZT", help="KZT, USD")
    create.add_argument("--description", required=True, metavar="TEXT",
                        help=str(msg("links.description_help", "за что платит покупатель "
                                     "(видно на странице банка)")))
    create.add_argument("--email", metavar="E", help=str(msg(
        "links.email_help", "e-mail покупателя (банк отправит ссылку туда)")))
    create.add_argument("--phone", metavar="P", help="+77011234567")
    create.add_argument("--expires", default="1d", metavar="PERIOD",
                        help=str(msg("links.expires_help", "30m, 12h, 1d (по умолчанию), "
                                     "≤ 30d")))
    create.add_argument("--invoice", metavar="ID", help=str(msg(
        "links.invoice_help", "номер заказа (6–15 цифр) вместо нового")))
    create.add_argument("--language", default="rus", choices=links.LANGUAGES)
    create.add_argument("--json", action="store_true", help="JSON")
    create.set_defaults(func=create_command)

    listing = actions.add_parser("list", help=str(msg(
        "links.list_help", "ссылки и их состояния: активна, оплачена, истекла, отклонена")))
    listing.add_argument("--json", action="store_true", help="JSON")
    listing.set_defaults(func=list_command)


def _local(ctx: AppContext, moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(ctx.settings["business_tz"]))


@with_context
def create_command(args: argparse.Namespace, ctx: AppContext) -> int:
    try:
        amount = parse_amount(args.amount, args.currency.strip().upper())
        info = links.create_link(
            ctx, amount, args.description, email=args.email, phone=args.phone,
            expires=args.expires, invoice_id=args.invoice, language=args.language)
    except (LinkError, InvoiceIdError, MoneyError, BankSetupError) as exc:
        say_error(str(exc))
        return USAGE
    except NotAllowed as exc:
        say_error(str(exc))
        return NOT_ALLOWED
    except errors.OutcomeUnknown as exc:
        say_error(str(exc))
        return UNKNOWN
    except (errors.BankRefused, errors.InvoiceNotFound) as exc:
        say_error(str(exc))
        return REFUSED
    except errors.EpayError as exc:
        say_error(str(exc))
        return FAILED
    if args.json:
        print(json.dumps(info.to_json(), ensure_ascii=False))
    else:
        print(msg("links.created", "Ссылка на оплату заказа {invoice_id} ({amount}) действует до "
                  "{until}:", invoice_id=info.invoice_id, amount=info.amount,
                  until=_local(ctx, info.expires_at)))
        print(info.url)
    return OK


@with_context
def list_command(args: argparse.Namespace, ctx: AppContext) -> int:
    found = links.list_links(ctx)
    if args.json:
        print(json.dumps([info.to_json() for info in found], ensure_ascii=False, indent=2))
        return OK
    if not found:
        print(msg("links.none", "Ссылок на оплату пока нет: создайте `halyk-desk link create`."))
    for info in found:
        print(f"{info.invoice_id}  {links.state_name(info.state)!s:<10} {info.amount}  "
              f"{msg('links.until', 'до {until}', until=_local(ctx, info.expires_at))}  "
              f"{info.url}")
    return OK
