"""Starting the window: the sandbox with demo data on first run, a clear message when it cannot."""

from __future__ import annotations

from halyk_desk.services.payments import PaymentFilter, count_payments
from halyk_desk.ui.app import build_window, run_window


def test_first_run_opens_on_the_sandbox_with_demo_data_and_the_badge(qtbot, make_args, notifier):
    window = build_window(make_args(), notifier)
    assert window is not None
    qtbot.addWidget(window)
    # The frame paints first; the data are opened once it has, and the tabs built after.
    with qtbot.waitSignal(window.ready, timeout=30_000):
        window.show()
    view = window.payments_view
    # start() runs by itself: it seeds the sandbox bank and imports its order export.
    qtbot.waitUntil(lambda: view.model.ready, timeout=30_000)

    assert notifier.errors == []
    assert window.sandbox_badge.isVisible()
    assert "ПЕСОЧНИЦА" in window.sandbox_badge.text()
    assert "sandbox" in window.windowTitle()
    total = count_payments(window.ctx, PaymentFilter())
    assert total > 0
    assert view.model.rowCount() == total
    count = view.count_label.text()
    assert "".join(ch for ch in count if ch.isdigit()) == str(total) and "плат" in count
    assert window.sync_panel.sync_button.isEnabled()
    last_sync = window.sync_panel.last_sync_label
    qtbot.waitUntil(lambda: last_sync.text() == "Синхронизации ещё не было", timeout=10_000)


def test_a_bad_database_url_is_explained_and_the_start_fails(make_args, notifier):
    assert run_window(make_args(db="nosuchdb://where"), notifier=notifier) == 1
    [(title, text)] = notifier.errors
    assert "не запустился" in title
    assert "HALYK_DESK_DB" in text and "--db" in text


def test_unreadable_settings_are_explained(make_args, notifier, tmp_path):
    home = tmp_path / "broken-home"
    (home / "config").mkdir(parents=True)
    (home / "config" / "settings.json").write_text("{not json", encoding="utf-8")
    assert build_window(make_args(home=str(home)), notifier) is None
    [(_title, text)] = notifier.errors
    assert "settings.json" in text
