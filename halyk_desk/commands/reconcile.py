"""`halyk-desk reconcile`: reconcile business days, print the result, write the workbook;
`halyk-desk reconcile mark KEY --note TEXT`: mark a discrepancy resolved.

Made for a morning task (cron, Windows Task Scheduler): the exit code says whether someone needs
to look (7), and a run that fails or is stopped records nothing and writes no workbook.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from halyk_desk import messages
from halyk_desk.commands.running import (
    DATE_HELP,
    INTERRUPTED,
    OK,
    USAGE,
    date_arg,
    exit_codes_epilog,
    parser_kwargs,
    say_error,
    with_context,
)
from halyk_desk.domain import Money
from halyk_desk.messages import msg
from halyk_desk.reconcile import ATTENTION, CATEGORIES, ReconcileError
from halyk_desk.reconcile.categories import CATEGORY_NAMES
from halyk_desk.reports import ExportCancelled, ExportError
from halyk_desk.services import reconciliation as service
from halyk_desk.services.context import AppContext
from halyk_desk.services.operators import NotAllowed
from halyk_desk.services.reconciliation import (
    EmptyPeriod,
    ReconcileProgress,
    Reconciliation,
    ReconciliationCancelled,
)

NOT_ALLOWED = 4
#: Reconciled, and some discrepancies are open (nobody marked them resolved).
DISCREPANCIES = 7
#: Discrepancies printed without --json; the rest are in --json and the workbook.
SHOWN = 50


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "reconcile", help=str(msg("cli.reconcile.help", "сверить заказы магазина с банком за "
                                  "рабочие дни")),
        description=str(msg(
            "cli.reconcile.description", "Сверяет заказы магазина с платежами банка за рабочие "
            "дни --from..--to (оба включительно; по настройке business_tz, по умолчанию "
            "Asia/Almaty): совпавшие, расхождения суммы и статуса, платежи, которых нет в банке "
            "или которых не знает магазин, повторные оплаты, блокировки, возвраты, операции с "
            "неизвестным итогом. Читает базу (сначала выполните `halyk-desk sync`) и реестр "
            "операций банка, если профилю он доступен. Каждая сверка записывается; --xlsx "
            "пишет книгу Excel (через временный файл). --json печатает {{\"from\", \"to\", "
            "\"time_zone\", \"match_rate\", \"categories\": {{KEY: {{\"count\", \"sum\"}}}}, "
            "...}} со всеми ключами категорий, итогами сверки и \"discrepancies\" (у каждого "
            "расхождения — \"key\", который принимает `reconcile mark`).")),
        epilog=exit_codes_epilog(
            "0    " + str(msg("cli.reconcile.exit_ok", "сверено: открытых расхождений нет "
                              "(книга записана, если её просили)")),
            "1    " + str(msg("cli.reconcile.exit_failed", "сбой (база данных, настройки); "
                              "ничего не записано, книги нет")),
            "2    " + str(msg("cli.reconcile.exit_usage", "ошибка в команде или данных: нет "
                              "даты или она неверна, --from позже --to, в периоде нечего "
                              "сверять, неизвестный профиль, книгу нельзя записать по этому "
                              "пути; ничего не записано, книги нет")),
            "4    " + str(msg("cli.reconcile.exit_not_allowed", "оператору не разрешено "
                              "сверять или выгружать (роль)")),
            "7    " + str(msg("cli.reconcile.exit_discrepancies", "сверено: есть открытые "
                              "расхождения (книга записана, если её просили)")),
            "130  " + str(msg("cli.reconcile.exit_interrupted", "прервано (Ctrl-C); ничего не "
                              "записано, книги нет")),
        ),
        **parser_kwargs(),
    )
    parser.add_argument("--from", dest="date_from", type=date_arg, metavar="DATE", help=str(msg(
        "cli.reconcile.from", "первый день, {day}", day=DATE_HELP)))
    parser.add_argument("--to", dest="date_to", type=date_arg, metavar="DATE", help=str(msg(
        "cli.reconcile.to", "последний день, включительно (по умолчанию — день --from)")))
    parser.add_argument("--xlsx", type=Path, metavar="PATH", help=str(msg(
        "cli.reconcile.xlsx", "ещё и записать книгу Excel в PATH (.xlsx)")))
    parser.add_argument("--json", action="store_true", help=str(msg(
        "cli.json_object", "напечатать один объект JSON для скриптов")))
    parser.add_argument("--no-operations-list", dest="use_operations_list",
                        action="store_false", help=str(msg(
                            "cli.reconcile.no_operations_list", "не запрашивать у банка реестр "
                            "операций (только база)")))
    parser.set_defaults(func=reconcile_command)

    actions = parser.add_subparsers(dest="reconcile_action", metavar="ACTION")
    mark = actions.add_parser(
        "mark", help=str(msg("cli.reconcile_mark.help", "отметить расхождение решённым, с "
                             "примечанием")),
        description=str(msg(
            "cli.reconcile_mark.description", "Отмечает расхождение решённым, с примечанием "
            "(пишется в журнал аудита); следующие сверки покажут его решённым. KEY — ключ "
            "расхождения из `reconcile --json` или с листа Расхождения книги (invoice:000123, "
            "transaction:<номер в банке>, operation:<номер>).")),
        epilog=exit_codes_epilog(
            "0  " + str(msg("cli.reconcile_mark.exit_ok", "отмечено")),
            "1  " + str(msg("cli.reconcile_mark.exit_failed", "сбой")),
            "2  " + str(msg("cli.reconcile_mark.exit_usage", "неверный ключ, примечание или "
                            "категория")),
            "4  " + str(msg("cli.reconcile_mark.exit_not_allowed", "оператору не разрешено "
                            "сверять (роль)"))),
        **parser_kwargs(),
    )
    mark.add_argument("key", metavar="KEY")
    mark.add_argument("--note", required=True, metavar="TEXT", help=str(msg(
        "cli.reconcile_mark.note", "как расхождение решено")))
    mark.add_argument("--category", choices=[c for c in CATEGORIES if c in ATTENTION],
                      metavar="CATEGORY", help=str(msg(
                          "cli.reconcile_mark.category", "только в этой категории (по "
                          "умолчанию — во всех, где есть этот ключ)")))
    mark.set_defaults(func=mark_command)


def _money(value: Money) -> str:
    return value.format(messages.current())


#: What the progress line says at each stage of a run.
_STAGES = {
    "reading": msg("cli.reconcile.reading", "читаю базу"),
    "operations_list": msg("cli.reconcile.reading_list", "читаю реестр операций банка"),
    "matching": msg("cli.reconcile.matching", "сопоставляю"),
    "saving": msg("cli.reconcile.saving", "записываю сверку"),
    "export": msg("cli.reconcile.writing_workbook", "записываю книгу Excel"),
}


class _Progress:
    """Stages on standard error, redrawn in place at a terminal; silent otherwise."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self._drawn = 0

    def __call__(self, p: ReconcileProgress) -> None:
        if not self.tty:
            return
        stage = _STAGES.get(p.stage)
        text = p.stage if stage is None else str(stage)
        if p.total:
            text += f" {p.done}/{p.total}"
        elif p.done:
            text += f" {p.done}"
        self.stream.write("\r" + text.ljust(self._drawn))
        self._drawn = len(text)
        self.stream.flush()

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\r" + " " * self._drawn + "\r")
            self.stream.flush()
            self._drawn = 0


