"""Languages: every visible phrase of the window is Russian (the source) or a known identifier,
English and Kazakh translations exist for every phrase, and loading them changes what is shown.

"Visible phrase" is made concrete: the texts of every label, button, tab, menu action, tooltip,
placeholder and table header of a fully built and loaded MainWindow, its context menus, and the
dialogs built from its menus (Settings with all its pages, About). Values that are data (paths,
addresses, names of profiles and operators, numbers) are not phrases and are left out.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QTableView,
    QTabWidget,
    QWidget,
)

from halyk_desk import __version__
from halyk_desk.domain import Money
from halyk_desk.ui import formatting as fmt
from halyk_desk.ui import i18n

ROOT = Path(__file__).resolve().parents[2]
LOAD_TIMEOUT = 20_000

#: Latin words a Russian window may show: names, codes and technical identifiers.
ALLOWED_LATIN = {
    "Halyk", "Desk", "ePay", "SANDBOX", "KZT", "RRN", "ID", "Client", "client", "id", "secret",
    "OAuth", "API", "URL", "UUID", "https", "PostgreSQL", "SQLite", "Excel", "Ctrl", "GNOME",
    "Keyring", "KWallet", "Asia", "Almaty", "English", "sandbox", "halyk", "test", "shop", "main",
    "anna", "database_url", "HALYK_DESK_DB", "HALYK_DESK_HOME", "db", "home", "operator", "csv",
    "txt", "xlsx", "sqlite3", "orders", "import", "desk",
    "e-mail",  # as the issue and Russian office software write it («Отправить по e-mail»)
}
#: Widgets whose items are data (time zones, profile and operator names, reasons, codes).
DATA_WIDGETS = {"businessTz", "startProfile", "profilesList", "reasonsList", "operatorsTable",
                "auditOperator", "auditAction", "auditTable"}
_MARKUP = re.compile(r"<[^>]+>|&nbsp;")
_TECHNICAL = re.compile(r"\S+://\S*|(?:/[\w.\-]+)+/?|\b[\w.\-]+\.(?:json|sqlite3|qm|xlsx)\b"
                        r"|\b[0-9a-f]{8}-[0-9a-f]{4}-\S+|--\w+|\*\.\w+|\bF5\b|Ctrl\+\S+|\w+@\w+")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z_\-]*")
_CYRILLIC = re.compile(r"[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]")


def _texts_of(widget: QWidget) -> Iterator[str]:
    yield widget.toolTip()
    yield widget.accessibleName()
    if widget.isWindow():
        yield widget.windowTitle()
    if isinstance(widget, QLabel | QAbstractButton):
        yield widget.text()
    elif isinstance(widget, QLineEdit):
        yield widget.placeholderText()
    elif isinstance(widget, QGroupBox):
        yield widget.title()
    elif isinstance(widget, QTabWidget):
        yield from (widget.tabText(i) for i in range(widget.count()))
    elif isinstance(widget, QComboBox):
        yield from (widget.itemText(i) for i in range(widget.count()))
    elif isinstance(widget, QListWidget):
        yield from (widget.item(i).text() for i in range(widget.count()))
    if isinstance(widget, QTableView) and widget.model() is not None:
        model = widget.model()
        for column in range(widget.horizontalHeader().count()):
            yield str(model.headerData(column, Qt.Orientation.Horizontal) or "")
    for action in widget.actions():
        yield from _action_texts(action)


def _action_texts(action: QAction) -> Iterator[str]:
    yield action.text()
    yield action.toolTip()
    menu = action.menu()
    if isinstance(menu, QMenu):
        yield menu.title()
        for sub in menu.actions():
            yield from _action_texts(sub)


def phrases(*roots: QWidget, data: set[str]) -> set[str]:
    """Every visible phrase under `roots`, with data values taken out."""
    found: set[str] = set()
    for root in roots:
        for widget in [root, *root.findChildren(QWidget)]:
            if widget.objectName() in DATA_WIDGETS or any(
                    p.objectName() in DATA_WIDGETS for p in _parents(widget)):
                continue
            for text in _texts_of(widget):
                text = _MARKUP.sub(" ", text or "")
                for value in sorted(data, key=len, reverse=True):
                    text = text.replace(value, " ")
                text = text.replace("&", "").strip()
                if text:
                    found.add(text)
    return found


def _parents(widget: QWidget) -> Iterator[QWidget]:
    parent = widget.parentWidget()
    while parent is not None:
        yield parent
        parent = parent.parentWidget()


def foreign_words(text: str) -> list[str]:
    text = _TECHNICAL.sub(" ", text)
    return [w for w in _LATIN_WORD.findall(text) if w not in ALLOWED_LATIN]


def data_values(window, about) -> set[str]:
    """What the window shows that is data, not phrases: folders, addresses, names, versions,
    and each language's name in that language (the language page lists them so on purpose)."""
    ctx = window.ctx
    paths = ctx.paths
    values = {str(paths.config_dir), str(paths.data_dir), str(paths.log_dir),
              str(paths.cache_dir), ctx.store.url, ctx.operator, ctx.profile.name, __version__,
              *(value for _name, value in about.rows), *i18n.NATIVE_NAMES.values()}
    return {v for v in values if v}


