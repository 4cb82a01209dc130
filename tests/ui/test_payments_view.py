"""The Payments tab on the synced demo data: search, filters, database sorting, detail, copy."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QDate, QPoint, Qt
from PySide6.QtGui import QGuiApplication

from halyk_desk.domain import ALMATY, State
from halyk_desk.services.payments import PaymentFilter, count_payments, list_payments
from halyk_desk.ui import payments_model, payments_view
from halyk_desk.ui.payments_model import COLUMNS, column_of
from halyk_desk.ui.roles import RowRole, SortRole
from halyk_desk.ui.state_look import state_background


def _rows(qtbot, model) -> list:
    """Every row in the order shown, the blocks past the first fetched as a scrolling view would."""
    for r in range(model.rowCount()):
        if model.row_at(r) is None:
            qtbot.waitUntil(lambda r=r: model.row_at(r) is not None, timeout=10_000)
    return [model.index(r, 0).data(RowRole) for r in range(model.rowCount())]


def _everything(ctx) -> list:
    return list_payments(ctx, PaymentFilter(), limit=None)


def test_search_by_invoice_rrn_card_and_customer(qtbot, synced_window):
    view = synced_window.payments_view
    sample = next(r for r in _everything(synced_window.ctx) if r.reference and r.card_mask)

    for text, wanted in [
        (sample.invoice_id, lambda r: r.invoice_id == sample.invoice_id),
        (sample.reference, lambda r: r.reference == sample.reference),
        (sample.customer.split()[0], lambda r: sample.customer.split()[0] in (r.customer or "")),
    ]:
        view.search_edit.clear()
        with qtbot.waitSignal(view.model.loaded, timeout=10_000):
            if text.isascii():
                qtbot.keyClicks(view.search_edit, text)  # debounced: one query after the last key
            else:
                view.search_edit.setText(text)  # QTest types ASCII only
        rows = _rows(qtbot, view.model)
        assert rows and all(wanted(r) for r in rows), text
        assert any(r.invoice_id == sample.invoice_id for r in rows)
        assert view.count_label.text().startswith(str(len(rows)))


def test_ctrl_f_goes_to_the_search_box(qtbot, synced_window):
    view = synced_window.payments_view
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert view.search_edit.hasFocus()


def test_filter_by_state(qtbot, synced_window):
    view = synced_window.payments_view
    everything = _everything(synced_window.ctx)
    with qtbot.waitSignal(view.model.loaded, timeout=10_000):
        view.state_filter.action_for(State.HELD.value).trigger()
    held = _rows(qtbot, view.model)
    assert held and {r.state for r in held} == {State.HELD}
    assert len(held) == sum(1 for r in everything if r.state == State.HELD)
    assert view.state_filter.text() == "Состояние: блокировка (холд)"

    with qtbot.waitSignal(view.model.loaded, timeout=10_000):
        view.state_filter.action_for(State.CAPTURED.value).trigger()
    both = _rows(qtbot, view.model)
    assert {r.state for r in both} == {State.HELD, State.CAPTURED}
    assert len(both) == sum(1 for r in everything if r.state in (State.HELD, State.CAPTURED))


def test_filter_by_business_day(qtbot, synced_window):
    view = synced_window.payments_view
    everything = _everything(synced_window.ctx)
    day = everything[len(everything) // 2].created_at.astimezone(ALMATY).date()
    expected = {r.invoice_id for r in everything if r.created_at.astimezone(ALMATY).date() == day}

    qdate = QDate(day.year, day.month, day.day)
    view.date_from_edit.setDate(qdate)
    view.date_to_edit.setDate(qdate)
    with qtbot.waitSignal(view.model.loaded, timeout=10_000):
        view.all_dates_check.setChecked(False)
    assert {r.invoice_id for r in _rows(qtbot, view.model)} == expected

    # Moving the start past the end drags the end along: never an empty, backwards period.
    later = qdate.addDays(3)
    with qtbot.waitSignal(view.model.loaded, timeout=10_000):
        view.date_from_edit.setDate(later)
    assert view.date_to_edit.date() == later
    assert all(
        r.created_at.astimezone(ALMATY).date() == later.toPython() for r in _rows(qtbot, view.model)
    )

    with qtbot.waitSignal(view.model.loaded, timeout=10_000):
        view.all_dates_check.setChecked(True)
    assert view.model.rowCount() == len(everything)


def _click_header(qtbot, header, column: int) -> None:
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(
        header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2)
    )


def test_sorting_by_amount_is_done_by_the_database(qtbot, synced_ctx, open_window, monkeypatch):
    # Small blocks: the first block alone cannot hold the answer unless the database sorted all.
    monkeypatch.setattr(payments_model, "BLOCK_SIZE", 25)
    window = open_window(synced_ctx)
    view = window.payments_view
    model, header = view.model, view.table.horizontalHeader()
    everything = _everything(synced_ctx)
    assert len(everything) > 2 * 25
    amount = column_of("amount")
    amounts = sorted(r.amount.minor for r in everything)

    with qtbot.waitSignal(model.loaded, timeout=10_000):
        _click_header(qtbot, header, amount)
    assert model.sort_order == ("amount", False)
    assert header.sortIndicatorSection() == amount
    assert [model.index(r, amount).data(SortRole) for r in range(25)] == amounts[:25]

    with qtbot.waitSignal(model.loaded, timeout=10_000):
        _click_header(qtbot, header, amount)
    assert model.sort_order == ("amount", True)
    assert [model.index(r, amount).data(SortRole) for r in range(25)] == amounts[::-1][:25]

    # A row past the loaded blocks comes from the database when the view asks for it.
    last = model.rowCount() - 1
    assert model.row_at(last) is None
    qtbot.waitUntil(lambda: model.row_at(last) is not None, timeout=10_000)
    assert model.index(last, amount).data(SortRole) == amounts[0]


def test_rows_show_tenge_right_aligned_and_a_colour_per_state(synced_window):
    model = synced_window.payments_view.model
    amount = column_of("amount")
    states_seen = set()
    for r in range(payments_model.BLOCK_SIZE):  # the first block, fetched with the count
        row = model.index(r, 0).data(RowRole)
        text = model.index(r, amount).data()
        assert text.endswith("\u00a0₸") and "," in text
        align = model.index(r, amount).data(Qt.ItemDataRole.TextAlignmentRole)
        assert align & Qt.AlignmentFlag.AlignRight
        background = model.index(r, 0).data(Qt.ItemDataRole.BackgroundRole)
        assert background == state_background(row.state)
        states_seen.add(row.state)
    colours = {state_background(s).name() for s in states_seen if state_background(s)}
    assert len(colours) >= 4, "captured, held, refunded and failed look different"


def test_detail_pane_shows_the_bank_fields_and_the_history(qtbot, synced_window):
    view = synced_window.payments_view
    row_number = next(
        r
        for r in range(view.model.rowCount())
        if view.model.index(r, 0).data(RowRole).state == State.CAPTURED
    )
    row = view.model.index(row_number, 0).data(RowRole)
    view.table.selectRow(row_number)
    qtbot.waitUntil(lambda: view.detail.detail is not None, timeout=10_000)

    detail = view.detail
    assert detail.title_label.text() == f"Заказ {row.invoice_id}"
    assert detail.state_label.text() == "списано"
    fields = {
        detail.bank_fields_table.item(r, 0).text(): detail.bank_fields_table.item(r, 1).text()
        for r in range(detail.bank_fields_table.rowCount())
    }
    assert fields["statusName"] == "CHARGE"
    assert fields["invoiceID"] == row.invoice_id
    assert fields["cardMask"] == row.card_mask
    assert detail.history_table.rowCount() >= 1
    newest = [detail.history_table.item(0, c).text() for c in range(3)]
    assert newest[1].endswith("списано") and newest[2].endswith("CHARGE")


def test_copy_selected_rows_with_a_header(qtbot, synced_window):
    view = synced_window.payments_view
    rows = [view.model.index(r, 0).data(RowRole) for r in (0, 1, 2)]
    view.select_rows([0, 1, 2])
    view.table.setFocus()
    QGuiApplication.clipboard().clear()
    qtbot.keyClick(view.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)

    lines = QGuiApplication.clipboard().text().splitlines()
    assert lines[0].split("\t")[:4] == ["Номер заказа", "Заказ создан", "Покупатель", "Сумма"]
    assert [line.split("\t")[0] for line in lines[1:]] == [r.invoice_id for r in rows]
    first = lines[1].split("\t")
    assert len(first) == len(COLUMNS)
    assert first[column_of("amount")] == str(rows[0].amount.to_decimal()).replace(".", ",")
    assert "Скопировано строк: 3" in synced_window.message_label.text()


@pytest.mark.parametrize("state", [State.HELD, State.FAILED])
def test_count_label_follows_the_filter(qtbot, synced_window, state):
    view = synced_window.payments_view
    with qtbot.waitSignal(view.model.loaded, timeout=10_000):
        view.state_filter.set_selected(frozenset({state.value}))
    n = count_payments(synced_window.ctx, PaymentFilter(states=frozenset({state.value})))
    assert view.count_label.text().startswith(f"{n} платеж")


def test_select_all_is_refused_on_a_list_too_long_to_select(qtbot, synced_window, monkeypatch):
    view = synced_window.payments_view
    total = view.model.rowCount()
    view.table.setFocus()
    monkeypatch.setattr(payments_view, "SELECT_ALL_LIMIT", total - 1)
    qtbot.keyClick(view.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert view.selected_rows() == []
    assert "Сузьте список" in synced_window.message_label.text()

    monkeypatch.setattr(payments_view, "SELECT_ALL_LIMIT", total)
    qtbot.keyClick(view.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert view.selected_rows() == list(range(total))