@with_context
def reconcile_command(args: argparse.Namespace, ctx: AppContext) -> int:
    if args.date_from is None:
        say_error(msg("cli.reconcile_needs_from", "Для сверки нужен --from ДАТА (и --to ДАТА, "
                      "если дней больше одного)."))
        return USAGE
    date_from: date = args.date_from
    date_to: date = args.date_to or date_from
    if date_from > date_to:
        say_error(msg("cli.reconcile_backwards", "--from {date_from} позже, чем --to {date_to}: "
                      "сначала укажите более раннюю дату.", date_from=date_from.isoformat(),
                      date_to=date_to.isoformat()))
        return USAGE
    progress = _Progress(sys.stderr)
    try:
        # Recorded only once the workbook is written: a failed export leaves nothing behind.
        recon = service.run_reconciliation(
            ctx, date_from, date_to, use_operations_list=args.use_operations_list,
            progress=progress, record=False)
        path = None
        if args.xlsx is not None:
            path = service.export_workbook(ctx, recon, args.xlsx, progress=progress)
        progress(ReconcileProgress("saving"))
        recon = service.record_run(ctx, recon)
    except KeyboardInterrupt:
        progress.close()
        say_error(msg("cli.reconcile_interrupted", "Сверка прервана: ничего не записано, книга "
                      "не создана."))
        return INTERRUPTED
    except (ReconcileError, EmptyPeriod, ExportError) as exc:
        progress.close()
        say_error(str(exc))
        return USAGE
    except NotAllowed as exc:
        progress.close()
        say_error(str(exc))
        return NOT_ALLOWED
    except (ReconciliationCancelled, ExportCancelled) as exc:
        progress.close()
        say_error(str(exc))
        return INTERRUPTED
    progress.close()
    _warnings(recon, date_from, date_to)
    if args.json:
        print(json.dumps(recon.to_json(), ensure_ascii=False, indent=2))
    else:
        for line in summary_lines(recon):
            print(line)
        if path is not None:
            print(msg("cli.reconcile.workbook", "Книга Excel: {path}", path=str(path)))
    return DISCREPANCIES if recon.open_count else OK


