"""Money commands: confirm, cancel, refund; resolve; approvals; operators; the audit log.

Exit codes of confirm, cancel, refund and approve (issue 4):
  0 done and confirmed by the bank's status     4 not allowed (a rule or a permission; nothing sent)
  1 any other failure                           5 outcome unknown (sent, no answer; resolved later)
  2 usage error                                 6 waiting for a second manager's approval
  3 refused by the bank (its message shown)
With --json they print {"invoice_id", "action", "amount", "result", "message", "code", "params",
"operation_id"}, result being done | refused | not_allowed | unknown | pending_approval (| error for
exit 1); `message` is in the chosen language, `code` and `params` are stable.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from halyk_desk.commands.running import exit_codes_epilog, parser_kwargs, whole_number
from halyk_desk.domain import InvoiceIdError, MoneyError, normalize_invoice_id
from halyk_desk.domain.roles import ROLES
from halyk_desk.domain.text import TextError
from halyk_desk.domain.timeutil import ALMATY, business_day_bounds
from halyk_desk.messages import Message, MessageError, msg
from halyk_desk.services import audit, operations, operators, signin
from halyk_desk.services.audit_text import details_text
from halyk_desk.services.context import open_context, read_stdin_line
from halyk_desk.services.operations import Outcome, ReasonError
from halyk_desk.services.operators import NotAllowed
from halyk_desk.services.passwords import PasswordError

USAGE, FAILED, NOT_ALLOWED, UNKNOWN = 2, 1, 4, 5
_HEADLINES = {
    "done": msg("result.done", "Выполнено"),
    "refused": msg("result.refused", "Банк отказал"),
    "not_allowed": msg("result.not_allowed", "Не разрешено"),
    "unknown": msg("result.unknown", "Итог неизвестен"),
    "pending_approval": msg("result.pending_approval", "Ждёт одобрения"),
    "error": msg("result.error", "Не удалось"),
}
NOTHING_SENT = msg("cli.nothing_sent", "Ничего не отправлено.")
#: The answers that mean yes at a [y/N] question, in any of the three languages.
YES = ("y", "yes", "д", "да", "и", "иә")


class UsageError(MessageError):
    pass


def register(subparsers: Any) -> None:
    def money(name: str, help_text: Message, *, amount: bool, note: bool) -> None:
        cmd = subparsers.add_parser(name, help=str(help_text), description=str(help_text),
                                    epilog=_money_exit_codes(), **parser_kwargs())
        cmd.add_argument("invoice", metavar="INVOICE", help=str(msg(
            "cli.money.invoice", "invoiceId заказа")))
        if amount:
            cmd.add_argument("--amount", metavar="A", help=str(msg(
                "cli.money.amount", "сумма в валюте платежа, например 1200,50 (по умолчанию — "
                "наибольшая допустимая)")))
        cmd.add_argument("--reason", required=True, metavar="R", help=str(msg(
            "cli.money.reason", "причина из списка в настройках или своими словами")))
        if note:
            cmd.add_argument("--note", metavar="TEXT", help=str(msg(
                "cli.refund.note", "примечание, которое сохранится вместе с возвратом")))
        _yes_json(cmd)
        cmd.set_defaults(func=lambda args: _run(args, _money_command(name)))

    money("confirm", msg("cli.confirm.help", "подтвердить (списать) блокировку, всю или "
                         "--amount"), amount=True, note=False)
    money("cancel", msg("cli.cancel.help", "снять блокировку целиком"), amount=False, note=False)
    money("refund", msg("cli.refund.help", "вернуть списанный платёж, весь остаток или "
                        "--amount"), amount=True, note=True)

    resolve = subparsers.add_parser(
        "resolve", help=str(msg("cli.resolve.help", "выяснить по статусу в банке итог "
                                "операций, итог которых неизвестен")),
        description=str(msg(
            "cli.resolve.description", "Читает статус в банке каждого платежа, у которого есть "
            "операция с неизвестным итогом (или только платежа INVOICE), и записывает итог: "
            "выполнено или не выполнено. Код выхода 0, если неизвестных итогов не осталось, 5 — "
            "если остались.")))
    resolve.add_argument("invoice", metavar="INVOICE", nargs="?")
    resolve.add_argument("--json", action="store_true", help=str(msg(
        "cli.resolve.json", "напечатать итоги списком JSON")))
    resolve.set_defaults(func=lambda args: _run(args, _resolve))

    approvals = subparsers.add_parser("approvals", help=str(msg(
        "cli.approvals.help", "возвраты, ждущие второго менеджера")))
    approvals.add_argument("--json", action="store_true")
    approvals.set_defaults(func=lambda args: _run(args, _approvals))

    approve = subparsers.add_parser(
        "approve", help=str(msg("cli.approve.help", "одобрить ждущий возврат (запрошенный "
                                "другим менеджером); после этого он отправляется")),
        description=str(msg("cli.approve.description", "Одобряет запрос на возврат ID, "
                            "сделанный другим менеджером; возврат проверяется ещё раз и "
                            "отправляется.")),
        epilog=_money_exit_codes(), **parser_kwargs())
    approve.add_argument("id", type=whole_number, metavar="ID")
    _yes_json(approve)
    approve.set_defaults(func=lambda args: _run(args, _approve))

    reject = subparsers.add_parser("reject", help=str(msg(
        "cli.reject.help", "отклонить ждущий возврат; ничего не отправляется")))
    reject.add_argument("id", type=whole_number, metavar="ID")
    reject.add_argument("--reason", required=True, metavar="R")
    reject.add_argument("--json", action="store_true")
    reject.set_defaults(func=lambda args: _run(args, _reject))

    operator = subparsers.add_parser("operator", help=str(msg(
        "cli.operator.help", "операторы и их роли")))
    actions = operator.add_subparsers(dest="operator_action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help=str(msg(
        "cli.operator_add.help", "добавить оператора или сменить его роль (только "
                                 "администратор)")))
    add.add_argument("name", metavar="NAME")
    add.add_argument("--role", required=True, choices=ROLES)
    _new_password_option(add, msg("cli.password_of_operator", "пароль оператора"))
    add.set_defaults(func=lambda args: _run(args, _operator_add))
    passwd = actions.add_parser(
        "passwd", help=str(msg("cli.passwd.help", "задать пароль оператора (администратор — "
                               "любому, каждый — себе)")),
        description=str(msg(
            "cli.passwd.description", "Задаёт пароль, которым оператор NAME подтверждает, что "
            "это он (--operator NAME). Если дан и общий --password-stdin, первая строка "
            "стандартного ввода — пароль действующего оператора, вторая — новый.")))
    passwd.add_argument("name", metavar="NAME")
    _new_password_option(passwd, msg("cli.new_password", "новый пароль"), required=True)
    passwd.set_defaults(func=lambda args: _run(args, _operator_passwd))
    disable = actions.add_parser("disable", help=str(msg(
        "cli.operator_disable.help", "лишить оператора прав (только администратор)")))
    disable.add_argument("name", metavar="NAME")
    disable.set_defaults(func=lambda args: _run(args, _operator_disable))
    listing = actions.add_parser("list", help=str(msg(
        "cli.operator_list.help", "список операторов")))
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=lambda args: _run(args, _operator_list))

    log = subparsers.add_parser("audit", help=str(msg(
        "cli.audit.help", "журнал аудита: проверить, показать")))
    log_actions = log.add_subparsers(dest="audit_action", metavar="ACTION", required=True)
    verify = log_actions.add_parser(
        "verify", help=str(msg("cli.audit_verify.help", "проверить цепочку хешей; называет "
                               "первую изменённую, удалённую или переставленную запись и "
                               "выходит с кодом 1")))
    verify.add_argument("--head", type=_head, metavar="N:HASH", help=str(msg(
        "cli.verify_head", "отметка журнала, сохранённая в другом месте (`audit head`, книга "
        "сверки, `reconcile --json`): запись N должна быть на месте и с этим хешем — так видно "
        "и удалённые последние записи, и переписанную историю")))
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(func=lambda args: _run(args, _audit_verify))
    newest = log_actions.add_parser("head", help=str(msg(
        "cli.audit_head.help", "напечатать номер и хеш последней записи (N:HASH): сохраните их "
        "в другом месте, чтобы потом проверить журнал")))
    newest.add_argument("--json", action="store_true")
    newest.set_defaults(func=lambda args: _run(args, _audit_head))
    show = log_actions.add_parser("list", help=str(msg(
        "cli.audit_list.help", "показать записи, сначала новые")))
    show.add_argument("--operator", dest="who", metavar="NAME")
    show.add_argument("--action", metavar="ACTION", help=str(msg(
        "cli.audit_list.action", "например refund, refund.done, operator")))
    show.add_argument("--invoice", metavar="INVOICE")
    show.add_argument("--from", dest="date_from", type=_date, metavar="YYYY-MM-DD",
                      help=str(msg("cli.audit_list.from", "первый день (по времени Алматы)")))
    show.add_argument("--to", dest="date_to", type=_date, metavar="YYYY-MM-DD",
                      help=str(msg("cli.audit_list.to", "последний день, включительно")))
    show.add_argument("--limit", type=whole_number, default=100, metavar="N")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=lambda args: _run(args, _audit_list))


def _money_exit_codes() -> str:
    """The exit codes of confirm, cancel, refund and approve, for their --help."""
    return exit_codes_epilog(
        "0  " + str(msg("cli.money.exit_done", "выполнено (подтверждено статусом в банке)")),
        "1  " + str(msg("cli.money.exit_failed", "другая ошибка")),
        "2  " + str(msg("cli.money.exit_usage", "ошибка в команде")),
        "3  " + str(msg("cli.money.exit_refused", "банк отказал")),
        "4  " + str(msg("cli.money.exit_not_allowed", "не разрешено (ничего не отправлено)")),
        "5  " + str(msg("cli.money.exit_unknown", "итог неизвестен (выяснится позже)")),
        "6  " + str(msg("cli.money.exit_pending", "ждёт одобрения второго менеджера")))


def _yes_json(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--yes", action="store_true", help=str(msg(
        "cli.yes", "выполнить, не спрашивая")))
    cmd.add_argument("--json", action="store_true", help=str(msg(
        "cli.json_result", "напечатать итог в JSON")))


def _new_password_option(cmd: argparse.ArgumentParser, what: Message, *,
                         required: bool = False) -> None:
    cmd.add_argument("--password-stdin", dest="new_password_stdin", action="store_true",
                     required=required, help=str(msg(
                         "cli.new_password_stdin", "прочитать {what} со стандартного ввода (у "
                         "терминала спросит дважды, не показывая); не короче 8 знаков",
                         what=what)))


def _new_password(args: argparse.Namespace) -> str | None:
    if not args.new_password_stdin:
        return None
    if sys.stdin.isatty():
        first = getpass.getpass(str(msg("cli.ask_new_password", "Новый пароль (не "
                                        "отображается): ")))
        if getpass.getpass(str(msg("cli.ask_again", "Ещё раз: "))) != first:
            raise UsageError(msg("cli.passwords_differ", "Пароли не совпали; ничего не "
                                 "изменено."))
        return first
    password = read_stdin_line()
    if password is None:
        raise UsageError(msg("cli.no_password_on_stdin", "На стандартном вводе нет пароля; "
                             "ничего не изменено."))
    return password


def _head(text: str) -> audit.Head:
    try:
        return audit.Head.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(str(msg(
            "cli.not_an_iso_date", "«{text}» — не дата вида 2026-11-01.", text=text))) from None


# --- running a command --------------------------------------------------------------------------

@contextmanager
def _context(args: argparse.Namespace) -> Iterator[Any]:
    ctx = open_context(args)
    try:
        yield ctx
    finally:
        close = getattr(ctx, "close", None)
        if close is not None:
            close()


def _run(args: argparse.Namespace, command: Callable[[argparse.Namespace, Any], int]) -> int:
    try:
        with _context(args) as ctx:
            return command(args, ctx)
    except (UsageError, ReasonError, InvoiceIdError, MoneyError, PasswordError,
            TextError) as exc:
        print(f"halyk-desk: {exc}", file=sys.stderr)
        return USAGE
    except NotAllowed as exc:
        print(msg("cli.not_allowed", "Не разрешено: {why}", why=exc.message), file=sys.stderr)
        return NOT_ALLOWED
    except (LookupError, ValueError, OSError, RuntimeError) as exc:
        print(f"halyk-desk: {exc}", file=sys.stderr)
        return FAILED


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=None))


def _report(args: argparse.Namespace, outcome: Outcome) -> int:
    if args.json:
        _print_json(outcome.to_json())
    else:
        print(_headline(outcome), outcome.message)
    return outcome.exit_code


def _headline(outcome: Outcome) -> Message:
    said = {"result": _HEADLINES[outcome.result], "action": operations.action_name(outcome.action),
            "amount": outcome.amount or "", "invoice": outcome.invoice_id}
    if outcome.operation_id:
        return msg("cli.outcome_numbered", "{result}: {action} {amount}, заказ {invoice} "
                   "(операция №{id}).", id=outcome.operation_id, **said)
    return msg("cli.outcome", "{result}: {action} {amount}, заказ {invoice}.", **said)


def _ask(args: argparse.Namespace, question: Message) -> bool:
    """--yes, or a yes typed at a terminal; without a terminal the command needs --yes."""
    if args.yes:
        return True
    if not sys.stdin.isatty():
        raise UsageError(msg("cli.needs_yes", "{question} — без терминала не спрашиваю: "
                             "добавьте --yes.", question=question))
    answer = input(str(msg("cli.ask", "{question} [y/N] ", question=question)))
    return answer.strip().lower() in YES


def _money_command(action: str) -> Callable[[argparse.Namespace, Any], int]:
    def command(args: argparse.Namespace, ctx: Any) -> int:
        invoice_id = normalize_invoice_id(args.invoice)
        reason = operations.reason_from_words(ctx.settings["reasons"], args.reason)
        amount_text = getattr(args, "amount", None)
        amount = None
        if amount_text is not None:
            amount = operations.parse_amount(amount_text,
                                             operations.payment_currency(ctx, invoice_id))
        if not _ask(args, _question(ctx, action, invoice_id, amount, reason)):
            print(NOTHING_SENT)
            return FAILED
        run = {"confirm": operations.confirm, "refund": operations.refund}
        if action in run:
            outcome = run[action](ctx, invoice_id, reason=reason, amount=amount,
                                  note=getattr(args, "note", None))
        else:
            outcome = operations.cancel(ctx, invoice_id, reason=reason)
        return _report(args, outcome)

    return command


def _question(ctx: Any, action: str, invoice_id: str, amount: Any, reason: Any) -> Message:
    limits = operations.action_limits(ctx, invoice_id)
    said = {"invoice": invoice_id, "reason": str(reason), "operator": ctx.operator}
    if action == "confirm":
        how_much = amount or limits.max_confirm
        if how_much is None:
            return msg("cli.ask_confirm_all", "Подтвердить всю блокировку по заказу {invoice} "
                       "(причина: {reason}) от имени {operator}?", **said)
        return msg("cli.ask_confirm", "Подтвердить {amount} по заказу {invoice} (причина: "
                   "{reason}) от имени {operator}?", amount=how_much, **said)
    if action == "cancel":
        return msg("cli.ask_cancel", "Снять блокировку {amount} по заказу {invoice} (причина: "
                   "{reason}) от имени {operator}?", amount=limits.cancel_amount or "", **said)
    how_much = amount or limits.max_refund
    if how_much is None:
        return msg("cli.ask_refund_all", "Вернуть всё, что осталось, по заказу {invoice} "
                   "(причина: {reason}) от имени {operator}?", **said)
    return msg("cli.ask_refund", "Вернуть {amount} по заказу {invoice} (причина: {reason}) от "
               "имени {operator}?", amount=how_much, **said)


def _resolve(args: argparse.Namespace, ctx: Any) -> int:
    outcomes = operations.resolve_unresolved(ctx, args.invoice)
    if args.json:
        _print_json([o.to_json() for o in outcomes])
    elif not outcomes:
        print(msg("cli.nothing_to_resolve", "Выяснять нечего: итог каждой операции известен."))
    for outcome in [] if args.json else outcomes:
        _report_line(outcome)
    return UNKNOWN if any(o.result == "unknown" for o in outcomes) else 0


def _report_line(outcome: Outcome) -> None:
    print(f"#{outcome.operation_id}", _headline(outcome), outcome.message)


def _op_json(op: operations.OperationRow) -> dict[str, Any]:
    return {
        "id": op.id, "invoice_id": op.invoice_id, "action": op.action,
        "amount": op.amount.to_json(), "currency": op.amount.currency, "status": op.status,
        "operator": op.operator, "reason": op.reason.code, "reason_text": op.reason.text,
        "note": op.note, "created_at": op.created_at.isoformat(),
    }


def _approvals(args: argparse.Namespace, ctx: Any) -> int:
    operators.require(ctx, operators.READ)
    waiting = operations.pending_approvals(ctx)
    if args.json:
        _print_json([_op_json(op) for op in waiting])
        return 0
    if not waiting:
        print(msg("cli.no_approvals", "Одобрения не ждёт ни один возврат."))
    for op in waiting:
        said = {"action": operations.action_name(op.action), "amount": op.amount,
                "invoice": op.invoice_id, "operator": op.operator, "reason": str(op.reason),
                "at": op.created_at.astimezone(ALMATY).replace(tzinfo=None)}
        line = (msg("cli.approval_noted", "{action} {amount}, заказ {invoice}, запросил "
                    "{operator} {at} (Алматы), причина: {reason}, примечание: {note}",
                    note=op.note, **said) if op.note else
                msg("cli.approval", "{action} {amount}, заказ {invoice}, запросил {operator} "
                    "{at} (Алматы), причина: {reason}", **said))
        print(f"#{op.id} ", line)
    return 0


def _approve(args: argparse.Namespace, ctx: Any) -> int:
    op = operations.get_operation(ctx, args.id)
    if op is None:
        raise operations.NoSuchOperation(args.id, ctx.profile.name)
    if not _ask(args, msg("cli.ask_approve", "Одобрить и отправить: {action} {amount} по "
                          "заказу {invoice}, запросил {operator}?",
                          action=operations.action_name(op.action), amount=op.amount,
                          invoice=op.invoice_id, operator=op.operator)):
        print(NOTHING_SENT)
        return FAILED
    return _report(args, operations.approve(ctx, args.id))


def _reject(args: argparse.Namespace, ctx: Any) -> int:
    op = operations.reject(ctx, args.id, args.reason)
    if args.json:
        _print_json(_op_json(op))
    else:
        print(msg("cli.rejected", "Отклонено №{id}: {action} {amount} по заказу {invoice} не "
                  "будет отправлен.", id=op.id, action=operations.action_name(op.action),
                  amount=op.amount, invoice=op.invoice_id))
    return 0


def _operator_add(args: argparse.Namespace, ctx: Any) -> int:
    info = operators.add_operator(ctx, args.name, args.role, _new_password(args))
    print(msg("cli.operator_role", "Оператор {name} — {role}.", name=info.name,
              role=operators.ROLE_NAMES[info.role]))
    return 0


def _operator_passwd(args: argparse.Namespace, ctx: Any) -> int:
    name = args.name.strip()
    signin.set_password(ctx.store, ctx.operator, name, _new_password(args) or "")
    print(msg("cli.password_set", "Пароль оператора {name} задан.", name=name))
    return 0


def _operator_disable(args: argparse.Namespace, ctx: Any) -> int:
    info = operators.disable_operator(ctx, args.name)
    print(msg("cli.operator_disabled", "Оператор {name} отключён.", name=info.name))
    return 0


def _operator_list(args: argparse.Namespace, ctx: Any) -> int:
    operators.require(ctx, operators.READ)
    people = operators.list_operators(ctx)
    if args.json:
        _print_json([{"name": p.name, "role": p.role, "active": p.active,
                      "created_by": p.created_by} for p in people])
        return 0
    active, disabled = (msg("operators.active", "действует").render(),
                        msg("operators.inactive", "отключён").render())
    for p in people:
        role = operators.ROLE_NAMES[p.role].render()
        print(f"{p.name:<24} {role:<14} {active if p.active else disabled}")
    return 0


def _audit_head(args: argparse.Namespace, ctx: Any) -> int:
    operators.require(ctx, operators.READ)
    found = audit.log_head(ctx)
    if args.json:
        _print_json(None if found is None else {"seq": found.seq, "hash": found.hash,
                                                "head": str(found)})
    else:
        print(found if found is not None else msg("cli.audit_empty", "Журнал аудита пуст."))
    return 0


def _audit_verify(args: argparse.Namespace, ctx: Any) -> int:
    operators.require(ctx, operators.READ)
    result = audit.verify_log(ctx, args.head)
    if args.json:
        _print_json({"ok": result.ok, "checked": result.checked, "last_seq": result.last_seq,
                     "kind": result.kind, "seq": result.seq, "message": result.message})
    else:
        print(result.message, file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else FAILED


def _audit_list(args: argparse.Namespace, ctx: Any) -> int:
    operators.require(ctx, operators.READ)
    start = business_day_bounds(args.date_from)[0] if args.date_from else None
    end = business_day_bounds(args.date_to)[1] if args.date_to else None
    invoice = normalize_invoice_id(args.invoice) if args.invoice else None
    flt = audit.AuditFilter(operator=args.who, action=args.action, date_from=start,
                            date_to=end, invoice_id=invoice)
    entries = audit.entries(ctx, flt, limit=args.limit)
    if args.json:
        _print_json([{"seq": e.seq, "at": e.at.isoformat(), "operator": e.operator,
                      "action": e.action, "subject": e.subject, "profile": e.profile,
                      "details": e.details} for e in entries])
        return 0
    for e in entries:
        when = e.at.astimezone(ALMATY).strftime("%d.%m.%Y %H:%M:%S")
        details = details_text(e.details)
        print(f"#{e.seq:<6} {when}  {e.operator:<16} {e.action:<20} {e.subject:<16} {details}")
    return 0
