"""`halyk-desk sandbox serve`: run the sandbox bank (an ePay emulator) until Ctrl-C."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from halyk_desk.domain import utc_now
from halyk_desk.messages import Message, msg
from halyk_desk.sandbox import (
    PAGING_CONVENTIONS,
    SANDBOX_CABINET_PASSWORD,
    SANDBOX_CABINET_USER,
    TEST_CLIENT_ID,
    TEST_CLIENT_SECRET,
    TEST_TERMINAL,
    SandboxBank,
    SandboxServer,
)
from halyk_desk.sandbox.demo import planted_counts, seed_demo, write_bitrix_csv
from halyk_desk.sandbox.faults import FAULT_KINDS, FaultError, check_kind, check_rate
from halyk_desk.sandbox.invoices import DEFAULT_CARD, PAGE_PATH, LinkRefused

DEFAULT_PORT = 8765
DEFAULT_ORDERS = "sandbox-demo-orders.csv"
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def register(subparsers: Any) -> None:
    group = subparsers.add_parser(
        "sandbox", help=str(msg("sandbox.help", "банк-песочница: эмулятор Halyk ePay на этом "
                                "компьютере")),
        description=str(msg("sandbox.description", "Банк-песочница: точный эмулятор Halyk ePay, "
                            "чтобы попробовать программу, для тестов и для замеров "
                            "производительности. С настоящим банком он никогда не связывается.")),
    )
    actions = group.add_subparsers(dest="sandbox_action", required=True)
    serve = actions.add_parser(
        "serve", help=str(msg("sandbox.serve.help", "запустить банк-песочницу по HTTP до "
                              "Ctrl-C")),
        description=str(msg("sandbox.serve.description", "Выдача токенов ePay по адресу "
                            "/oauth2/token и API по адресу / на одном порту. Принимает "
                            "опубликованного банком тестового мерчанта, если не заданы другие "
                            "учётные данные.")),
    )
    serve.add_argument("--host", default="127.0.0.1", help=str(msg(
        "sandbox.serve.host", "на каком адресе слушать (по умолчанию 127.0.0.1: только этот "
        "компьютер)")))
    serve.add_argument("--port", type=_port, default=DEFAULT_PORT, help=str(msg(
        "sandbox.serve.port", "TCP-порт (по умолчанию {port}; 0 — выбрать свободный)",
        port=str(DEFAULT_PORT))))
    serve.add_argument("--seed", type=int, default=0, help=str(msg(
        "sandbox.serve.seed", "зерно для демо-данных и выпадения сбоев: то же зерно — тот же "
        "прогон (по умолчанию 0)")))
    serve.add_argument("--demo", action="store_true", help=str(msg(
        "sandbox.serve.demo", "заполнить банк платежами за месяц для демонстрации и записать "
        "рядом выгрузку заказов магазина")))
    serve.add_argument("--orders-out", type=Path, metavar="PATH", help=str(msg(
        "sandbox.serve.orders_out", "куда --demo записывает CSV заказов магазина из 1С-Битрикс "
        "(по умолчанию ./{file})", file=DEFAULT_ORDERS)))
    serve.add_argument("--state", type=Path, metavar="PATH", help=str(msg(
        "sandbox.serve.state", "хранить банк в этом файле JSON: загружается при запуске, "
        "сохраняется при выходе")))
    serve.add_argument("--latency-ms", type=_non_negative, default=0.0, metavar="N", help=str(msg(
        "sandbox.serve.latency", "задерживать каждый ответ на N миллисекунд (по умолчанию 0)")))
    serve.add_argument("--fault", type=_fault, action="append", default=[], metavar="KIND:RATE",
                       help=str(msg("sandbox.serve.fault", "вносить сбой в эту долю запросов, "
                                    "например http5xx:0.1; можно повторять. Виды: {kinds}",
                                    kinds=", ".join(FAULT_KINDS))))
    serve.add_argument("--token-ttl", type=_positive_int, default=7200, metavar="S", help=str(msg(
        "sandbox.serve.token_ttl", "срок жизни токена в секундах (по умолчанию 7200)")))
    serve.add_argument("--slow-seconds", type=_positive_float, default=30.0, metavar="S",
                       help=str(msg("sandbox.serve.slow_seconds", "сколько секунд сбой slow "
                                    "держит ответ (по умолчанию 30)")))
    serve.add_argument("--client-id", default=TEST_CLIENT_ID, help=str(msg(
        "sandbox.serve.client_id", "какой client id мерчанта принимать (по умолчанию — "
        "тестового мерчанта банка)")))
    serve.add_argument("--client-secret", default=TEST_CLIENT_SECRET, help=str(msg(
        "sandbox.serve.client_secret", "какой секрет мерчанта принимать (по умолчанию — "
        "опубликованный банком тестовый секрет)")))
    serve.add_argument("--terminal", default=TEST_TERMINAL, help=str(msg(
        "sandbox.serve.terminal", "id терминала мерчанта (по умолчанию — тестового мерчанта)")))
    serve.add_argument("--cabinet-user", default=SANDBOX_CABINET_USER, help=str(msg(
        "sandbox.cabinet_user", "какого пользователя кабинета мерчанта принимать (по умолчанию "
        "{user})", user=SANDBOX_CABINET_USER)))
    serve.add_argument("--cabinet-password", default=SANDBOX_CABINET_PASSWORD, help=str(msg(
        "sandbox.cabinet_password", "пароль пользователя кабинета (по умолчанию собственный "
        "пароль песочницы, {password})", password=SANDBOX_CABINET_PASSWORD)))
    serve.add_argument("--cabinet-only", action="store_true", help=str(msg(
        "sandbox.cabinet_only", "как сказано в документации банка: список операций отвечает "
        "только на токен пользователя кабинета (grant_type=password)")))
    serve.add_argument("--links-capture", action="store_true", help=str(msg(
        "sandbox.links_capture", "терминал одностадийный: оплата по ссылке сразу списывается "
        "(по умолчанию — блокировка, которую подтверждает менеджер)")))
    serve.add_argument("--paging", choices=PAGING_CONVENTIONS, default="zero", help=str(msg(
        "sandbox.paging", "как список операций читает paging.page: zero (страницы с 0, по "
        "умолчанию), one (страницы с 1) или skip (сколько записей пропустить)")))
    serve.add_argument("--token-uses", type=_positive_int, metavar="N", help=str(msg(
        "sandbox.token_uses", "принимать каждый токен только в N запросах, потом отказывать, "
        "как просроченному")))
    serve.add_argument("--revoke-old-tokens", action="store_true", help=str(msg(
        "sandbox.revoke_old_tokens", "выдавая токен, отзывать прежние")))
    serve.set_defaults(func=serve_command)

    pay = actions.add_parser(
        "pay", help=str(msg("sandbox.pay_help", "оплатить ссылку в песочнице, как покупатель")),
        description=str(msg("sandbox.pay_description", "Оплатить ссылку на оплату в песочнице "
                            "тестовой картой, как покупатель на странице ссылки; затем банк "
                            "отправляет уведомление. LINK_OR_INVOICE — адрес ссылки (песочница "
                            "на этом компьютере) или номер заказа ссылки профиля.")),
        epilog=str(msg("sandbox.pay_exit_codes", "коды выхода:\n  0 оплачено\n  2 неверный "
                       "вызов\n  3 отклонено, истекла или уже оплачена\n  1 другая ошибка")),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    pay.add_argument("link", metavar="LINK_OR_INVOICE")
    pay.add_argument("--card", default=DEFAULT_CARD, metavar="PAN", help=str(msg(
        "sandbox.pay.card", "номер карты (по умолчанию тестовая карта {card})", card=DEFAULT_CARD)))
    pay.add_argument("--decline", action="store_true", help=str(msg(
        "sandbox.pay.decline", "попросить банк отклонить платёж")))
    pay.set_defaults(func=pay_command)


# --- argument checks: argparse shows these messages and exits with status 2 -------------------
def _port(text: str) -> int:
    value = _int(text, msg("sandbox.the_port", "порт"))
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(str(msg(
            "sandbox.port_out_of_range", "порт {port} вне диапазона: укажите от 0 до 65535",
            port=str(value))))
    return value


def _int(text: str, what: Message) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(str(msg(
            "sandbox.not_whole", "{what}: нужно целое число, а не «{text}»", what=what,
            text=text))) from None


def _positive_int(text: str) -> int:
    value = _int(text, msg("sandbox.the_value", "значение"))
    if value <= 0:
        raise argparse.ArgumentTypeError(_not_positive(text))
    return value


def _not_positive(text: str) -> str:
    return str(msg("sandbox.not_positive", "{value}: нужно больше нуля", value=text))


def _float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(str(msg(
            "sandbox.not_a_number", "«{text}» — не число", text=text))) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(str(msg(
            "sandbox.not_finite", "«{text}» — не конечное число", text=text)))
    return value


def _non_negative(text: str) -> float:
    value = _float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(str(msg(
            "sandbox.negative", "{value} — отрицательное число: укажите 0 или больше",
            value=text)))
    return value


def _positive_float(text: str) -> float:
    value = _float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(_not_positive(text))
    return value


def _fault(text: str) -> tuple[str, float]:
    kind, sep, rate_text = text.partition(":")
    try:
        check_kind(kind.strip())
        if not sep:
            raise FaultError(msg("sandbox.fault_without_rate", "в «{text}» нет доли запросов: "
                                 "напишите KIND:RATE, например {example}", text=text,
                                 example=f"{kind.strip()}:0.1"))
        rate = check_rate(_float(rate_text))
    except (FaultError, argparse.ArgumentTypeError) as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return kind.strip(), rate


# --- serving ----------------------------------------------------------------------------------
def serve_command(args: argparse.Namespace) -> int:
    say = _printer(sys.stdout)
    credentials = {
        "client_id": args.client_id, "client_secret": args.client_secret,
        "terminal": args.terminal, "token_ttl": args.token_ttl, "seed": args.seed,
        "cabinet_user": args.cabinet_user, "cabinet_password": args.cabinet_password,
        "cabinet_only": args.cabinet_only, "paging": args.paging,
        "token_uses": args.token_uses, "revoke_on_issue": args.revoke_old_tokens,
    }
    if args.state is not None and args.state.exists():
        try:
            bank = SandboxBank.load(args.state, **credentials)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(msg("sandbox.bad_state", "Не удалось прочитать состояние песочницы {path}: "
                      "{error}. Уберите этот файл или укажите другой --state.",
                      path=str(args.state), error=str(exc)), file=sys.stderr)
            return 1
        loaded = len(bank.payments())
    else:
        bank, loaded = SandboxBank(**credentials), 0
    bank.invoices.two_stage = not args.links_capture
    notes = [msg("sandbox.loaded", "  платежей: {n}, загружены из {path}", n=loaded,
                 path=str(args.state))] if loaded else []
    if args.demo:
        notes += _seed(args, bank, loaded)

    server = SandboxServer(
        bank, host=args.host, port=args.port, latency_ms=args.latency_ms,
        faults=dict(args.fault), slow_seconds=args.slow_seconds,
    )
    try:
        server.start()
    except OSError as exc:
        print(msg("sandbox.cannot_listen", "Не удалось слушать {host}, порт {port}: {error}. "
                  "Выберите другой --port (0 — свободный).", host=args.host,
                  port=str(args.port), error=str(exc.strerror or exc)), file=sys.stderr)
        return 1
    try:
        say(msg("sandbox.listening", "Банк-песочница (эмулятор Halyk ePay) слушает {url}",
                url=server.base_url))
        if args.host not in LOOPBACK:
            say(msg("sandbox.reachable", "  внимание: {host} может быть доступен с других "
                    "компьютеров", host=args.host))
        say(msg("sandbox.token_url", "  выдача токенов: {url}", url=server.oauth_url))
        say(msg("sandbox.api_url", "  адрес API: {url}", url=server.api_url))
        secret = (msg("sandbox.test_secret", "опубликованный банком тестовый секрет")
                  if args.client_secret == TEST_CLIENT_SECRET else
                  msg("sandbox.given_secret", "как задан в --client-secret"))
        say(msg("sandbox.merchant", "  client id: {client_id}   терминал: {terminal}   "
                "секрет: {secret}", client_id=args.client_id, terminal=args.terminal,
                secret=secret))
        say("  " + str(msg("sandbox.serving_cabinet", "пользователь кабинета: {user}",
                           user=args.cabinet_user)))
        if args.cabinet_only:
            say("  " + str(msg("sandbox.serving_cabinet_only",
                               "список операций требует входа пользователя кабинета")))
        say("  " + str(msg("sandbox.serving_paging", "страницы списка операций: {paging}",
                           paging=args.paging)))
        if args.token_uses:
            say("  " + str(msg("sandbox.serving_token_uses",
                               "каждый токен принимается в {n} запросах", n=args.token_uses)))
        if args.revoke_old_tokens:
            say("  " + str(msg("sandbox.serving_revoke", "новый токен отзывает прежние")))
        for line in notes:
            say(line)
        if args.latency_ms:
            say(msg("sandbox.latency", "  задержка: {ms} мс на каждый ответ",
                    ms=f"{args.latency_ms:g}"))
        for kind, rate in args.fault:
            say(msg("sandbox.fault", "  сбой: {kind} в {rate} запросов", kind=kind,
                    rate=f"{rate:.0%}"))
        say(msg("sandbox.press_ctrl_c", "Чтобы остановить, нажмите Ctrl-C."))
        with _sigterm_as_interrupt():
            _wait_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        if args.state is not None:
            bank.save(args.state)
            say(msg("sandbox.saved", "Банк-песочница сохранён в {path}", path=str(args.state)))
    say(msg("sandbox.stopped", "Банк-песочница остановлен."))
    return 0


def _seed(args: argparse.Namespace, bank: SandboxBank, loaded: int) -> list[Message]:
    """Fill an empty bank with demo payments and write the shop's CSV; lines to tell the user."""
    if loaded:
        return [msg("sandbox.demo_kept", "  демо: в сохранённом банке уже есть платежи, поэтому "
                    "новые демо-данные не созданы")]
    orders = seed_demo(bank, now=utc_now(), seed=args.seed)
    target = (args.orders_out or Path(DEFAULT_ORDERS)).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    rows = write_bitrix_csv(target, orders)
    planted = ", ".join(f"{kind} {n}" for kind, n in sorted(planted_counts(orders).items()))
    if args.state is not None:
        bank.save(args.state)  # the CSV and the saved bank belong together from the start
    return [
        msg("sandbox.demo_payments", "  платежи для демонстрации за последние 30 дней: {n}",
            n=len(bank.payments())),
        msg("sandbox.demo_orders", "  заказы магазина записаны в {path}, строк: {rows}",
            path=str(target), rows=rows),
        msg("sandbox.demo_planted", "  подложенные расхождения: {planted}", planted=planted),
    ]


