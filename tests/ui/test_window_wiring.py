"""The window's tabs as ui/window_wiring.build puts them together: their order, and each view
deciding from the window's one `changed` signal whether to read again."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from halyk_desk.services import operations, reconciliation
from halyk_desk.services.changes import Changes
from halyk_desk.ui import tasks

LOAD_TIMEOUT = 30_000


def _settle() -> None:
    """Every background read started so far has ended and delivered what it read."""
    assert tasks.wait_for_tasks(LOAD_TIMEOUT)
    QCoreApplication.processEvents()


def test_the_tabs_come_in_the_order_people_work_in(synced_window):
    parts = synced_window.parts
    tabs = synced_window.tabs
    assert [tabs.widget(i) for i in range(tabs.count())] == [
        parts.dashboard, parts.payments, parts.holds, parts.reconciliation, parts.operations,
        parts.audit]
    assert [tabs.tabText(i).split(" (")[0] for i in range(tabs.count())] == [
        "Сводка", "Платежи", "Блокировки", "Сверка", "Операции", "Аудит"]


def test_a_reconciliation_reloads_the_dashboard_and_leaves_the_lists_alone(qtbot, synced_window):
    parts = synced_window.parts
    _settle()
    holds_loads: list[int] = []
    payments_loads: list[int] = []
    parts.holds.loaded.connect(holds_loads.append)
    parts.payments.model.loaded.connect(payments_loads.append)
    with qtbot.waitSignal(parts.dashboard.loaded, timeout=LOAD_TIMEOUT):
        synced_window.changed.emit(reconciliation.CHANGES)
    _settle()
    assert holds_loads == [] and payments_loads == []


def test_an_operation_reloads_the_journal_the_holds_and_the_payments(qtbot, synced_window):
    parts = synced_window.parts
    _settle()
    with qtbot.waitSignals([parts.holds.loaded, parts.payments.model.loaded,
                            parts.dashboard.loaded], timeout=LOAD_TIMEOUT):
        synced_window.changed.emit(operations.CHANGES)


def test_changed_settings_reload_every_list(qtbot, synced_window):
    parts = synced_window.parts
    _settle()
    with qtbot.waitSignals([parts.holds.loaded, parts.payments.model.loaded,
                            parts.dashboard.loaded], timeout=LOAD_TIMEOUT):
        synced_window.changed.emit(Changes(settings=True))
