"""The dashboard: its figures are the store's own sums, and each opens the list it counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import QPoint, Qt

from halyk_desk.domain import Money
from halyk_desk.services import dashboard as service
from halyk_desk.services.payments import PaymentFilter, list_holds, list_payments
from halyk_desk.store import StoreUnavailable
from halyk_desk.ui.daily_chart import nice_step, short_money
from halyk_desk.ui.dashboard_view import DashboardView, period_bounds
from halyk_desk.ui.roles import RowRole

LOAD_TIMEOUT = 20_000
CAPTURED = frozenset(s.value for s in service.CAPTURED_STATES)
REFUNDED = frozenset(s.value for s in service.REFUNDED_STATES)


def listed(ctx, date_from, date_to, states=CAPTURED):
    return list_payments(ctx, PaymentFilter(date_from=date_from, date_to=date_to, states=states),
                         limit=None)


def test_the_totals_are_the_sums_of_the_payments_list(synced_ctx):
    ctx = synced_ctx
    today = service.business_today(ctx)
    start = today - timedelta(days=29)
    figures = service.dashboard(ctx, start, today)
    rows = listed(ctx, start, today)
    assert rows, "the demo data has captured payments in the last 30 days"
    period = figures.period_totals["KZT"]
    assert period.captured == sum((r.captured for r in rows), Money.zero())
    assert period.refunded == sum((r.refunded for r in rows), Money.zero())
    assert period.net == period.captured - period.refunded
    assert period.count == len(rows)
    assert period.refunded.minor > 0 and any(r.state.value == "refunded" for r in rows)
    # Day by day, each its own list.
    assert [d.day for d in figures.days] == [start + timedelta(days=n) for n in range(30)]
    for day in figures.days[-7:]:
        rows = listed(ctx, day.day, day.day)
        assert day.totals["KZT"].captured == sum((r.captured for r in rows), Money.zero())
        assert day.totals["KZT"].count == len(rows)
    assert figures.today_totals == figures.days[-1].totals


def test_a_period_without_today_still_gives_todays_totals(synced_ctx):
    today = service.business_today(synced_ctx)
    figures = service.dashboard(synced_ctx, *period_bounds("last_month", today))
    assert figures.date_to < today
    assert figures.today_totals == service.daily_totals(synced_ctx, today, today)[0].totals


def test_holds_by_age_cover_every_hold_once(synced_ctx):
    holds = list_holds(synced_ctx)
    buckets = service.hold_buckets(synced_ctx)
    assert [(b.from_days, b.to_days, b.expired) for b in buckets] == [
        (0, 1, False), (1, 3, False), (3, 5, False), (5, 7, False), (7, 7, True)]
    assert sum(b.count for b in buckets) == len(holds) > 0
    assert sorted(i for b in buckets for i in b.invoice_ids) == sorted(h.invoice_id for h in holds)
    assert set(buckets[-1].invoice_ids) == {h.invoice_id for h in holds if h.expired}
    for bucket in buckets[:-1]:
        for hold in holds:
            if hold.invoice_id in bucket.invoice_ids:
                assert not hold.expired
                assert timedelta(days=bucket.from_days) <= hold.age
                assert bucket.to_days == 7 or hold.age < timedelta(days=bucket.to_days)


def test_periods():
    from datetime import date

    today = date(2026, 3, 15)
    assert period_bounds("7", today) == (date(2026, 3, 9), today)
    assert period_bounds("month", today) == (date(2026, 3, 1), today)
    assert period_bounds("last_month", today) == (date(2026, 2, 1), date(2026, 2, 28))


def test_the_money_axis_has_round_steps_and_short_labels():
    assert nice_step(2_340_000_00) == 50_000_000  # 2,34 million tenge: steps of 500 thousand
    assert nice_step(0) == 100
    assert short_money(150_000_000, "KZT") == "1,5 млн ₸"
    assert short_money(50_000_000, "KZT") == "500 тыс. ₸"
    assert short_money(45_000, "KZT") == "450 ₸"


@pytest.fixture
def dashboard(qtbot, synced_window):
    view = synced_window.parts.dashboard
    qtbot.waitUntil(lambda: view.data is not None, timeout=LOAD_TIMEOUT)
    assert synced_window.tabs.currentIndex() == 0 and synced_window.tabs.currentWidget() is view
    return view


def click(qtbot, widget, pos: QPoint | None = None) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pos or widget.rect().center())


def test_the_cards_show_the_services_figures(dashboard, synced_ctx):
    data = dashboard.data
    period = data.period_totals["KZT"]
    assert dashboard.cards["periodCaptured"].value_label.text() == period.captured.format("ru")
    assert dashboard.cards["periodNet"].value_label.text() == period.net.format("ru")
    assert dashboard.cards["periodCount"].value_label.text() == str(period.count)
    assert dashboard.hold_cards[2].title_label.text() == "3–5 д"
    assert dashboard.hold_cards[-1].title_label.text() == "истекли"


@pytest.mark.parametrize(("card", "states"), [
    ("todayCaptured", CAPTURED), ("periodNet", CAPTURED), ("periodRefunded", REFUNDED)])
def test_a_money_card_opens_the_payments_it_counts(qtbot, dashboard, synced_window, card, states):
    payments = synced_window.payments_view
    with qtbot.waitSignal(payments.model.loaded, timeout=LOAD_TIMEOUT) as loaded:
        click(qtbot, dashboard.cards[card])
    assert synced_window.tabs.currentWidget() is payments
    data = dashboard.data
    start = data.today if card.startswith("today") else data.date_from
    shown = payments.current_filter()
    assert (shown.date_from, shown.date_to, shown.states) == (start, data.today, states)
    assert not payments.all_dates_check.isChecked()
    expected = len(listed(synced_window.ctx, start, data.today, states))
    assert loaded.args == [expected]
    if states == CAPTURED:
        assert expected == sum(t.count for t in (
            data.today_totals if card.startswith("today") else data.period_totals).values())


def test_a_day_of_the_chart_opens_that_days_payments(qtbot, dashboard, synced_window):
    chart = dashboard.chart
    busiest = max(range(len(chart.days)), key=lambda n: chart.days[n].captured.minor)
    plot = chart._plot()
    x = int(plot.left() + chart._slot(plot) * (busiest + 0.5))
    assert chart.day_at(x) == busiest
    assert "списано" in chart.tooltip_text(busiest)
    payments = synced_window.payments_view
    with qtbot.waitSignal(payments.model.loaded, timeout=LOAD_TIMEOUT) as loaded:
        click(qtbot, chart, QPoint(x, int(plot.bottom()) - 2))
    day = chart.days[busiest].day
    assert (payments.current_filter().date_from, payments.current_filter().date_to) == (day, day)
    assert loaded.args == [chart.days[busiest].count]


def test_a_hold_bucket_opens_the_holds_tab_with_those_holds_selected(qtbot, dashboard,
                                                                     synced_window):
    index = max(range(len(dashboard.data.holds)), key=lambda n: dashboard.data.holds[n].count)
    bucket = dashboard.data.holds[index]
    click(qtbot, dashboard.hold_cards[index])
    holds = synced_window.holds_view
    assert synced_window.tabs.currentWidget() is holds
    chosen = {holds.model.index(i.row(), 0).data(RowRole).invoice_id
              for i in holds.table.selectionModel().selectedRows()}
    assert chosen == set(bucket.invoice_ids) and len(chosen) == bucket.count > 0


def test_the_unresolved_operations_open_the_journal(qtbot, dashboard, synced_window):
    assert dashboard.operations_card.value_label.text() == "нет"
    click(qtbot, dashboard.operations_card)
    journal = synced_window.parts.operations
    assert synced_window.tabs.currentWidget() is journal
    assert journal.filter_combo.currentIndex() == 0


def test_the_keyboard_opens_a_card_too(qtbot, dashboard, synced_window):
    card = dashboard.cards["periodCaptured"]
    card.setFocus()
    with qtbot.waitSignal(synced_window.payments_view.model.loaded, timeout=LOAD_TIMEOUT):
        qtbot.keyClick(card, Qt.Key.Key_Return)
    assert synced_window.tabs.currentWidget() is synced_window.payments_view


def test_discrepancies_appear_once_reconciliation_plugs_in(qtbot, synced_ctx):
    view = DashboardView(synced_ctx)
    qtbot.addWidget(view)
    view.show()
    with qtbot.waitSignal(view.loaded, timeout=LOAD_TIMEOUT):
        view.start()
    assert not view.discrepancies_card.isVisible()
    opened: list[bool] = []
    with qtbot.waitSignal(view.loaded, timeout=LOAD_TIMEOUT):
        view.set_discrepancy_source(lambda ctx: 3, lambda: opened.append(True))
    assert view.discrepancies_card.isVisible()
    assert view.discrepancies_card.value_label.text() == "3"
    click(qtbot, view.discrepancies_card)
    assert opened == [True]


@pytest.mark.parametrize("error, said", [
    # the program's own error keeps its message
    (StoreUnavailable("database is locked"), "Не удалось прочитать сводку: database is locked. "),
    # a fault of the program is one plain sentence, its traceback in the journal (issue 14)
    (RuntimeError("NoneType has no attribute"), "Не удалось прочитать сводку: Внутренняя ошибка "
     "программы (RuntimeError), действие не выполнено. Подробности сохранены в журнале. "),
], ids=["known", "unexpected"])
def test_a_failed_read_says_what_to_do(qtbot, synced_ctx, error, said):
    view = DashboardView(synced_ctx)
    qtbot.addWidget(view)

    def broken(ctx):
        raise error

    view.set_discrepancy_source(broken, lambda: None)
    qtbot.waitUntil(lambda: view.error_label.text() != "", timeout=LOAD_TIMEOUT)
    assert view.error_label.text().startswith(said)
    assert "«Обновить»" in view.error_label.text()