def _printer(stream: Any) -> Any:
    def say(line: Message | str) -> None:
        print(line, file=stream, flush=True)

    return say


def _wait_forever() -> None:
    # Short waits keep Ctrl-C responsive on every platform.
    never = threading.Event()
    while not never.wait(0.5):
        pass


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Let `kill` stop the sandbox as cleanly as Ctrl-C does (state saved, port freed)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# --- sandbox pay --------------------------------------------------------------------------------
def pay_command(args: argparse.Namespace) -> int:
    """Pay by the link's address over HTTP, or by order number through the profile's sandbox."""
    if args.link.startswith(("http://", "https://")):
        return _pay_by_url(args.link, args.card, args.decline)
    from halyk_desk.commands.running import with_context

    return with_context(_pay_by_invoice)(args)


def _pay_by_url(url: str, card: str, decline: bool) -> int:
    import httpx

    parts = urlsplit(url)
    if parts.hostname not in LOOPBACK or PAGE_PATH not in parts.path:
        _error(msg("sandbox.not_a_link", "{url} — не ссылка песочницы на этом компьютере.",
                   url=url))
        return 2
    target = urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/pay", query=""))
    form = {"card": card, "action": "decline" if decline else "pay"}
    try:
        status = httpx.post(target, data=form, timeout=10.0).status_code
    except httpx.HTTPError as exc:
        _error(msg("sandbox.no_answer", "Песочница {address} не ответила ({error}): она "
                   "запущена?", address=parts.netloc, error=type(exc).__name__))
        return 1
    return _said(status)