@pytest.fixture
def in_language():
    """Install a language for one test (before its window is built), then back to Russian."""
    installed: list[i18n.Installed] = []

    def install(language: str) -> None:
        installed.append(i18n.install(language))

    yield install
    for one in installed:
        i18n.uninstall(one)


def everything(qtbot, window) -> list[QWidget]:
    """The window with every tab loaded, its context menus and the dialogs of its menus."""
    opened: list[QDialog] = []
    window.menus.open_dialog = opened.append
    settings = window.menus.open_settings()
    with qtbot.waitSignals([settings.permissions_known, settings.profiles_page.refreshed,
                            settings.operators_page.refreshed], timeout=LOAD_TIMEOUT):
        settings.load()
    about = window.menus.open_about()
    qtbot.waitUntil(lambda: window.parts.dashboard.data is not None, timeout=LOAD_TIMEOUT)
    window.payments_view.select_rows([0])
    menus = [window.parts.table_menus.payments_menu(), window.parts.table_menus.holds_menu()]
    return [window, *menus, settings, about]


def test_every_visible_phrase_of_the_window_is_russian(qtbot, synced_ctx, open_window,
                                                       in_language):
    in_language("ru")  # as the program starts: Qt's own phrases (tab scrolling...) in Russian too
    window = open_window(synced_ctx)
    roots = everything(qtbot, window)
    shown = phrases(*roots, data=data_values(window, roots[-1]))
    assert len(shown) > 150, "the walk found too little: it is not looking at the window"
    assert "Сводка" in shown and "Платежи" in shown and "Настройки" in shown
    untranslated = {text: words for text in shown if (words := foreign_words(text))}
    assert untranslated == {}
    # The Kazakh test's checker sees Russian: this window is full of it.
    assert len(russian_left_in("kk", shown)) > 100


def test_the_checker_sees_english_text():
    assert foreign_words("Payments") == ["Payments"]
    assert foreign_words("Поиск: номер заказа, RRN (Ctrl+F)") == []
    assert foreign_words("Адрес: postgresql://user@server:5432/halyk") == []


def test_with_english_loaded_the_window_speaks_english(qtbot, synced_ctx, open_window,
                                                       in_language):
    in_language("en")
    window = open_window(synced_ctx)
    roots = everything(qtbot, window)
    tabs = window.tabs
    titles = [tabs.tabText(i) for i in range(tabs.count())]
    assert titles[:2] == ["Dashboard", "Payments"] and titles[2].startswith("Holds")
    assert window.menuBar().actions()[0].text() == "&File"
    shown = phrases(*roots, data=data_values(window, roots[-1]))
    russian = sorted(text for text in shown if _CYRILLIC.search(text))
    assert russian == []
    # Money and dates the English way.
    assert fmt.money_text(Money(123456789)) == "KZT 1,234,567.89"
    assert window.parts.dashboard.cards["periodCaptured"].value_label.text().startswith("KZT ")


def russian_left_in(language: str, shown: set[str]) -> list[str]:
    """Phrases shown that are a Russian source text whose translation into `language` differs:
    Russian left in a window that should speak another language."""
    import xml.etree.ElementTree as ET

    tree = ET.parse(_tool().ts_path(language))
    russian, translated = set(), set()
    for message in tree.getroot().iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        texts = [f.text or "" for f in translation.iter("numerusform")] or [translation.text or ""]
        translated.update(texts)
        if source not in texts:
            russian.add(source)
    # A word both languages write alike in some phrase («Код») is not Russian left behind.
    return sorted(text for text in shown if text in russian - translated)


