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
from pathlib import Path
from typing import Any, TextIO

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
from halyk_desk.reconcile import ATTENTION, CATEGORIES, TITLES, ReconcileError
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
        "reconcile", help="reconcile the shop's orders with the bank for business days",
        description="Reconcile the shop's orders with the bank's payments for the business days "
        "--from..--to (both included; the business_tz setting, Asia/Almaty by default): "
        "matched, amount and status mismatches, payments missing at the bank or unknown to the "
        "shop, duplicates, holds, refunds, unresolved operations. It reads the store (run "
        "`halyk-desk sync` first) and the bank's operations list where the profile may read it. "
        "Each run is recorded; --xlsx writes the workbook (a temporary file moved into place). "
        "--json prints {\"from\", \"to\", \"time_zone\", \"match_rate\", \"categories\": {KEY: "
        "{\"count\", \"sum\"}}, ...} with every category key, the run's totals and "
        "\"discrepancies\" (each with the \"key\" that `reconcile mark` takes).",
        epilog=exit_codes_epilog(
            "0    reconciled: no open discrepancy (the workbook written, if asked)",
            "1    failure (database, settings); nothing recorded, no workbook",
            "2    usage or bad input: a missing or bad date, --from after --to, a period with "
            "nothing to reconcile, an unknown profile, a workbook path that cannot be written; "
            "nothing recorded, no workbook",
            "4    the operator may not reconcile or export (role)",
            "7    reconciled: open discrepancies found (the workbook written, if asked)",
            "130  interrupted (Ctrl-C); nothing recorded, no workbook",
        ),
        **parser_kwargs(),
    )
    parser.add_argument("--from", dest="date_from", type=date_arg, metavar="DATE",
                        help=f"the first day, {DATE_HELP}")
    parser.add_argument("--to", dest="date_to", type=date_arg, metavar="DATE",
                        help="the last day, included (default: the --from day)")
    parser.add_argument("--xlsx", type=Path, metavar="PATH",
                        help="also write the workbook to PATH (.xlsx)")
    parser.add_argument("--json", action="store_true", help="print one JSON object for scripts")
    parser.add_argument("--no-operations-list", dest="use_operations_list",
                        action="store_false",
                        help="do not ask the bank for its operations list (the store only)")
    parser.set_defaults(func=reconcile_command)

    actions = parser.add_subparsers(dest="reconcile_action", metavar="ACTION")
    mark = actions.add_parser(
        "mark", help="mark a discrepancy resolved, with a note",
        description="Mark a discrepancy resolved with a note (audit-logged); later runs show it "
        "resolved. KEY is a discrepancy's key from `reconcile --json` or the workbook's "
        "Расхождения sheet (invoice:000123, transaction:<bank id>, operation:<id>).",
        epilog=exit_codes_epilog("0  marked", "1  failure", "2  bad key, note or category",
                                 "4  the operator may not reconcile (role)"),
        **parser_kwargs(),
    )
    mark.add_argument("key", metavar="KEY")
    mark.add_argument("--note", required=True, metavar="TEXT", help="how it was resolved")
    mark.add_argument("--category", choices=[c for c in CATEGORIES if c in ATTENTION],
                      metavar="CATEGORY", help="only in this category (default: every category "
                      "the key appears in)")
    mark.set_defaults(func=mark_command)


def _money(value: Money) -> str:
    return value.format("ru")


class _Progress:
    """Stages on standard error, redrawn in place at a terminal; silent otherwise."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self._drawn = 0

    def __call__(self, p: ReconcileProgress) -> None:
        if not self.tty:
            return
        text = {"reading": "reading the store", "operations_list": "reading the bank's "
                "operations list", "matching": "matching", "saving": "recording the run",
                "export": "writing the workbook"}.get(p.stage, p.stage)
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
            print(f"Workbook: {path}")
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
    rate = "—" if r.match_rate is None else f"{r.match_rate * 100:.2f} %"
    lines = [
        f"Reconciliation {r.period_from:%d.%m.%Y}–{r.period_to:%d.%m.%Y} ({r.time_zone}), "
        f"profile {recon.profile}, run {recon.run_id}",
        f"  orders {r.orders} ({r.orders_expecting_payment} expecting payment), ordered "
        f"{_money(r.ordered)}; captured {_money(r.captured)}, refunded {_money(r.refunded)}, "
        f"net {_money(r.net)}",
        f"  match rate {rate}",
    ]
    width = max(len(TITLES[k]) for k in CATEGORIES)
    for key in CATEGORIES:
        total = r.categories[key]
        resolved = f"  ({total.resolved} resolved)" if total.resolved else ""
        lines.append(f"  {TITLES[key]:<{width}}  {total.count:>7}  {_money(total.sum):>20}"
                     f"  {key}{resolved}")
    open_items = recon.open_discrepancies
    lines.append(f"Open discrepancies: {len(open_items)} "
                 f"({len(r.discrepancies) - len(open_items)} marked resolved)")
    for d in open_items[:SHOWN]:
        lines.append(f"  {d.category}  {d.key}  {d.message}")
    if len(open_items) > SHOWN:
        lines.append(f"  … and {len(open_items) - SHOWN} more (--json or --xlsx lists them all)")
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
    where = f"in {args.category}" if args.category else "in every category"
    print(f"Marked {args.key.strip()} resolved {where}; later runs show it resolved.")
    return OK

