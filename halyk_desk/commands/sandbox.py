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
from halyk_desk.sandbox.faults import FaultError, check_kind, check_rate
from halyk_desk.sandbox.invoices import DEFAULT_CARD, PAGE_PATH, LinkRefused

DEFAULT_PORT = 8765
DEFAULT_ORDERS = "sandbox-demo-orders.csv"
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def register(subparsers: Any) -> None:
    group = subparsers.add_parser(
        "sandbox", help="the sandbox bank: Halyk ePay emulated on this computer",
        description="The sandbox bank: a faithful Halyk ePay emulator for trying the program, "
        "for tests and for benchmarks. It never talks to the real bank.",
    )
    actions = group.add_subparsers(dest="sandbox_action", required=True)
    serve = actions.add_parser(
        "serve", help="serve the sandbox bank over HTTP until Ctrl-C",
        description="Serve the ePay token endpoint at /oauth2/token and the API at / on one port. "
        "It accepts the bank's published test merchant unless given other credentials.",
    )
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1: this computer only)")
    serve.add_argument("--port", type=_port, default=DEFAULT_PORT,
                       help=f"TCP port (default {DEFAULT_PORT}; 0 picks a free one)")
    serve.add_argument("--seed", type=int, default=0,
                       help="seed for demo data and fault draws: same seed, same run (default 0)")
    serve.add_argument("--demo", action="store_true",
                       help="fill the bank with a month of demo payments and write the shop's "
                       "order export beside them")
    serve.add_argument("--orders-out", type=Path, metavar="PATH",
                       help=f"where --demo writes the shop's 1C-Bitrix order CSV "
                       f"(default ./{DEFAULT_ORDERS})")
    serve.add_argument("--state", type=Path, metavar="PATH",
                       help="keep the bank in this JSON file: loaded at start, saved at exit")
    serve.add_argument("--latency-ms", type=_non_negative, default=0.0, metavar="N",
                       help="delay every reply by N milliseconds (default 0)")
    serve.add_argument("--fault", type=_fault, action="append", default=[], metavar="KIND:RATE",
                       help="inject a fault into that share of requests, e.g. http5xx:0.1; "
                       "repeatable. Kinds: latency, http5xx, html502, drop, lost_reply, slow, "
                       "late_apply, busy107, token_expiry")
    serve.add_argument("--token-ttl", type=_positive_int, default=7200, metavar="S",
                       help="token lifetime in seconds (default 7200)")
    serve.add_argument("--slow-seconds", type=_positive_float, default=30.0, metavar="S",
                       help="how long the 'slow' fault holds a reply (default 30)")
    serve.add_argument("--client-id", default=TEST_CLIENT_ID,
                       help="merchant client id to accept (default: the bank's test merchant)")
    serve.add_argument("--client-secret", default=TEST_CLIENT_SECRET,
                       help="merchant secret to accept (default: the bank's published test secret)")
    serve.add_argument("--terminal", default=TEST_TERMINAL,
                       help="the merchant's terminal id (default: the test merchant's)")
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
    pay.add_argument("--card", default=DEFAULT_CARD, metavar="PAN", help=DEFAULT_CARD)
    pay.add_argument("--decline", action="store_true")
    pay.set_defaults(func=pay_command)


# --- argument checks: argparse shows these messages and exits with status 2 -------------------
def _port(text: str) -> int:
    value = _int(text, "port")
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port {value} is out of range: use 0 to 65535")
    return value


def _int(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{what} must be a whole number, not {text!r}") from None


def _positive_int(text: str) -> int:
    value = _int(text, "the value")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{value} must be more than zero")
    return value


def _float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def _non_negative(text: str) -> float:
    value = _float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative: give 0 or more")
    return value


def _positive_float(text: str) -> float:
    value = _float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} must be more than zero")
    return value


def _fault(text: str) -> tuple[str, float]:
    kind, sep, rate_text = text.partition(":")
    try:
        check_kind(kind.strip())
        if not sep:
            raise FaultError(f"{text!r} has no rate: write KIND:RATE, e.g. {kind.strip()}:0.1")
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
            print(f"Cannot read the sandbox state {args.state}: {exc}. Move it away or give "
                  "another --state.", file=sys.stderr)
            return 1
        loaded = len(bank.payments())
    else:
        bank, loaded = SandboxBank(**credentials), 0
    bank.invoices.two_stage = not args.links_capture
    notes = [f"  payments: {loaded}, loaded from {args.state}"] if loaded else []
    if args.demo:
        notes += _seed(args, bank, loaded)

    server = SandboxServer(
        bank, host=args.host, port=args.port, latency_ms=args.latency_ms,
        faults=dict(args.fault), slow_seconds=args.slow_seconds,
    )
    try:
        server.start()
    except OSError as exc:
        print(f"Cannot listen on {args.host} port {args.port}: {exc.strerror or exc}. "
              "Choose another --port (0 picks a free one).", file=sys.stderr)
        return 1
    try:
        say(f"Sandbox bank (Halyk ePay emulator) listening on {server.base_url}")
        if args.host not in LOOPBACK:
            say(f"  warning: {args.host} may be reachable from other computers")
        say(f"  token endpoint: {server.oauth_url}")
        say(f"  API base:       {server.api_url}")
        secret = ("the bank's published test secret" if args.client_secret == TEST_CLIENT_SECRET
                  else "as given by --client-secret")
        say(f"  client id: {args.client_id}   terminal: {args.terminal}   secret: {secret}")
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
            say(f"  latency: {args.latency_ms:g} ms on every reply")
        for kind, rate in args.fault:
            say(f"  fault: {kind} on {rate:.0%} of requests")
        say("Press Ctrl-C to stop.")
        with _sigterm_as_interrupt():
            _wait_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        if args.state is not None:
            bank.save(args.state)
            say(f"Saved the sandbox bank to {args.state}")
    say("Sandbox bank stopped.")
    return 0


def _seed(args: argparse.Namespace, bank: SandboxBank, loaded: int) -> list[str]:
    """Fill an empty bank with demo payments and write the shop's CSV; lines to tell the user."""
    if loaded:
        return ["  demo: the saved bank already has payments, so no new demo data was made"]
    orders = seed_demo(bank, now=utc_now(), seed=args.seed)
    target = (args.orders_out or Path(DEFAULT_ORDERS)).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    rows = write_bitrix_csv(target, orders)
    planted = ", ".join(f"{kind} {n}" for kind, n in sorted(planted_counts(orders).items()))
    if args.state is not None:
        bank.save(args.state)  # the CSV and the saved bank belong together from the start
    return [
        f"  payments: {len(bank.payments())} demo payments over the last 30 days",
        f"  shop orders: {rows} rows written to {target}",
        f"  planted discrepancies: {planted}",
    ]


def _printer(stream: Any) -> Any:
    def say(line: str) -> None:
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
