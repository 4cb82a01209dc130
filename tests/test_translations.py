"""Every text a person reads goes through the one translation catalogue, in Kazakh and English too.

The window's own phrases are checked by tests/ui/test_i18n.py (the window walked in each language).
Here: the rest of the package — services, commands, imports, exports, the audit log — read as
code. A string literal that reads as a phrase (two words or more, or any Cyrillic) is a text for
people unless it is:
  - a msg() of the catalogue (halyk_desk.messages), or a tr()/translate() of the window;
  - a docstring, a log line (log.info(...)), an assert, an SQL text() or a regular expression;
  - written down in tests/untranslated_texts.txt: technical strings that are not for people
    (section "not for people") and texts not yet converted (section "to convert", a debt that may
    only shrink: DEBT_AT_MOST goes down as texts are converted, never up).
A new text outside the catalogue fails here: write it as msg("area.code", "Русский текст", ...)
(docs/architecture.md, "Messages and translations") and run packaging/i18n.py.

Then the catalogue itself: every message has its Kazakh and English text, with the same
placeholders, and the Kazakh text is Kazakh — not the Russian source left in place — as the English
is English (no Cyrillic).
"""

from __future__ import annotations

import ast
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from halyk_desk import messages

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "halyk_desk"
LISTED = Path(__file__).with_name("untranslated_texts.txt")
#: Texts for people still outside the catalogue (section "to convert"); lower it when converting.
DEBT_AT_MOST = 0
#: Parts of the package that are not the program's voice: the sandbox is a stand-in for the bank
#: (its replies are the bank's, in the bank's words), migrations speak to the database only.
NOT_SCANNED = ({"sandbox"}, {"store", "migrations"})
_PHRASE = re.compile(r"[^\W\d_]{2,}[ \u00a0]+[^\W\d_]{2,}|[А-Яа-яЁё]")
_LOG_METHODS = {"debug", "info", "warning", "error", "exception", "critical"}
_LOGGERS = {"log", "logger", "logging", "_log"}
#: Calls whose string arguments are not phrases for people.
_EXEMPT_CALLS = {"msg", "tr", "translate", "QT_TRANSLATE_NOOP", "QT_TR_NOOP", "text", "compile",
                 "getLogger", "search", "match", "fullmatch", "sub", "findall", "split"}


def _called(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Attribute):
        if func.attr in _LOG_METHODS and isinstance(func.value, ast.Name) \
                and func.value.id in _LOGGERS:
            return "log"
        return func.attr
    return func.id if isinstance(func, ast.Name) else None


def _exempt_nodes(tree: ast.AST) -> set[int]:
    exempt: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) \
                and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant):
            exempt.add(id(body[0].value))
        if isinstance(node, ast.Assert) or (
                isinstance(node, ast.Call) and _called(node) in (_EXEMPT_CALLS | {"log"})):
            exempt.update(id(sub) for sub in ast.walk(node))
    return exempt


