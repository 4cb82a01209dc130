"""argparse's own words ("usage:", "options", "the following arguments are required: ...") in the
user's language, from the program's catalogue.

argparse looks each of its phrases up when it uses it, through the module's `_` and `ngettext`
(gettext's functions, bound when argparse is imported). `spoken()` points them at the catalogue
while the command line builds and runs its parser, and puts gettext's back afterwards, so that no
other parser in the process (a packaging script, a test) is changed. A phrase argparse has and the
catalogue has not (one added by a later Python) stays in English.

Each phrase below is argparse's English text, the key it looks up, beside the message that says it
in Russian (the source); its English translation is argparse's own text. The %-placeholders are
argparse's (it fills them in after the lookup) and are kept in every language.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager

from halyk_desk.messages import Message, msg

#: The phrases a person can meet; argparse's errors about a wrongly built parser are left out
#: (they are the program's bug, never shown to a user).
PHRASES: dict[str, Message] = {
    "usage: ": msg("argparse.usage", "использование: "),
    "positional arguments": msg("argparse.positionals", "позиционные аргументы"),
    "options": msg("argparse.options", "параметры"),
    "subcommands": msg("argparse.subcommands", "команды"),
    "show this help message and exit": msg("argparse.help", "показать эту справку и выйти"),
    "show program's version number and exit": msg("argparse.version",
                                                  "показать версию программы и выйти"),
    "%(prog)s: error: %(message)s\n": msg("argparse.error", "%(prog)s: ошибка: %(message)s\n"),
    "argument %(argument_name)s: %(message)s": msg("argparse.argument",
                                                   "аргумент %(argument_name)s: %(message)s"),
    "the following arguments are required: %s": msg(
        "argparse.required", "не указаны обязательные аргументы: %s"),
    "one of the arguments %s is required": msg("argparse.one_required",
                                               "нужен один из аргументов %s"),
    "unrecognized arguments: %s": msg("argparse.unrecognized", "непонятные аргументы: %s"),
    "invalid choice: %(value)r (choose from %(choices)s)": msg(
        "argparse.invalid_choice", "недопустимое значение: %(value)r (выберите из %(choices)s)"),
    "invalid %(type)s value: %(value)r": msg("argparse.invalid_value",
                                             "недопустимое значение %(type)s: %(value)r"),
    "unknown parser %(parser_name)r (choices: %(choices)s)": msg(
        "argparse.unknown_command", "неизвестная команда %(parser_name)r (есть: %(choices)s)"),
    "not allowed with argument %s": msg("argparse.not_allowed_with",
                                        "нельзя указывать вместе с аргументом %s"),
    "ignored explicit argument %r": msg("argparse.ignored_value",
                                        "значение %r здесь не принимается"),
    "expected one argument": msg("argparse.expected_one", "нужно одно значение"),
    "expected at most one argument": msg("argparse.expected_at_most_one",
                                         "нужно не больше одного значения"),
    "expected at least one argument": msg("argparse.expected_at_least_one",
                                          "нужно хотя бы одно значение"),
    "ambiguous option: %(option)s could match %(matches)s": msg(
        "argparse.ambiguous", "неоднозначный параметр: %(option)s может означать %(matches)s"),
    "unexpected option string: %s": msg("argparse.unexpected_option", "неожиданный параметр: %s"),
    "can't open '%(filename)s': %(error)s": msg("argparse.cannot_open",
                                                "не удалось открыть '%(filename)s': %(error)s"),
}


def gettext(text: str) -> str:
    phrase = PHRASES.get(text)
    return text if phrase is None else phrase.render()


def ngettext(singular: str, plural: str, n: int) -> str:
    if singular != "expected %s argument":
        return singular if n == 1 else plural
    said = msg("argparse.expected_n", "нужно %n значение", n=n).render()
    # argparse then writes the count in itself (`... % n`); the phrase has it already, in the
    # language's own form, so the count gets a conversion that writes nothing.
    return said.replace("%", "%%") + "%.0s"


@contextmanager
def spoken() -> Iterator[None]:
    """argparse speaks the current language (messages.use) inside the block."""
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._, argparse.ngettext = gettext, ngettext  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]
