"""Справка → Сохранить отчёт для поддержки…, and a worker's unexpected error: one plain sentence
for the manager, its traceback in the journal (issue 14, part 5)."""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path

from PySide6.QtWidgets import QMenu

from halyk_desk import logs
from halyk_desk.ui import tasks
from halyk_desk.ui.support_report import SupportReporter

SHOTS = Path("/tmp/shots")


def test_the_help_menu_saves_a_support_report(qtbot, window, notifier, tmp_path):
    assert window.menus.support_action.text() == "&Сохранить отчёт для поддержки…"
    assert window.menus.support_action.isEnabled()
    help_menu = window.menuBar().findChild(QMenu, "helpMenu")
    assert help_menu.actions()[0] is window.menus.support_action
    SHOTS.mkdir(exist_ok=True)
    for size in ((1366, 768), (1920, 1080)):
        window.resize(*size)
        window.grab().save(str(SHOTS / f"window-{size[0]}.png"))
    help_menu.adjustSize()  # drawn without popping up: offscreen Qt cannot grab the keyboard
    help_menu.grab().save(str(SHOTS / "help-menu.png"))
    target = tmp_path / "report.zip"
    suggested = []
    reporter = SupportReporter(window.frame, choose=lambda parent, name: suggested.append(name)
                               or str(target))

    reporter.run()
    qtbot.waitUntil(lambda: bool(notifier.infos), timeout=20_000)

    title, text = notifier.infos[-1]
    assert title == "Отчёт для поддержки"
    assert text.startswith(f"Отчёт записан: {target}")
    assert suggested[0].endswith(".zip") and "halyk-desk-support-" in suggested[0]
    with zipfile.ZipFile(target) as archive:
        assert {"versions.json", "settings.json", "db-info.json"} <= set(archive.namelist())


def test_an_unexpected_worker_error_is_one_sentence_and_logged_with_its_traceback(
        qtbot, tmp_path):
    logs.configure(tmp_path / "logs", "manager1")
    delivered = []

    def buggy():
        return {}["missing"]

    tasks.run_task(buggy, lambda result, error: delivered.append(error))
    qtbot.waitUntil(lambda: bool(delivered), timeout=10_000)
    logging.getLogger().handlers[-1].flush()

    [error] = delivered
    assert isinstance(error, tasks.UnexpectedError)
    assert str(error) == ("Внутренняя ошибка программы (KeyError), действие не выполнено. "
                          "Подробности сохранены в журнале.")
    journal = (tmp_path / "logs" / logs.LOG_NAME).read_text(encoding="utf-8")
    assert "ERROR halyk_desk.ui.tasks [manager1] Unexpected error in " in journal
    assert "Traceback" in journal and "KeyError: 'missing'" in journal


def test_an_explained_error_reaches_the_view_as_it_is(qtbot):
    from halyk_desk.imports import ImportFailed, RowError

    delivered = []
    failure = ImportFailed([RowError(2, None, None, "bad")])

    def refuse():
        raise failure

    tasks.run_task(refuse, lambda result, error: delivered.append(error))
    qtbot.waitUntil(lambda: bool(delivered), timeout=10_000)
    assert delivered == [failure]
