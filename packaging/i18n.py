"""Translations of the window: extract, merge, check and compile.

    .venv/bin/python packaging/i18n.py            # update the .ts files, then compile the .qm files
    .venv/bin/python packaging/i18n.py update     # only re-read the code into resources/i18n/*.ts
    .venv/bin/python packaging/i18n.py release    # only compile the .qm files
    .venv/bin/python packaging/i18n.py check      # list what is untranslated or out of date

The source language is Russian: every tr()/translate() in halyk_desk/ui holds the Russian text.
`update` extracts them with pyside6-lupdate and merges them into
resources/i18n/halyk_desk_<lang>.ts, keeping every translation already made (matched by context,
text and plural-ness) and dropping phrases the code no longer has. Translators then fill in the
English and Kazakh files (Qt Linguist, `pyside6-linguist`, or any editor); the Russian file only
needs the three plural forms of each counted phrase. `release` compiles them with
pyside6-lrelease into halyk_desk/translations/*.qm, which the program loads (halyk_desk/ui/i18n.py)
and which a wheel and the PyInstaller bundle carry as package data.

Services and commands speak through messages (halyk_desk/messages.py): every
`msg("code", "Русский текст {x}", x=...)` in the package is read from the code (by its syntax tree)
into the context "Messages" of the same .ts files, the code as the phrase's comment, and `release`
also compiles that context to halyk_desk/translations/messages_<lang>.json, which the command line
reads without Qt.

A module that translates through a helper of its own (`def tr(text): return
QCoreApplication.translate(_CONTEXT, text)`, or with the context written out) is understood:
lupdate files those phrases under no context, and they are moved to that module's context, where
the program looks them up.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "halyk_desk"
SOURCES = PACKAGE / "ui"
TS_DIR = ROOT / "resources" / "i18n"
QM_DIR = ROOT / "halyk_desk" / "translations"
CATALOG = "halyk_desk"
#: The context of the services' and commands' messages, and the function that declares one.
MESSAGES_CONTEXT = "Messages"
MESSAGE_FUNCTION = "msg"
COUNT = "%n"
SOURCE_LANGUAGE = "ru"
LANGUAGES = ("ru", "kk", "en")
#: How a module names the context of its own tr(): `_CONTEXT = "X"`, or a helper that passes a
#: literal context (`def tr(text): return QCoreApplication.translate("X", text)`).
_MODULE_CONTEXT = (
    re.compile(r'^_CONTEXT\s*=\s*"([^"]+)"', re.MULTILINE),
    re.compile(r'^def _?tr\(.*\n(?:.*\n)*?\s*return QCoreApplication\.translate\(\s*"([^"]+)"',
               re.MULTILINE),
)

Key = tuple[str, str, str, bool]


class I18nError(RuntimeError):
    pass


def ts_path(language: str) -> Path:
    return TS_DIR / f"{CATALOG}_{language}.ts"


def qm_path(language: str) -> Path:
    return QM_DIR / f"{CATALOG}_{language}.qm"


def messages_path(language: str) -> Path:
    return QM_DIR / f"messages_{language}.json"


def tool(name: str) -> str:
    """A Qt tool of the venv this script runs in, else from PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise I18nError(f"{name} not found: install PySide6 (packaging/venv.sh) and run this "
                        "script with the venv's python")
    return found


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise I18nError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")


# --- reading the code ---------------------------------------------------------------------------

def _key(context: str, message: ET.Element) -> Key:
    source = message.findtext("source") or ""
    comment = message.findtext("comment") or ""
    return context, source, comment, message.get("numerus") == "yes"


def _module_context(location: str, ts_file: Path) -> str:
    path = (ts_file.parent / location).resolve()
    code = path.read_text(encoding="utf-8")
    for pattern in _MODULE_CONTEXT:
        found = pattern.search(code)
        if found is not None:
            return found.group(1)
    raise I18nError(f"{path}: a phrase is translated outside a class, and the module sets no "
                    "_CONTEXT; use QCoreApplication.translate(\"Context\", \"...\") there")