def test_with_kazakh_loaded_no_russian_phrase_is_left(qtbot, synced_ctx, open_window,
                                                       in_language):
    """Kazakh is checked as English is: the whole window walked, every phrase its translation."""
    in_language("kk")
    window = open_window(synced_ctx)
    roots = everything(qtbot, window)
    shown = phrases(*roots, data=data_values(window, roots[-1]))
    assert "Төлемдер" in shown
    assert russian_left_in("kk", shown) == []
    assert not any(text.startswith(("Сводка", "Платежи", "Настройки")) for text in shown)


def test_kazakh_loads_with_its_plurals_and_tenge(qtbot, synced_ctx, open_window, in_language):
    in_language("kk")
    window = open_window(synced_ctx)
    tabs = window.tabs
    assert tabs.tabText(0) == "Жиынтық" and tabs.tabText(1) == "Төлемдер"
    assert window.sync_panel.sync_button.text() == "Синхрондау"
    count = window.payments_view.count_label.text()
    assert count.endswith("төлем"), count
    assert fmt.money_text(Money(123456789)) == "1\u00a0234\u00a0567,89\u00a0₸"


@pytest.mark.parametrize(("n", "text"), [
    (1, "1 платёж"), (3, "3 платежа"), (11, "11 платежей"), (22, "22 платежа"),
    (1_000_000, "1\u00a0000\u00a0000 платежей"),
])
def test_russian_plurals_come_from_the_translation_file(in_language, n, text):
    in_language("ru")
    assert fmt.count_text("PaymentsView", "%n платежей", n) == text


def test_the_language_follows_the_setting_or_the_system():
    from PySide6.QtCore import QLocale

    def system(language, country=QLocale.Country.AnyCountry):
        return QLocale(language, country)

    assert i18n.resolve_language("en", system(QLocale.Language.Russian)) == "en"
    assert i18n.resolve_language("kk", system(QLocale.Language.English)) == "kk"
    assert i18n.resolve_language("auto", system(QLocale.Language.Russian)) == "ru"
    assert i18n.resolve_language("auto", system(QLocale.Language.Kazakh)) == "ru"
    assert i18n.resolve_language("auto", QLocale.c()) == "ru"  # no language set at all
    assert i18n.resolve_language(
        "auto", system(QLocale.Language.English, QLocale.Country.UnitedStates)) == "en"
    assert i18n.resolve_language(
        "auto", system(QLocale.Language.German, QLocale.Country.Germany)) == "en"


def _tool():
    spec = importlib.util.spec_from_file_location("halyk_i18n_tool", ROOT / "packaging" / "i18n.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_every_phrase_of_the_code_has_its_translations():
    """A phrase added to the code without an English and a Kazakh translation (or a Russian
    plural without its three forms) fails here: run packaging/i18n.py and translate it."""
    problems = [str(p) for p in _tool().check()]
    assert problems == []


def test_the_compiled_translations_are_those_of_the_ts_files(tmp_path):
    tool = _tool()
    for fresh in tool.release(tmp_path):
        shipped = tool.QM_DIR / fresh.name
        assert shipped.read_bytes() == fresh.read_bytes(), (
            f"{shipped.name} is stale: run packaging/i18n.py release")


def test_each_language_file_loads():
    for language in i18n.LANGUAGES:
        installed = i18n.install(language)
        try:
            assert installed.missing == []
            assert i18n.current() == language
        finally:
            i18n.uninstall(installed)
    assert QCoreApplication.translate("MainWindow", "Платежи") == "Платежи"


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_qts_own_file_dialog_speaks_the_language(qtbot, in_language, language):
    """Qt's dialogs come with Qt's translations (qtbase); what qtbase_ru lacks («Look in:»,
    «Files of type:») the program's catalogue supplies (ui/qt_phrases.py)."""
    from PySide6.QtWidgets import QFileDialog

    in_language(language)
    dialog = QFileDialog(None, "x", "", "Excel (*.xlsx)")
    qtbot.addWidget(dialog)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    texts = {t for w in dialog.findChildren(QWidget) for t in _texts_of(w) if t}
    texts -= {"x", "Excel (*.xlsx)"}
    assert len(texts) > 5
    if language == "en":
        assert sorted(t for t in texts if _CYRILLIC.search(t)) == []
    else:
        latin = {t: words for t in texts if (words := foreign_words(t.replace("&", "")))}
        assert latin == {}