def _said(status: int | str) -> int:
    paid = msg("sandbox.paid", "Оплачено; банк отправляет уведомление.")
    declined = msg("sandbox.declined", "Банк отклонил платёж (по просьбе или карта не тестовая).")
    outcomes: dict[int | str, tuple[int, Message]] = {
        200: (0, paid), "PAID": (0, paid), 402: (3, declined), "DECLINED": (3, declined),
        404: (3, msg("sandbox.no_link", "В песочнице нет такой ссылки.")),
        409: (3, msg("sandbox.link_used", "Эта ссылка уже использована.")),
        410: (3, msg("sandbox.link_expired", "Срок этой ссылки истёк.")),
    }
    code, text = outcomes.get(status, (1, msg("sandbox.answered", "Песочница ответила {status}.",
                                             status=str(status))))
    print(text, file=sys.stdout if code == 0 else sys.stderr)
    return code


def _error(message: Message) -> None:
    print(f"halyk-desk: {message}", file=sys.stderr)


def _pay_by_invoice(args: argparse.Namespace, ctx: Any) -> int:
    from halyk_desk.services import links
    from halyk_desk.services.bank import is_sandbox, pay_sandbox_link

    link = links.get_link(ctx, args.link.strip())
    if link is None:
        _error(msg("sandbox.no_such_order_link", "В профиле «{profile}» нет ссылки на оплату "
                   "заказа {invoice_id}; список: `halyk-desk link list`.",
                   profile=ctx.profile.name, invoice_id=args.link))
        return 2
    if not is_sandbox(ctx):
        return _pay_by_url(link.url, args.card, args.decline)
    if not link.link_id:
        return _said(404)
    try:
        status = pay_sandbox_link(ctx, link.link_id, args.card, decline=args.decline)
    except LinkRefused as exc:
        return _said(exc.status)
    return _said(status)
