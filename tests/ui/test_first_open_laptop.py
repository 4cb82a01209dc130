"""The first open before any sync or reconciliation, on a 1366×768 laptop (issue 13): the
dashboard says nothing was read yet and what to press, not «no money» and «no discrepancies»."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt

LAPTOP_WINDOW = QSize(1366, 700)


def _dashboard(qtbot, window):
    window.resize(LAPTOP_WINDOW)
    view = window.parts.dashboard
    window.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.data is not None, timeout=30_000)
    return view


def test_before_any_sync_the_dashboard_says_press_f5(qtbot, window):
    view = _dashboard(qtbot, window)
    assert not view.data.synced
    text = view.chart.empty_text()
    assert "ещё не прочитаны" in text and "F5" in text
    assert "не списывали" not in text
    card = view.discrepancies_card
    assert card.value_label.text() == "не сверяли"
    assert card.value_label.text() != "нет"


def test_after_a_sync_but_before_a_reconciliation(qtbot, synced_window):
    view = _dashboard(qtbot, synced_window)
    assert view.data.synced
    assert "ещё не прочитаны" not in view.chart.empty_text()
    assert view.discrepancies_card.value_label.text() == "не сверяли"


def test_in_kazakh_the_holds_age_is_not_clipped(qtbot, synced_ctx, open_window):
    """Issue 13: the Kazakh age column was cut off («2 күн 4 са…»)."""
    from halyk_desk.ui import i18n
    from halyk_desk.ui.holds_model import AGE_COLUMN, TIME_LEFT_COLUMN

    installed = i18n.install("kk")
    try:
        window = open_window(synced_ctx)
        window.resize(LAPTOP_WINDOW)
        view = window.holds_view
        window.tabs.setCurrentWidget(view)
        header, metrics = view.table.horizontalHeader(), view.table.fontMetrics()
        model = view.table.model()
        assert model.rowCount() > 0
        for column in (AGE_COLUMN, TIME_LEFT_COLUMN):
            widest = max(metrics.horizontalAdvance(str(model.index(r, column).data()))
                         for r in range(model.rowCount()))
            assert header.sectionSize(column) >= widest + 8, column
            title = str(model.headerData(column, Qt.Orientation.Horizontal))
            assert header.sectionSize(column) >= metrics.horizontalAdvance(title)
    finally:
        i18n.uninstall(installed)