def literals(path: Path) -> Iterator[str]:
    """The string literals of a module that people could read, f-strings with {} for values."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    exempt = _exempt_nodes(tree)
    for node in ast.walk(tree):
        if id(node) in exempt:
            continue
        if isinstance(node, ast.JoinedStr):
            exempt.update(id(value) for value in node.values)
            yield "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value


def scanned_modules() -> list[Path]:
    def skipped(path: Path) -> bool:
        parts = set(path.relative_to(PACKAGE).parts)
        return "ui" in parts or any(names <= parts for names in NOT_SCANNED)
    return [path for path in sorted(PACKAGE.rglob("*.py")) if not skipped(path)]


def texts_outside_the_catalogue() -> set[tuple[str, str]]:
    found = set()
    for path in scanned_modules():
        for text in literals(path):
            if _PHRASE.search(text):
                found.add((str(path.relative_to(ROOT)), text))
    return found


def listed() -> dict[str, set[tuple[str, str]]]:
    """The sections of untranslated_texts.txt: lines `path<TAB>json string`."""
    sections: dict[str, set[tuple[str, str]]] = {}
    section = ""
    for line in LISTED.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
            sections[section] = set()
        elif line.strip() and not line.startswith("#"):
            path, text = line.split("\t", 1)
            sections[section].add((path, json.loads(text)))
    return sections


def test_no_text_for_people_bypasses_the_catalogue():
    found = texts_outside_the_catalogue()
    assert len(found) > 10 or not found, "the scan found too little: is it looking elsewhere?"
    known = listed()
    allowed = known.get("not for people", set()) | known.get("to convert", set())
    new = sorted(found - allowed)
    assert new == [], ("texts for people outside the catalogue: write them as msg(...) "
                       "(docs/architecture.md, 'Messages and translations')")
    gone = sorted(allowed - found)
    assert gone == [], f"no longer in the code: remove them from {LISTED.name}"
    assert len(known.get("to convert", ())) <= DEBT_AT_MOST


def test_the_scan_sees_a_bypassing_text(tmp_path):
    module = tmp_path / "module.py"
    module.write_text('"""Doc string."""\nimport logging\nlog = logging.getLogger(__name__)\n'
                      'def f(x):\n    """Doc."""\n    log.warning("a log line for admins %s", x)\n'
                      '    assert x, "not for people"\n'
                      '    raise ValueError(f"{x} is not an amount")\n'
                      'def g():\n    return msg("a.b", "Сумма должна быть больше нуля.")\n'
                      'NAME = "halyk_desk.epay"\nRU = "тенге"\n', encoding="utf-8")
    found = [t for t in literals(module) if _PHRASE.search(t)]
    assert sorted(found) == ["{} is not an amount", "тенге"]


def _catalogue(language: str) -> dict[str, str | list[str]]:
    return json.loads(messages.catalog_path(language).read_text(encoding="utf-8"))


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{\w+\}", text))


def test_every_message_has_its_kazakh_and_english_text():
    russian = _catalogue("ru")
    assert len(russian) > 10
    for language in ("kk", "en"):
        translated = _catalogue(language)
        assert sorted(set(russian) - set(translated)) == [], f"untranslated into {language}"
        for code, source in russian.items():
            forms = translated[code] if isinstance(translated[code], list) else [translated[code]]
            sources = source if isinstance(source, list) else [source]
            assert all(_placeholders(f) == _placeholders(sources[0]) for f in forms), (
                language, code)


def test_english_messages_are_english_and_kazakh_ones_are_not_the_russian_source():
    russian = _catalogue("ru")
    english = [(code, text) for code, text in _catalogue("en").items()
               if re.search("[А-Яа-яЁё]", re.sub(r"\{\w+\}|«|»", "", str(text)))]
    assert english == []
    kazakh = _catalogue("kk")
    # Words Russian and Kazakh share (names, loan words) may stay; a whole sentence may not.
    same = [code for code, text in kazakh.items()
            if text == russian[code] and len(re.findall(r"[^\W\d_]{3,}", str(text))) > 2]
    assert same == []


def test_a_message_in_each_language_reads_in_it():
    """The same refusal, rendered: Russian, Kazakh and English words (not codes, not braces)."""
    sample = messages.msg("rules.nothing_left", "Всё списанное уже возвращено.")
    assert sample.render("ru") == "Всё списанное уже возвращено."
    assert sample.render("en") == "Everything captured has already been refunded."
    kazakh = sample.render("kk")
    assert kazakh not in (sample.render("ru"), sample.render("en")) and "қ" in kazakh


if __name__ == "__main__" and sys.argv[1:] == ["--list"]:
    # What the scan finds now, to write the sections of untranslated_texts.txt by hand.
    for path, text in sorted(texts_outside_the_catalogue()):
        print(f"{path}\t{json.dumps(text, ensure_ascii=False)}")
