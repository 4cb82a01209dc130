"""The Сверка tab and its neighbours on a 1366×768 laptop: what an accountant found wrong, each
checked as they saw it (issue 13). Screenshots go to HALYK_DESK_SHOTS when it is set."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QSize, Qt

from halyk_desk.services.dashboard import business_today
from halyk_desk.ui import i18n
from halyk_desk.ui.reconciliation_model import COLUMNS, MESSAGE_COLUMN
from halyk_desk.ui.reconciliation_view import MESSAGE_MIN_CHARS

LAPTOP = QSize(1366, 768)
#: What a laptop screen leaves for a window: the panel and the title bar take their share.
LAPTOP_WINDOW = QSize(1366, 700)


def shot(widget, name: str) -> None:
    folder = os.environ.get("HALYK_DESK_SHOTS")
    if folder:
        widget.grab().save(str(Path(folder) / f"{name}.png"))


def _column(title: str) -> int:
    return next(n for n, c in enumerate(COLUMNS) if c.title == title)


@pytest.fixture
def laptop(qtbot, synced_window):
    window = synced_window
    window.resize(LAPTOP_WINDOW)
    view = window.parts.reconciliation
    window.tabs.setCurrentWidget(view)
    return window, view


def _run(qtbot, view, first, last):
    view.set_period(first, last)
    with qtbot.waitSignal(view.ran, timeout=60_000):
        qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)


@pytest.fixture
def month(qtbot, laptop):
    window, view = laptop
    today = business_today(view._ctx)
    _run(qtbot, view, today - timedelta(days=31), today)
    qtbot.wait(50)
    return window, view


def test_the_window_fits_a_laptop_before_and_after_selecting(qtbot, month):
    window, view = month
    shot(window, "recon-1366")
    assert window.minimumSizeHint().width() <= LAPTOP.width()
    assert window.minimumSizeHint().height() <= LAPTOP_WINDOW.height()
    before = window.size()
    view.select_row(0)
    qtbot.wait(100)
    shot(window, "recon-1366-selected")
    assert window.size() == before
    assert window.minimumSizeHint().height() <= LAPTOP_WINDOW.height()
    assert window.minimumSize().height() <= LAPTOP_WINDOW.height()


def test_what_is_wrong_is_readable_and_resolved_says_something(month):
    _window, view = month
    header = view.table.horizontalHeader()
    chars = header.sectionSize(MESSAGE_COLUMN) / view.table.fontMetrics().averageCharWidth()
    assert chars >= MESSAGE_MIN_CHARS
    resolved = _column("Решено")
    texts = {view.proxy.index(row, resolved).data() for row in range(view.proxy.rowCount())}
    assert "" not in texts and None not in texts


def test_a_period_with_nothing_in_it_leaves_no_earlier_figures(qtbot, month):
    window, view = month
    assert view.cards_box.isVisible() and view.export_button.isEnabled()
    far = business_today(view._ctx) - timedelta(days=3000)
    view.set_period(far, far)
    with qtbot.waitSignal(view.failed, timeout=60_000):
        qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    shot(window, "recon-empty-period")
    assert not view.cards_box.isVisible()
    assert view.proxy.rowCount() == 0 and view.recon is None
    assert not view.export_button.isEnabled()
    assert "сверять нечего" in view.status_label.text()


def test_a_failed_export_does_not_leave_an_earlier_success_in_the_status_bar(
        qtbot, month, tmp_path):
    window, view = month
    good = tmp_path / "сверка.xlsx"
    view.ask_save_path = lambda _parent, _suggested: str(good)
    with qtbot.waitSignal(view.exported, timeout=60_000):
        view.export()
    assert "записана" in window.message_label.text()
    missing = tmp_path / "нет-такой-папки" / "сверка.xlsx"
    view.ask_save_path = lambda _parent, _suggested: str(missing)
    with qtbot.waitSignal(view.failed, timeout=60_000):
        view.export()
    shot(window, "recon-export-failed")
    status = window.message_label.text()
    assert "Книга Excel записана" not in status and "не записана" in status
    assert "нет-такой-папки" in status and "диске" not in status
    assert "нет-такой-папки" in view.warning_label.text()


@pytest.mark.parametrize(("language", "words"), [
    ("ru", "Книга не записана"), ("kk", "Кітап"), ("en", "Cannot write the workbook")])
def test_an_export_error_speaks_the_windows_language(qtbot, synced_ctx, open_window, tmp_path,
                                                      language, words):
    installed = i18n.install(language)
    try:
        window = open_window(synced_ctx)
        window.resize(LAPTOP_WINDOW)
        view = window.parts.reconciliation
        window.tabs.setCurrentWidget(view)
        today = business_today(view._ctx)
        _run(qtbot, view, today - timedelta(days=31), today)
        view.ask_save_path = lambda _p, _s: str(tmp_path / "no-such-folder" / "book.xlsx")
        with qtbot.waitSignal(view.failed, timeout=60_000):
            view.export()
        qtbot.wait(50)
        shot(window, f"i13-error-{language}")
        text = view.warning_label.text()
        assert text.startswith(words), text
        said = text.replace(str(tmp_path), "")
        if language == "en":
            assert not re.search("[А-Яа-яЁё]", said), said
        if language == "kk":
            assert "Книга" not in said and "папки" not in said
    finally:
        i18n.uninstall(installed)
