"""The Payments tab on a 1366×768 laptop as an accountant uses it (issue 13): search that folds
ё and finds an order by any part of its number, every column sorts, and a message about one
tab does not stay on the others."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize, Qt

from halyk_desk.ui.payments_model import COLUMNS

LAPTOP_WINDOW = QSize(1366, 700)


@pytest.fixture
def payments(qtbot, synced_window):
    window = synced_window
    window.resize(LAPTOP_WINDOW)
    view = window.payments_view
    window.tabs.setCurrentWidget(view)
    assert view.all_dates_check.isChecked()  # every order, whatever its date
    return window, view


def _search(qtbot, view, text: str) -> int:
    with qtbot.waitSignal(view.model.loaded, timeout=30_000) as done:
        view.search_edit.setText(text)
    return done.args[0]


def _invoices(view) -> list[str]:
    return [view.model.row_at(n).invoice_id for n in range(min(view.model.rowCount(), 40))
            if view.model.row_at(n) is not None]


def test_search_folds_yo_both_ways(qtbot, payments):
    _window, view = payments
    with_yo = _search(qtbot, view, "ёлкина")
    assert with_yo > 0
    assert _search(qtbot, view, "елкина") == with_yo
    assert _search(qtbot, view, "ЕЛКИНА") == with_yo


def test_search_finds_an_order_by_a_part_of_its_number(qtbot, payments):
    _window, view = payments
    invoice = next(i for i in _invoices(view) if len(i) >= 8)
    middle = invoice[2:6]
    assert _search(qtbot, view, middle) >= 1
    found = _invoices(view)
    assert invoice in found and all(middle in i for i in found)


@pytest.mark.parametrize("column", range(len(COLUMNS)), ids=[c.key for c in COLUMNS])
def test_every_column_sorts_both_ways(qtbot, payments, column):
    window, view = payments
    header = view.table.horizontalHeader()
    key = COLUMNS[column].key
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        with qtbot.waitSignal(view.model.loaded, timeout=30_000):
            header.setSortIndicator(column, order)
        assert view.model.sort_order == (key, order == Qt.SortOrder.DescendingOrder)
        assert "не сортируется" not in window.message_label.text()
        values = [COLUMNS[column].sort_value(view.model.row_at(n))
                  for n in range(min(view.model.rowCount(), 30))]
        filled = [v for v in values if v not in ("", None)]
        expected = sorted(filled, reverse=order == Qt.SortOrder.DescendingOrder)
        assert filled == expected, key


def test_a_tabs_message_does_not_follow_to_another_tab(qtbot, payments):
    window, _view = payments
    window.show_message("Скопировано строк: 3")
    window.tabs.setCurrentWidget(window.holds_view)
    assert window.message_label.text() == ""
