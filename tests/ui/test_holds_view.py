"""The Holds tab: held payments by time left, urgent ones highlighted, expired ones marked."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt

from halyk_desk.domain import ALMATY, Money, utc_now
from halyk_desk.services.payments import HoldRow, list_holds
from halyk_desk.ui.holds_model import HOLD_COLUMNS, TIME_LEFT_COLUMN, HoldsModel, prepare
from halyk_desk.ui.roles import RowRole
from halyk_desk.ui.state_look import HOLD_EXPIRED_BACKGROUND, HOLD_WARN_BACKGROUND


def _column(title: str) -> int:
    return next(i for i, column in enumerate(HOLD_COLUMNS) if column.title == title)


def test_holds_are_sorted_by_time_left(synced_window):
    view = synced_window.holds_view
    shown = view.visible_holds()
    assert len(shown) == len(list_holds(synced_window.ctx)) > 1
    lefts = [hold.time_left for hold in shown]
    assert lefts == sorted(lefts)
    assert (
        synced_window.tabs.tabText(synced_window.tabs.indexOf(view)) == f"Блокировки ({len(shown)})"
    )


def test_urgent_and_expired_holds_stand_out(synced_window):
    view = synced_window.holds_view
    today = utc_now().astimezone(ALMATY).date()
    model = view.model
    kinds = set()
    for row, hold in enumerate(view.visible_holds()):
        background = model.index(row, 0).data(Qt.ItemDataRole.BackgroundRole)
        left = model.index(row, TIME_LEFT_COLUMN).data()
        if hold.expired:
            kinds.add("expired")
            assert background == HOLD_EXPIRED_BACKGROUND and left == "истекла"
        elif hold.warn or hold.expires_at.astimezone(ALMATY).date() == today:
            kinds.add("urgent")
            assert background == HOLD_WARN_BACKGROUND and left != "истекла"
        else:
            kinds.add("calm")
            assert background is None and left != "истекла"
    assert {"urgent", "calm"} <= kinds, "the demo month has holds of several ages"
    assert "пора подтвердить" in view.summary_label.text()


def test_hold_row_shows_amount_age_and_expiry(synced_window):
    view = synced_window.holds_view
    hold = view.visible_holds()[0]
    cells = [view.model.index(0, c).data() for c in range(len(HOLD_COLUMNS))]
    assert cells[_column("Номер заказа")] == hold.invoice_id
    assert cells[_column("Сумма")] == hold.amount.format("ru")
    assert cells[_column("Сумма")].endswith("₸")
    assert cells[_column("Истекает")] == hold.expires_at.astimezone(ALMATY).strftime(
        "%d.%m.%Y %H:%M"
    )
    days, hours = divmod(int(hold.age.total_seconds()) // 3600, 24)
    if days:
        assert cells[_column("Возраст")] == f"{days} д {hours} ч"


def test_an_expired_hold_is_marked_and_one_expiring_today_is_highlighted(qapp):
    now = utc_now()
    today = now.astimezone(ALMATY).date()

    def hold(invoice: str, age: timedelta, lifetime: timedelta = timedelta(days=7)) -> HoldRow:
        created = now - age
        return HoldRow(
            invoice_id=invoice,
            transaction_id=None,
            amount=Money(150_000),
            created_at=created,
            age=age,
            expires_at=created + lifetime,
            time_left=created + lifetime - now,
            warn=age >= timedelta(days=5),
            expired=created + lifetime <= now,
            customer=None,
        )

    expired = hold("000000001", timedelta(days=8))
    young_but_today = hold("000000002", timedelta(hours=1), lifetime=timedelta(minutes=90))
    calm = hold("000000003", timedelta(days=1))
    model = HoldsModel()
    model.set_holds(prepare([expired, young_but_today, calm], today))

    def cell(row: int, role=Qt.ItemDataRole.DisplayRole):
        return model.index(row, TIME_LEFT_COLUMN).data(role)

    assert cell(0) == "истекла"
    assert cell(0, Qt.ItemDataRole.BackgroundRole) == HOLD_EXPIRED_BACKGROUND
    assert "нельзя" in cell(0, Qt.ItemDataRole.ToolTipRole)
    if young_but_today.expires_at.astimezone(ALMATY).date() == today:  # not just before midnight
        assert cell(1, Qt.ItemDataRole.BackgroundRole) == HOLD_WARN_BACKGROUND
        assert cell(1) == "30 мин"
    assert cell(2, Qt.ItemDataRole.BackgroundRole) is None
    assert cell(2) == "6 д 0 ч"


def test_a_reload_keeps_the_holds_the_manager_chose(qtbot, synced_window):
    view = synced_window.holds_view
    chosen = {hold.invoice_id for hold in view.visible_holds()[1:3]}
    assert view.select_holds(lambda hold: hold.invoice_id in chosen) == 2

    with qtbot.waitSignal(view.loaded, timeout=10_000):
        view.refresh()

    rows = view.table.selectionModel().selectedRows()
    assert {index.data(RowRole).invoice_id for index in rows} == chosen


def test_a_header_click_sorts_the_holds_and_the_selection_stays_on_them(qtbot, synced_window):
    view = synced_window.holds_view
    holds = view.visible_holds()
    assert len(holds) > 3
    chosen = {holds[0].invoice_id, holds[-1].invoice_id}
    view.select_holds(lambda hold: hold.invoice_id in chosen)
    header = view.table.horizontalHeader()

    header.setSortIndicator(_column("Сумма"), Qt.SortOrder.DescendingOrder)
    amounts = [hold.amount.minor for hold in view.visible_holds()]
    assert amounts == sorted(amounts, reverse=True)
    header.setSortIndicator(_column("Покупатель"), Qt.SortOrder.AscendingOrder)
    customers = [hold.customer for hold in view.visible_holds()]
    named = [c for c in customers if c is not None]
    assert customers == sorted(named) + [None] * (len(customers) - len(named))
    # Equal keys keep the service's order (time left): a stable sort.
    header.setSortIndicator(_column("Платёж создан"), Qt.SortOrder.AscendingOrder)
    header.setSortIndicator(_column("Осталось"), Qt.SortOrder.AscendingOrder)
    assert view.visible_holds() == holds

    rows = view.table.selectionModel().selectedRows()
    assert {index.data(RowRole).invoice_id for index in rows} == chosen