def _warnings(recon: Reconciliation, date_from: date, date_to: date) -> None:
    """What a person should know about the run's inputs, on standard error (also with --json)."""
    if recon.unread_orders:
        say_error(msg("cli.reconcile_unread", "Внимание: %n заказов периода ещё не прочитаны "
                      "из банка и считаются неоплаченными в банке; сначала выполните "
                      "`halyk-desk sync --from {date_from} --to {date_to}`.",
                      n=recon.unread_orders, date_from=date_from.isoformat(),
                      date_to=date_to.isoformat()))
    listing = recon.operations_list
    if listing.status == service.LIST_NOT_AVAILABLE:
        say_error(msg("cli.registry_not_available", "Заметка: реестр операций банка этому "
                      "профилю недоступен, поэтому платежи, неизвестные магазину, и повторные "
                      "оплаты не найти: {note}", note=listing.note))
    elif listing.status == service.LIST_FAILED:
        say_error(msg("cli.registry_failed", "Заметка: реестр операций банка не прочитан: "
                      "{note}", note=listing.note))


def summary_lines(recon: Reconciliation) -> list[str]:
    r = recon.result
    rate = "—" if r.match_rate is None else (r.match_rate * 100).quantize(Decimal("0.01"))
    lines = [
        str(msg("cli.reconcile.header", "Сверка {date_from}–{date_to} ({time_zone}), профиль "
                "{profile}, запуск {run}", date_from=r.period_from, date_to=r.period_to,
                time_zone=r.time_zone, profile=recon.profile, run=str(recon.run_id))),
        "  " + str(msg("cli.reconcile.totals", "заказов {orders} (ждут оплаты: {expecting}), "
                       "заказано на {ordered}; списано {captured}, возвращено {refunded}, "
                       "итого {net}", orders=r.orders, expecting=r.orders_expecting_payment,
                       ordered=r.ordered, captured=r.captured, refunded=r.refunded,
                       net=r.net)),
        "  " + str(msg("cli.reconcile.match_rate", "совпадение {rate} %", rate=rate)),
    ]
    titles = {key: str(CATEGORY_NAMES[key]) for key in CATEGORIES}
    width = max(len(title) for title in titles.values())
    for key in CATEGORIES:
        total = r.categories[key]
        resolved = "  ({})".format(msg("cli.reconcile.category_resolved", "решено: {count}",
                                       count=total.resolved)) if total.resolved else ""
        lines.append(f"  {titles[key]:<{width}}  {total.count:>7}  {_money(total.sum):>20}"
                     f"  {key}{resolved}")
    open_items = recon.open_discrepancies
    lines.append(str(msg("cli.reconcile.open", "Открытые расхождения: {open} (отмечены "
                         "решёнными: {resolved})", open=len(open_items),
                         resolved=len(r.discrepancies) - len(open_items))))
    for d in open_items[:SHOWN]:
        lines.append(f"  {d.category}  {d.key}  {d.message}")
    if len(open_items) > SHOWN:
        lines.append("  " + str(msg("cli.reconcile.more", "… и ещё {more} (все — в --json или "
                                    "--xlsx)", more=len(open_items) - SHOWN)))
    return lines


@with_context
def mark_command(args: argparse.Namespace, ctx: AppContext) -> int:
    try:
        service.mark_resolved(ctx, args.key, args.note, category=args.category)
    except NotAllowed as exc:
        say_error(str(exc))
        return NOT_ALLOWED
    except ValueError as exc:
        say_error(str(exc))
        return USAGE
    if args.category:
        print(msg("cli.reconcile.marked_in", "{key} отмечено решённым в категории {category}; "
                  "следующие сверки покажут его решённым.", key=args.key.strip(),
                  category=args.category))
    else:
        print(msg("cli.reconcile.marked", "{key} отмечено решённым во всех категориях; "
                  "следующие сверки покажут его решённым.", key=args.key.strip()))
    return OK

