"""`halyk-desk sync`: read every order's payment status from the bank, with progress and Ctrl-C."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from halyk_desk.commands.running import (
    DATE_HELP,
    FAILED,
    INTERRUPTED,
    OK,
    USAGE,
    date_arg,
    exit_codes_epilog,
    parser_kwargs,
    range_problem,
    say_error,
    whole_number,
    with_context,
)
from halyk_desk.epay.errors import EpayError
from halyk_desk.messages import msg, of_error
from halyk_desk.services.bank import BankSetupError
from halyk_desk.services.context import AppContext
from halyk_desk.services.demo import ensure_demo
from halyk_desk.services.operations import sync_and_resolve
from halyk_desk.services.payments import PaymentFilter, count_payments
from halyk_desk.services.sync import SyncProgress, SyncSummary

MAX_CONCURRENCY = 64
#: Without a terminal, one progress line per this many seconds (and one at the end).
PLAIN_EVERY = 2.0
BAR_WIDTH = 24


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sync", help=str(msg("cli.sync.help", "прочитать из банка статус платежа каждого "
                             "заказа")),
        description=str(msg(
            "cli.sync.description", "Читает статус в банке каждого заказа периода, которому "
            "это нужно. Платежи в окончательном состоянии (возвращён, блокировка снята, "
            "неуспешен) заново не читаются, если не дан --all. Ход работы — в стандартный поток "
            "ошибок (полоса у терминала, иначе строка раз в несколько секунд); итог — в "
            "стандартный вывод. Ctrl-C останавливает аккуратно: начатые чтения завершаются, всё "
            "прочитанное сохраняется, следующая синхронизация продолжит (Ctrl-C дважды — выйти "
            "сразу; записанное остаётся записанным).")),
        epilog=exit_codes_epilog(
            "0    " + str(msg("cli.sync.exit_ok", "прочитаны все статусы")),
            "1    " + str(msg("cli.sync.exit_failed", "часть статусов прочитать не удалось "
                              "(итог считает их по видам; следующая синхронизация попробует "
                              "снова), или синхронизация не смогла начаться (банк, профиль, "
                              "база данных)")),
            "2    " + str(msg("cli.sync.exit_usage", "ошибка в команде")),
            "130  " + str(msg("cli.sync.exit_interrupted", "остановлено Ctrl-C (или SIGTERM) "
                              "до конца; итог говорит, что прочитано")),
        ),
        **parser_kwargs(),
    )
    parser.add_argument("--from", dest="date_from", type=date_arg, metavar="DATE", help=str(msg(
        "cli.sync.from", "первый день заказов для чтения, {day} (по умолчанию — самый первый)",
        day=DATE_HELP)))
    parser.add_argument("--to", dest="date_to", type=date_arg, metavar="DATE", help=str(msg(
        "cli.sync.to", "последний день заказов для чтения, включительно (по умолчанию — "
        "самый последний)")))
    parser.add_argument("--all", dest="include_final", action="store_true", help=str(msg(
        "cli.sync.all", "читать заново и платежи в окончательном состоянии")))
    parser.add_argument("--concurrency", type=_concurrency, metavar="N", help=str(msg(
        "cli.sync.concurrency", "сколько статусов читать одновременно, от 1 до {most} (по "
        "умолчанию — настройка sync_concurrency, 8)", most=MAX_CONCURRENCY)))
    parser.set_defaults(func=sync_command)


def _concurrency(text: str) -> int:
    value = whole_number(text)
    if not 1 <= value <= MAX_CONCURRENCY:
        raise argparse.ArgumentTypeError(str(msg(
            "cli.sync.concurrency_range", "укажите от 1 до {most}, а не {value}",
            most=MAX_CONCURRENCY, value=value)))
    return value


def duration(seconds: float) -> str:
    """0:07, 12:34, 1:02:03."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ProgressPrinter:
    """The sync's progress on `stream`: a bar redrawn in place at a terminal, else plain lines."""

    def __init__(
        self, stream: TextIO, *, tty: bool, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.stream = stream
        self.tty = tty
        self.clock = clock
        self._last_line = float("-inf")
        self._last_done = -1
        self._drawn = 0  # width of the bar on screen, to blank it out

    @staticmethod
    def figures(p: SyncProgress) -> str:
        share = p.done / p.total if p.total else 1.0
        eta = duration(p.eta_s) if p.eta_s is not None else "?"
        return str(msg("sync.figures", "{done}/{total} {share}  {rate}/с  ещё {eta}",
                       done=str(p.done), total=str(p.total), share=f"{share:4.0%}",
                       rate=f"{p.rate_per_s:.1f}", eta=eta))

    def __call__(self, progress: SyncProgress) -> None:
        if progress.waiting:
            self._waiting(progress)
            return
        if progress.total == 0:
            return  # nothing to read: the summary says so
        if self.tty:
            share = progress.done / progress.total if progress.total else 1.0
            filled = round(BAR_WIDTH * share)
            line = f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {self.figures(progress)}"
            self.stream.write("\r" + line.ljust(self._drawn))
            self._drawn = len(line)
            self.stream.flush()
            return
        now = self.clock()
        finished = progress.done == progress.total
        if progress.done != self._last_done and (now - self._last_line >= PLAIN_EVERY or finished):
            self._last_line, self._last_done = now, progress.done
            print(f"sync: {self.figures(progress)}", file=self.stream, flush=True)

    def _waiting(self, progress: SyncProgress) -> None:
        """Another desktop syncs this profile: its progress, a line every few seconds."""
        now = self.clock()
        if now - self._last_line < PLAIN_EVERY:
            return
        self._last_line = now
        self.note(str(msg("sync.waiting", "sync: этот профиль синхронизирует другая программа "
                          "(прочитано {done} из {total}); жду её, потом прочитаю то, что она "
                          "оставит.", done=progress.done, total=progress.total)))

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = 0

    def note(self, text: str) -> None:
        self.close()
        print(text, file=self.stream, flush=True)


@contextlib.contextmanager
def stop_on_signals(cancel: threading.Event) -> Iterator[None]:
    """Ctrl-C (and SIGTERM) set `cancel` for a clean stop; a second one interrupts at once.
    The handler only sets the event: printing from it could re-enter a write to the terminal."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def summary_lines(summary: SyncSummary, seconds: float) -> list[str]:
    if summary.cancelled:
        head = msg("sync.stopped", "Синхронизация остановлена: прочитано платежей — {read} из "
                   "{total}; всё прочитанное сохранено, следующая синхронизация прочитает "
                   "остальное.", read=summary.read, total=summary.total)
    else:
        head = msg("sync.finished", "Синхронизация закончена: прочитано платежей — {read} из "
                   "{total} за {time}.", read=summary.read, total=summary.total,
                   time=duration(seconds))
    lines = [str(head), "  " + str(msg(
        "sync.counts", "изменилось: {changed}   не найдено: {not_found}   ошибок: {errors}",
        changed=summary.changed, not_found=summary.not_found, errors=summary.errors))]
    if summary.errors:
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(summary.errors_by_kind.items()))
        lines.append("  " + str(msg(
            "sync.errors_by_kind", "ошибки по видам: {kinds} (каждая записана у своего "
            "платежа; следующая синхронизация попробует снова)", kinds=kinds)))
    if summary.registry is not None:
        lines.append("  " + str(msg(
            "sync.registry_read", "Список операций банка: записей — {listed}; платежей без "
            "изменений, не прочитанных заново — {unchanged}.",
            listed=summary.registry, unchanged=summary.unchanged)))
    elif summary.unchanged:
        lines.append("  " + str(msg(
            "sync.not_due_by_age", "Не прочитаны заново по возрасту (давно проверенные "
            "списанные платежи) — {unchanged}; --all читает все.", unchanged=summary.unchanged)))
    if summary.fallback is not None:
        lines.append("  " + str(summary.fallback))
    if summary.waited:
        lines.append("  " + str(msg(
            "sync.waited", "Этот профиль синхронизировала другая программа: прочитано только "
            "то, что она оставила.")))
    return lines


@with_context
def sync_command(args: argparse.Namespace, ctx: AppContext) -> int:
    ensure_demo(ctx)  # the sandbox's first run shows demo data, as the window does
    problem = range_problem(args)
    if problem:
        say_error(problem)
        return USAGE
    printer = ProgressPrinter(sys.stderr, tty=sys.stderr.isatty())
    cancel = threading.Event()
    stopping = False

    def progress(report: SyncProgress) -> None:
        nonlocal stopping
        if cancel.is_set() and not stopping:
            stopping = True
            printer.note(str(msg("sync.stopping", "Останавливаюсь: жду начатые чтения (Ctrl-C "
                                 "ещё раз — выйти сразу)…")))
        printer(report)

    started = time.monotonic()
    try:
        with stop_on_signals(cancel):
            # Settles operations whose outcome was unknown, as the README promises.
            summary = sync_and_resolve(
                ctx, date_from=args.date_from, date_to=args.date_to,
                include_final=args.include_final, concurrency=args.concurrency,
                progress=progress, cancel=cancel,
            )
    except KeyboardInterrupt:
        printer.close()
        say_error(msg("cli.sync_interrupted", "Синхронизация прервана: всё прочитанное "
                      "сохранено, следующая синхронизация продолжит."))
        return INTERRUPTED
    except (EpayError, BankSetupError) as exc:
        printer.close()
        say_error(msg("cli.sync_failed", "Синхронизация не удалась: {error}", error=of_error(exc)))
        return FAILED
    printer.close()
    for line in summary_lines(summary, time.monotonic() - started):
        print(line)
    if summary.total == 0 and not summary.unchanged and not summary.cancelled:
        in_range = count_payments(ctx, PaymentFilter(date_from=args.date_from,
                                                     date_to=args.date_to))
        print("  ", msg("cli.sync_all_final", "Все заказы периода в окончательном состоянии "
                          "(--all прочитает их заново).") if in_range else
              msg("cli.sync_no_orders", "В периоде нет заказов: загрузите их командой "
                  "`halyk-desk orders import`."), sep="")
    if summary.cancelled:
        return INTERRUPTED
    return FAILED if summary.errors else OK