def _assign_module_contexts(root: ET.Element, ts_file: Path) -> None:
    """Phrases lupdate put under no context go to the _CONTEXT of the module they are in (one
    copy per module when the same phrase appears in several)."""
    contexts = {c.findtext("name") or "": c for c in root.findall("context")}
    nameless = contexts.get("")
    if nameless is None:
        return
    for message in nameless.findall("message"):
        by_context: dict[str, list[ET.Element]] = {}
        for location in message.findall("location"):
            name = _module_context(location.get("filename", ""), ts_file)
            by_context.setdefault(name, []).append(location)
        for name, locations in by_context.items():
            target = contexts.get(name)
            if target is None:
                target = ET.SubElement(root, "context")
                ET.SubElement(target, "name").text = name
                contexts[name] = target
            if any(_key(name, m) == _key(name, message) for m in target.findall("message")):
                continue
            copy = ET.fromstring(ET.tostring(message))
            for old in copy.findall("location"):
                copy.remove(old)
            for index, location in enumerate(locations):
                copy.insert(index, location)
            target.append(copy)
    root.remove(nameless)


@dataclass(frozen=True)
class Declared:
    """One msg() call of the package."""

    code: str
    source: str
    where: str


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def declared_messages(folder: Path = PACKAGE) -> list[Declared]:
    """Every msg("code", "text") of the package, by code; one code is one text everywhere."""
    found: dict[str, Declared] = {}
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _called_name(node.func) == MESSAGE_FUNCTION):
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            literal = [a.value for a in node.args[:2]
                       if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if len(literal) != 2:
                raise I18nError(f"{where}: msg() takes its code and Russian text as literal "
                                "strings, so that they can be read into the catalogue")
            one = Declared(literal[0], literal[1], where)
            earlier = found.setdefault(one.code, one)
            if earlier.source != one.source:
                raise I18nError(f"{where}: message {one.code!r} has another text at "
                                f"{earlier.where}: one code, one text")
    return sorted(found.values(), key=lambda d: d.code)


def _message_element(declared: Declared) -> ET.Element:
    message = ET.Element("message")
    if COUNT in declared.source:
        message.set("numerus", "yes")
    ET.SubElement(message, "source").text = declared.source
    ET.SubElement(message, "comment").text = declared.code
    ET.SubElement(message, "translation").set("type", "unfinished")
    return message


def add_messages(tree: ET.ElementTree, folder: Path = PACKAGE) -> None:
    """The context Messages: the package's msg() calls, each under its code."""
    context = ET.SubElement(tree.getroot(), "context")
    ET.SubElement(context, "name").text = MESSAGES_CONTEXT
    for declared in declared_messages(folder):
        context.append(_message_element(declared))


def extract(language: str, folder: Path) -> ET.ElementTree:
    """What the code asks to translate, as a fresh .ts tree for `language` (no translations)."""
    # With locations, to find the module of a phrase lupdate put under no context; they are then
    # left out of the files, which would otherwise change with every edit of the code.
    located = folder / ts_path(language).name
    _run([tool("pyside6-lupdate"), "-extensions", "py", "-no-obsolete", "-locations", "absolute",
          "-source-language", SOURCE_LANGUAGE, "-target-language", language,
          str(SOURCES), "-ts", str(located)])
    tree = ET.parse(located)
    _assign_module_contexts(tree.getroot(), located)
    for message in tree.getroot().iter("message"):
        for location in message.findall("location"):
            message.remove(location)
    add_messages(tree)
    return tree


# --- merging and writing ------------------------------------------------------------------------

def _translations(tree: ET.ElementTree) -> dict[Key, ET.Element]:
    found = {}
    for context in tree.getroot().findall("context"):
        name = context.findtext("name") or ""
        for message in context.findall("message"):
            translation = message.find("translation")
            if translation is not None:
                found[_key(name, message)] = translation
    return found


def merge(fresh: ET.ElementTree, existing: ET.ElementTree | None) -> ET.ElementTree:
    """`fresh` with the translations `existing` has for the same phrases, contexts sorted."""
    known = _translations(existing) if existing is not None else {}
    root = fresh.getroot()
    contexts = sorted(root.findall("context"), key=lambda c: c.findtext("name") or "")
    for context in root.findall("context"):
        root.remove(context)
    for context in contexts:
        name = context.findtext("name") or ""
        for message in context.findall("message"):
            old = known.get(_key(name, message))
            if old is None:
                continue
            message.remove(message.find("translation"))
            kept = ET.fromstring(ET.tostring(old))
            kept.tail = None
            if kept.get("type") in ("obsolete", "vanished"):
                kept.set("type", "unfinished")
            message.append(kept)
        root.append(context)
    return fresh


def write_ts(tree: ET.ElementTree, path: Path) -> None:
    ET.indent(tree, "    ")
    body = ET.tostring(tree.getroot(), encoding="unicode")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n",
                    encoding="utf-8")


