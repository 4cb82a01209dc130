"""The Сверка tab on the synced demo month: run, summary cards, the discrepancy list and its
filter, drill-down into the payment, "mark resolved" and the export (Ctrl+E) with injected
dialogs, progress and cancel, the dashboard's card."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt

from halyk_desk.reconcile import ATTENTION, CATEGORIES, TITLES
from halyk_desk.services import reconciliation as service
from halyk_desk.services.dashboard import business_today
from halyk_desk.ui import formatting as fmt
from halyk_desk.ui import i18n
from halyk_desk.ui.reconciliation_model import CATEGORY_TITLES, COLUMNS
from halyk_desk.ui.reconciliation_view import MarkDialog, percent_text


def _column(title: str) -> int:
    return next(n for n, c in enumerate(COLUMNS) if c.title == title)


def test_category_names_are_the_engines_in_russian():
    assert CATEGORY_TITLES == TITLES


@pytest.fixture
def view(synced_window):
    view = synced_window.parts.reconciliation
    synced_window.tabs.setCurrentWidget(view)
    return view


@pytest.fixture
def ran(qtbot, view):
    """The tab after a run over the demo month."""
    today = business_today(view._ctx)
    view.set_period(today - timedelta(days=31), today)
    with qtbot.waitSignal(view.ran, timeout=60_000) as done:
        qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    return view, done.args[0]


def test_the_tab_follows_holds_and_starts_at_yesterday(synced_window, view):
    tabs = synced_window.tabs
    assert tabs.tabText(tabs.indexOf(view)) == "Сверка"
    assert tabs.indexOf(view) == tabs.indexOf(synced_window.holds_view) + 1
    yesterday = business_today(view._ctx) - timedelta(days=1)
    assert view.period() == (yesterday, yesterday)
    assert not view.export_button.isEnabled() and not view.cards_box.isVisible()


def test_dates_never_make_an_empty_period(view):
    first, last = view.period()
    view.from_edit.setDate(view.from_edit.date().addDays(3))
    assert view.period()[0] == view.period()[1] == first + timedelta(days=3)
    view.to_edit.setDate(view.to_edit.date().addDays(-10))
    assert view.period()[0] == view.period()[1] == last - timedelta(days=7)


def test_a_run_shows_the_cards_and_every_discrepancy(ran):
    view, recon = ran
    r = recon.result
    assert view.cards_box.isVisible() and view.export_button.isEnabled()
    assert view.cards["ordered"].value_label.text() == fmt.money_text(r.ordered)
    assert view.cards["net"].value_label.text() == fmt.money_text(r.net)
    assert view.cards["match_rate"].value_label.text() == percent_text(r.match_rate)
    assert percent_text(Decimal("0.9512")) == ("95.12 %" if i18n.current() == "en" else "95,12 %")
    for key in CATEGORIES:
        card = view.category_cards[key]
        assert card.title_label.text() == TITLES[key]
        assert card.value_label.text() == fmt.grouped(r.categories[key].count)
        assert card.detail_label.text().startswith(fmt.money_text(r.categories[key].sum))
    assert view.category_cards["amount_mismatch"].property("tone") == "alarm"
    assert view.category_cards["matched"].property("tone") == ""
    assert Counter((d.category, d.key) for d in view.visible_items()) == \
        Counter((d.category, d.key) for d in r.discrepancies)
    assert "Asia/Almaty" in view.status_label.text()
    assert recon.run_id == service.list_runs(view._ctx)[0].id


def test_amounts_are_right_aligned_in_tenge_and_categories_in_russian(ran):
    view, _ = ran
    view.show_category("amount_mismatch")
    item = view.visible_items()[0]
    for title in ("В магазине", "В банке", "Разница"):
        index = view.proxy.index(0, _column(title))
        assert index.data().endswith("₸")
        assert index.data(Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight
    assert view.proxy.index(0, _column("В банке")).data() == fmt.money_text(item.bank_amount)
    assert view.proxy.index(0, _column("Категория")).data() == "Расхождение суммы"


def test_the_list_filters_by_category_and_hides_what_is_resolved(qtbot, ran):
    view, recon = ran
    qtbot.mouseClick(view.category_cards["missing_at_bank"], Qt.MouseButton.LeftButton)
    shown = view.visible_items()
    assert shown and {d.category for d in shown} == {"missing_at_bank"}
    assert len(shown) == recon.result.categories["missing_at_bank"].count
    assert view.category_combo.currentText() == "Нет оплаты в банке"
    assert [view.category_combo.itemText(i) for i in range(1, view.category_combo.count())] == \
        [TITLES[k] for k in CATEGORIES if k in ATTENTION]
    view.show_category(None)
    assert len(view.visible_items()) == len(recon.result.discrepancies)


def test_drill_down_shows_the_payment_or_says_no_order_claims_it(qtbot, ran):
    view, _ = ran
    view.show_category("amount_mismatch")
    item = view.visible_items()[0]
    view.select_row(0)
    qtbot.waitUntil(lambda: view.detail.detail is not None
                    and view.detail.detail.row.invoice_id == item.invoice_id, timeout=20_000)
    assert view.detail.isVisibleTo(view)
    assert str(item.message) in view.item_label.text().replace("&gt;", ">")
    assert view.mark_button.isEnabled()

    view.show_category("unknown_to_shop")
    stranger = view.visible_items()[0]
    view.select_row(0)
    assert not view.detail.isVisibleTo(view)
    assert "Заказа нет в магазине" in view.item_label.text()
    assert stranger.transaction_id in view.item_label.text()


def test_mark_resolved_through_the_dialog_is_kept_by_the_next_run(qtbot, synced_window, ran):
    view, recon = ran
    shown: list = []
    view.open_dialog = shown.append
    view.show_category("missing_at_bank")
    item = view.visible_items()[0]
    view.select_row(0)
    qtbot.mouseClick(view.mark_button, Qt.MouseButton.LeftButton)
    [dialog] = shown
    assert isinstance(dialog, MarkDialog)
    ok = dialog.buttons.buttons()[0]
    assert not ok.isEnabled()  # a note is required
    dialog.note_edit.setPlainText("Покупатель отказался, заказ отменён")
    assert ok.isEnabled()
    with qtbot.waitSignal(view.marked, timeout=20_000) as marked:
        dialog.accept()
    now = marked.args[0]
    assert now.key == item.key and now.mark.note == "Покупатель отказался, заказ отменён"
    assert "решено: 1" in view.category_cards["missing_at_bank"].detail_label.text()
    assert "Покупатель отказался" in view.proxy.index(0, _column("Решено")).data()
    view.resolved_check.setChecked(False)
    assert item.key not in {d.key for d in view.visible_items()}
    dialog.deleteLater()
    qtbot.waitUntil(lambda: synced_window.parts.dashboard.discrepancies == recon.open_count - 1,
                    timeout=20_000)

    with qtbot.waitSignal(view.ran, timeout=60_000) as again:
        view.run()
    later = next(d for d in again.args[0].result.discrepancies if d.key == item.key)
    assert later.resolved and later.mark.note == "Покупатель отказался, заказ отменён"


def test_ctrl_e_exports_the_workbook_with_progress(qtbot, synced_window, ran, tmp_path):
    view, recon = ran
    asked: list[str] = []

    def ask(_parent, suggested: str) -> str:
        asked.append(suggested)
        return str(tmp_path / "сверка")  # no extension: .xlsx is added

    view.ask_save_path = ask
    values: list[int] = []
    view.progress_bar.valueChanged.connect(values.append)
    assert synced_window.menus.export_action.isEnabled()
    with qtbot.waitSignal(view.exported, timeout=60_000) as done:
        synced_window.menus.export_action.trigger()
    path = done.args[0]
    assert path == tmp_path / "сверка.xlsx" and asked[0].endswith(".xlsx")
    assert values and values[-1] == view.progress_bar.maximum() > 0
    wb = load_workbook(path)
    assert wb.sheetnames[0] == "Сводка"
    assert wb["Расхождения"].max_row >= len(recon.result.discrepancies) + 1
    assert str(path) in synced_window.message_label.text()


def test_cancel_stops_a_run_and_an_export_and_nothing_is_written(qtbot, ran, tmp_path):
    view, _ = ran
    ctx = view._ctx
    runs = len(service.list_runs(ctx))
    # While the test holds the store's write lock the worker waits at its first step, so the
    # cancel surely comes first.
    with ctx.store.session():
        view.run()
        assert view.cancel_button.isVisible()
        qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(view.failed, timeout=60_000) as failed:
        pass
    assert "отменена" in failed.args[0]
    assert len(service.list_runs(ctx)) == runs

    out = tmp_path / "out"
    out.mkdir()
    view.ask_save_path = lambda _parent, _suggested: str(out / "сверка.xlsx")
    with ctx.store.session():
        view.export()
        view.cancel()
    with qtbot.waitSignal(view.failed, timeout=60_000) as failed:
        pass
    assert "отменён" in failed.args[0]
    assert list(out.iterdir()) == []
    assert view.run_button.isEnabled() and not view.cancel_button.isVisible()


def test_an_empty_period_says_what_to_do(qtbot, view, notifier):
    view.set_period(business_today(view._ctx) - timedelta(days=3650),
                    business_today(view._ctx) - timedelta(days=3650))
    with qtbot.waitSignal(view.failed, timeout=30_000) as failed:
        view.run()
    assert "сверять нечего" in failed.args[0]
    assert view.status_label.text() == failed.args[0]
    assert notifier.errors == []


def test_export_before_a_run_asks_for_a_run_first(view, notifier):
    asked: list[str] = []
    view.ask_save_path = lambda _parent, suggested: asked.append(suggested)
    view.export()
    assert asked == [] and "Сначала выполните сверку" in notifier.infos[0][1]


def test_the_dashboard_card_opens_the_open_discrepancies(qtbot, synced_window, ran):
    view, recon = ran
    dashboard = synced_window.parts.dashboard
    qtbot.waitUntil(lambda: dashboard.discrepancies == recon.open_count, timeout=20_000)
    synced_window.tabs.setCurrentIndex(0)
    assert dashboard.discrepancies_card.isVisibleTo(dashboard)
    qtbot.mouseClick(dashboard.discrepancies_card, Qt.MouseButton.LeftButton)
    assert synced_window.tabs.currentWidget() is view
    assert not view.resolved_check.isChecked()


def test_the_dashboard_card_runs_the_latest_period_when_nothing_is_shown(qtbot, synced_window,
                                                                         view):
    today = business_today(view._ctx)
    recorded = service.run_reconciliation(view._ctx, today - timedelta(days=20), today)
    dashboard = synced_window.parts.dashboard
    dashboard.refresh()
    qtbot.waitUntil(lambda: dashboard.discrepancies == recorded.open_count, timeout=20_000)
    synced_window.tabs.setCurrentIndex(0)
    with qtbot.waitSignal(view.ran, timeout=60_000) as ran:
        qtbot.mouseClick(dashboard.discrepancies_card, Qt.MouseButton.LeftButton)
    assert synced_window.tabs.currentWidget() is view
    assert view.period() == (today - timedelta(days=20), today)
    assert ran.args[0].open_count == recorded.open_count
    assert len(view.visible_items()) == recorded.open_count  # the open ones only
