"""The Audit tab on a 1366×768 laptop (issue 13): it reads the log again when opened and on
«Обновить», agrees with its own check, and shows each entry's details in words, not JSON."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize, Qt

from halyk_desk.services import operators

LAPTOP_WINDOW = QSize(1366, 700)


@pytest.fixture
def audit_tab(qtbot, synced_window):
    window = synced_window
    window.resize(LAPTOP_WINDOW)
    view = window.parts.audit
    with qtbot.waitSignal(view.model.modelReset, timeout=30_000):
        window.tabs.setCurrentWidget(view)
    return window, view


def _count(view) -> int:
    return view.model.rowCount()


def test_the_tab_reads_new_entries_when_opened_and_on_refresh(qtbot, audit_tab):
    window, view = audit_tab
    before = _count(view)
    operators.add_operator(window.ctx, "boris", "manager")  # an entry made elsewhere
    window.tabs.setCurrentWidget(window.payments_view)
    with qtbot.waitSignal(view.model.modelReset, timeout=30_000):
        window.tabs.setCurrentWidget(view)
    assert _count(view) == before + 1
    operators.add_operator(window.ctx, "vera", "accountant")
    with qtbot.waitSignal(view.model.modelReset, timeout=30_000):
        qtbot.mouseClick(view.refresh_button, Qt.MouseButton.LeftButton)
    assert _count(view) == before + 2


def test_the_count_agrees_with_the_check(qtbot, audit_tab):
    window, view = audit_tab
    operators.add_operator(window.ctx, "boris", "manager")
    with qtbot.waitSignal(view.model.modelReset, timeout=30_000):
        qtbot.mouseClick(view.verify_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.verify_button.isEnabled(), timeout=30_000)
    checked = int("".join(ch for ch in view.verify_label.text().split(":")[1]
                          if ch.isdigit()))
    assert _count(view) == checked


def test_details_are_words_not_json(qtbot, audit_tab):
    window, view = audit_tab
    operators.add_operator(window.ctx, "boris", "manager")
    with qtbot.waitSignal(view.model.modelReset, timeout=30_000):
        qtbot.mouseClick(view.refresh_button, Qt.MouseButton.LeftButton)
    details = [view.model.index(row, 5).data() for row in range(_count(view))]
    assert details and not any(text.lstrip().startswith("{") for text in details)
    assert "роль: менеджер" in details
    assert any("первый оператор этой базы" in text for text in details)