def update() -> None:
    with tempfile.TemporaryDirectory(prefix="halyk-i18n-") as temp:
        for language in LANGUAGES:
            path = ts_path(language)
            existing = ET.parse(path) if path.exists() else None
            write_ts(merge(extract(language, Path(temp)), existing), path)


def release(out_dir: Path = QM_DIR) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for language in LANGUAGES:
        target = out_dir / qm_path(language).name
        _run([tool("pyside6-lrelease"), "-nounfinished", "-removeidentical", "-silent",
              str(ts_path(language)), "-qm", str(target)])
        written.append(target)
        written.append(compile_messages(language, out_dir))
    return written


def compile_messages(language: str, out_dir: Path = QM_DIR) -> Path:
    """The Messages context of `language` as JSON, code → text (a counted phrase: its forms).
    Untranslated phrases are left out: they show in Russian, and the check names them."""
    tree = ET.parse(ts_path(language))
    catalogue: dict[str, str | list[str]] = {}
    for context in tree.getroot().findall("context"):
        if context.findtext("name") != MESSAGES_CONTEXT:
            continue
        for message in context.findall("message"):
            code = message.findtext("comment") or ""
            translation = message.find("translation")
            unfinished = translation is None or translation.get("type") in (
                "unfinished", "obsolete", "vanished")
            if message.get("numerus") == "yes":
                forms = [] if unfinished else [f.text or "" for f in
                                               translation.findall("numerusform")]
                if forms and all(forms):
                    catalogue[code] = forms
            elif language == SOURCE_LANGUAGE:
                catalogue[code] = message.findtext("source") or ""
            elif not unfinished and translation.text:
                catalogue[code] = translation.text
    target = out_dir / messages_path(language).name
    body = json.dumps(dict(sorted(catalogue.items())), ensure_ascii=False, indent=0)
    temp = target.with_suffix(".tmp")
    temp.write_text(body + "\n", encoding="utf-8")
    temp.replace(target)
    return target


# --- checking -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    language: str
    context: str
    source: str
    what: str

    def __str__(self) -> str:
        return f"{self.language}: [{self.context}] {self.source!r}: {self.what}"


def _needs_translation(language: str, numerus: bool) -> bool:
    # Russian is the source: only its plural forms need writing out.
    return language != SOURCE_LANGUAGE or numerus


def untranslated(language: str, tree: ET.ElementTree) -> list[Problem]:
    problems = []
    for context in tree.getroot().findall("context"):
        name = context.findtext("name") or ""
        for message in context.findall("message"):
            numerus = message.get("numerus") == "yes"
            if not _needs_translation(language, numerus):
                continue
            source = message.findtext("source") or ""
            translation = message.find("translation")
            if translation is None or translation.get("type") in ("unfinished", "obsolete",
                                                                  "vanished"):
                problems.append(Problem(language, name, source, "not translated"))
                continue
            texts = ([f.text or "" for f in translation.findall("numerusform")] if numerus
                     else [translation.text or ""])
            if not texts or any(not t.strip() for t in texts):
                problems.append(Problem(language, name, source, "empty translation"))
            elif any(set(re.findall(r"\{\w+\}", source)) != set(re.findall(r"\{\w+\}", t))
                     for t in texts):
                problems.append(Problem(language, name, source, "placeholders differ"))
    return problems


def check() -> list[Problem]:
    """Phrases of the code missing from the .ts files, and phrases without a translation."""
    problems: list[Problem] = []
    with tempfile.TemporaryDirectory(prefix="halyk-i18n-") as temp:
        for language in LANGUAGES:
            path = ts_path(language)
            if not path.exists():
                problems.append(Problem(language, "", "", f"{path} is missing"))
                continue
            committed = ET.parse(path)
            have = set(_translations(committed))
            for context in extract(language, Path(temp)).getroot().findall("context"):
                name = context.findtext("name") or ""
                for message in context.findall("message"):
                    if _key(name, message) not in have:
                        problems.append(Problem(language, name, message.findtext("source") or "",
                                                "not in the .ts file: run packaging/i18n.py"))
            problems += untranslated(language, committed)
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", nargs="?", choices=("all", "update", "release", "check"),
                        default="all")
    step = parser.parse_args(argv).step
    if step in ("all", "update"):
        update()
    if step in ("all", "release"):
        for path in release():
            print(f"wrote {path.relative_to(ROOT)}")
    if step in ("all", "check"):
        problems = check()
        for problem in problems:
            print(problem)
        if problems:
            print(f"{len(problems)} phrase(s) to translate in {TS_DIR.relative_to(ROOT)}")
            return 1 if step == "check" else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
