"""Pieces shared by the orders, sync and list commands: date arguments, opening the context, and
turning what stops a command into a message and an exit code (never a traceback)."""

from __future__ import annotations

import argparse
import functools
import os
import re
import sys
import textwrap
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from halyk_desk.jsonfile import JsonFileError
from halyk_desk.messages import Message, msg
from halyk_desk.services.context import AppContext, open_context
from halyk_desk.store import SchemaError, StoreUnavailable, UnknownProfile

#: Exit codes shared by these commands (each command's --help says which it uses).
OK, FAILED, USAGE, INTERRUPTED = 0, 1, 2, 130

#: The end of a --from/--to help:
#: `help=str(msg("cli.sync.from", "первый день, {day}", day=DATE_HELP))`.
DATE_HELP = msg("cli.date_help", "день: 2026-11-01 или 01.11.2026")


def date_arg(text: str) -> date:
    """--from/--to: ISO (2026-11-01) or the way Russian screens write it (01.11.2026)."""
    for parse in (date.fromisoformat, lambda t: datetime.strptime(t, "%d.%m.%Y").date()):
        try:
            return parse(text.strip())
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(str(msg(
        "cli.not_a_date", "«{text}» — не дата: напишите 2026-11-01 или 01.11.2026.", text=text)))


def whole_number(text: str) -> int:
    """An option's whole number (argparse would say "invalid int value", in English)."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(str(msg(
            "cli.not_whole", "{text} — не целое число", text=repr(text)))) from None


def number(text: str) -> float:
    """An option's number, with a point or a comma: 2.5 or 2,5."""
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        raise argparse.ArgumentTypeError(str(msg(
            "cli.not_a_number", "{text} — не число", text=repr(text)))) from None


def range_problem(args: argparse.Namespace) -> Message | None:
    """Why --from/--to make no period, or None."""
    if args.date_from and args.date_to and args.date_from > args.date_to:
        return msg("cli.range_backwards", "--from {date_from} позже, чем --to {date_to}: между "
                   "ними нет ни одного дня.",
                   date_from=args.date_from.isoformat(), date_to=args.date_to.isoformat())
    return None


def say_error(message: Message | str) -> None:
    """A message for the person at the terminal, in their language (str: already rendered)."""
    print(f"halyk-desk: {message}", file=sys.stderr)


def with_context(
    command: Callable[[argparse.Namespace, AppContext], int],
) -> Callable[[argparse.Namespace], int]:
    """Run `command` with the context of the global options; an unknown profile is a usage error
    (2), unusable settings or database a failure (1), each with its message."""

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        try:
            ctx = open_context(args)
        except (JsonFileError, SchemaError, StoreUnavailable) as exc:
            say_error(str(exc))
            return FAILED
        except (UnknownProfile, ValueError) as exc:  # ValueError: a --db address we cannot use
            say_error(str(exc))
            return USAGE
        with ctx:
            try:
                return command(args, ctx)
            except BrokenPipeError:
                # The reader went away (`... | head`): stop quietly, as other tools do.
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                return FAILED

    return run


def exit_codes_epilog(*lines: str) -> str:
    """The list of a command's exit codes for its --help, each line written as
    `"0  " + str(msg("area.exit_done", "сделано"))`."""
    title = msg("cli.exit_codes", "коды выхода:")
    return f"{title}\n" + "\n".join(f"  {line}" for line in lines)


class HelpFormatter(argparse.HelpFormatter):
    """Descriptions wrapped to the terminal as usual; lines that start with a space (the list of
    exit codes) each kept on their own, wrapped under their text."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        lines = []
        for line in text.splitlines():
            item = re.match(r"\s+\S+\s+", line)
            if item is None:
                lines.append(super()._fill_text(line, width, indent))
            else:
                lines.append(textwrap.fill(line, width, initial_indent=indent,
                                           subsequent_indent=indent + " " * item.end()))
        return "\n".join(lines)


def parser_kwargs() -> dict[str, Any]:
    return {"formatter_class": HelpFormatter}
