"""The command line's help and argparse's own words ("usage:", "options", its errors) in the
language chosen with --lang: nothing of argparse's English left in Russian or Kazakh."""

from __future__ import annotations

import argparse
import re

import pytest

from halyk_desk import messages
from halyk_desk.cli import build_parser, main
from halyk_desk.commands import argparse_words

#: argparse's phrases a Russian or Kazakh user must not meet.
ARGPARSE_ENGLISH = re.compile(r"usage:|positional arguments|options:|show this help|version number|"
                              r"error:|arguments are required|expected (one|at)|invalid choice|"
                              r"choose from|unrecognized|argument --|argument COMMAND")


def english_left(text: str) -> list[str]:
    """Latin words of a help text that are not the command, an option, a metavar or a
    name the user types (invoiceId, JSON)."""
    text = re.sub(r"halyk-desk( [a-z]+)?|--?[\w-]+|\b[A-Z_]{2,}\b|invoiceId|\{[\w,]+\}", " ", text)
    return re.findall(r"[A-Za-z]{2,}", text)


def said(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(exit_.value.code or 0), out, err


def test_help_in_kazakh_has_none_of_argparse_english(capsys):
    code, out, _ = said(capsys, "--lang", "kk", "--help")
    assert code == 0
    assert out.startswith("қолданылуы: halyk-desk")
    assert "позициялық аргументтер:" in out and "параметрлер:" in out
    assert "осы анықтаманы көрсету және шығу" in out
    assert "хабарламалар тілі" in out  # --lang's own help
    assert ARGPARSE_ENGLISH.findall(out) == []


def test_refund_help_in_russian(capsys):
    code, out, _ = said(capsys, "--lang", "ru", "refund", "--help")
    assert code == 0
    assert out.startswith("использование: halyk-desk refund")
    assert "позиционные аргументы:" in out and "параметры:" in out
    assert "показать эту справку и выйти" in out
    assert "причина из списка в настройках" in out  # --reason's help
    assert english_left(out) == []


@pytest.mark.parametrize(("language", "expected"), [
    ("ru", "halyk-desk refund: ошибка: не указаны обязательные аргументы: INVOICE, --reason"),
    ("kk", "halyk-desk refund: қате: міндетті аргументтер көрсетілмеген: INVOICE, --reason"),
    ("en", "halyk-desk refund: error: the following arguments are required: INVOICE, --reason"),
])
def test_a_missing_argument_is_said_in_the_language(capsys, language, expected):
    code, out, err = said(capsys, "--lang", language, "refund")
    assert code == 2 and out == ""
    assert expected in err.splitlines()
    if language != "en":
        assert ARGPARSE_ENGLISH.findall(err) == []


def test_a_bad_choice_and_a_missing_value_in_kazakh(capsys):
    _, _, err = said(capsys, "--lang", "kk", "nosuchcommand")
    assert "қате: argument COMMAND" not in err
    assert "COMMAND аргументі: жарамсыз мән: 'nosuchcommand' (мыналардың бірін таңдаңыз:" in err
    _, _, err = said(capsys, "--lang", "kk", "refund", "42", "--reason", "x", "--amount")
    assert "--amount аргументі: бір мән қажет" in err
    assert ARGPARSE_ENGLISH.findall(err) == []
    _, _, err = said(capsys, "--lang", "kk", "approve", "abc")
    assert "ID аргументі: 'abc' — бүтін сан емес" in err  # not argparse's "invalid int value"


def test_help_in_english(capsys):
    code, out, _ = said(capsys, "--lang", "en", "--help")
    assert code == 0
    assert out.startswith("usage: halyk-desk")
    assert "positional arguments:" in out and "options:" in out
    assert "show this help message and exit" in out
    assert "language of the messages" in out
    assert not re.search("[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]", out)


@pytest.mark.parametrize("language", messages.LANGUAGES)
def test_argparse_phrases_keep_argparse_placeholders(language):
    """argparse fills %(name)s / %s in after the lookup: a translation without them would fail."""
    def placeholders(text: str) -> list[str]:
        return sorted(re.findall(r"%\(\w+\)[sr]|%[sr]", text))

    for english, phrase in argparse_words.PHRASES.items():
        translated = phrase.render(language)
        assert placeholders(translated) == placeholders(english), (language, english)
        assert translated.endswith("\n") == english.endswith("\n")
        if language == "en":
            assert translated == english


@pytest.mark.parametrize(("language", "n", "expected"), [
    ("ru", 2, "нужно 2 значения"), ("ru", 5, "нужно 5 значений"),
    ("kk", 2, "2 мән қажет"), ("en", 2, "expected 2 arguments"), ("en", 1, "expected 1 argument"),
])
def test_a_counted_phrase_as_argparse_fills_it(language, n, expected):
    before = messages.current()
    messages.use(language)
    try:
        assert argparse_words.ngettext("expected %s argument", "expected %s arguments", n) \
            % n == expected
    finally:
        messages.use(before)


def test_other_parsers_keep_argparse_english_after_a_command(capsys):
    said(capsys, "--lang", "kk", "refund")
    other = argparse.ArgumentParser(prog="other")
    other.add_argument("thing")
    assert other.format_help().startswith("usage: other")
    assert "show this help message and exit" in other.format_help()


CYRILLIC = re.compile("[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]")


def _helps(parser: argparse.ArgumentParser, path: str) -> list[tuple[str, str]]:
    """(where, text) of a parser's description, its options' help and its commands' help, and
    the same of its subcommands."""
    found = [(path, parser.description)] if parser.description else []
    for action in parser._actions:
        if action.help and action.help != argparse.SUPPRESS:
            found.append((f"{path} {'/'.join(action.option_strings) or action.dest}",
                          action.help))
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                found.append((f"{path} {choice.dest}", choice.help))
            for name, sub in action.choices.items():
                found += _helps(sub, f"{path} {name}")
    return found


def _every_help(language: str) -> list[tuple[str, str]]:
    before = messages.current()
    messages.use(language)
    try:
        with argparse_words.spoken():
            return _helps(build_parser(), "halyk-desk")
    finally:
        messages.use(before)


def test_every_help_text_of_every_command_is_kazakh():
    kazakh, russian = _every_help("kk"), _every_help("ru")
    assert len(kazakh) > 200 and [where for where, _ in kazakh] == [w for w, _ in russian]
    # A help that is only an example ("JSON", "15000, 1 500,50") reads the same in every language.
    not_kazakh = [(where, text) for (where, text), (_, source) in zip(kazakh, russian,
                                                                      strict=True)
                  if CYRILLIC.search(source) and (text == source or not CYRILLIC.search(text))]
    assert not_kazakh == []
