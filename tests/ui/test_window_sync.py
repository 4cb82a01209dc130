"""Sync from the window: F5, a progress bar with done/total, Cancel, and a summary when done."""

from __future__ import annotations

from functools import partial

import pytest
from PySide6.QtCore import Qt

from halyk_desk.domain import State
from halyk_desk.epay import EpayClient, EpayProfile
from halyk_desk.sandbox import TEST_CLIENT_ID, TEST_CLIENT_SECRET, TEST_TERMINAL, SandboxServer
from halyk_desk.services.bank import load_sandbox_bank
from halyk_desk.services.payments import PaymentFilter, count_payments, last_sync
from halyk_desk.services.sync import sync_statuses
from halyk_desk.ui.main_window import MainWindow


def _record_progress(panel) -> list[tuple[int, int]]:
    seen: list[tuple[int, int]] = []
    panel.progress_bar.valueChanged.connect(
        lambda value: seen.append((value, panel.progress_bar.maximum()))
    )
    return seen


def test_f5_syncs_with_progress_and_says_what_happened(qtbot, window):
    ctx, panel = window.ctx, window.sync_panel
    unread = count_payments(ctx, PaymentFilter(states=frozenset({State.UNKNOWN.value})))
    assert unread > 0, "the demo data starts unread"
    seen = _record_progress(panel)

    with qtbot.waitSignal(panel.finished, timeout=60_000):
        qtbot.keyClick(window, Qt.Key.Key_F5)
        assert panel.running and panel.cancel_button.isVisible()
        assert not panel.sync_button.isEnabled()

    summary = panel.last_summary
    assert summary is not None and not summary.cancelled
    assert summary.read == unread
    assert seen and seen[-1] == (unread, unread), "the bar ends full: done == total"
    assert not panel.progress_bar.isVisible() and not panel.cancel_button.isVisible()
    assert panel.sync_button.isEnabled()
    message = window.message_label.text()
    assert message.startswith("Синхронизация завершена")
    assert f"прочитано {summary.read}" in message
    assert f"нет в банке {summary.not_found}" in message
    # The views read again: no order is left unread, and the held ones are on the Holds tab.
    qtbot.waitUntil(lambda: panel.last_sync_label.text().startswith("Синхронизация: "))
    assert count_payments(ctx, PaymentFilter(states=frozenset({State.UNKNOWN.value}))) == 0
    model = window.payments_view.model
    qtbot.waitUntil(lambda: getattr(model.row_at(0), "state", State.UNKNOWN) != State.UNKNOWN)
    assert last_sync(ctx).status == "finished"


@pytest.fixture
def slow_bank(ctx):
    """The same sandbox books behind a server that takes 40 ms per reply, so Cancel can be hit."""
    with SandboxServer(load_sandbox_bank(ctx), latency_ms=40) as server:
        profile = EpayProfile(
            name="sandbox",
            oauth_url=server.oauth_url,
            api_url=server.api_url,
            client_id=TEST_CLIENT_ID,
            terminal_id=TEST_TERMINAL,
            secret=TEST_CLIENT_SECRET,
        )
        with EpayClient(profile) as client:
            yield client


def test_cancel_stops_the_sync_and_keeps_what_was_read(qtbot, ctx, notifier, slow_bank):
    window = MainWindow(
        ctx, notifier=notifier, sync=partial(sync_statuses, client=slow_bank, concurrency=2)
    )
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.payments_view.model.loaded, timeout=30_000):
        window.start()
    panel = window.sync_panel
    seen = _record_progress(panel)

    panel.sync_button.click()
    qtbot.waitUntil(lambda: panel.progress_bar.value() >= 4, timeout=30_000)
    assert "из" in panel.progress_bar.text() and "осталось" in panel.rate_label.text()
    with qtbot.waitSignal(panel.finished, timeout=30_000):
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
        assert not panel.cancel_button.isEnabled(), "one click is enough; it says it is stopping"

    summary = panel.last_summary
    assert summary.cancelled
    total = seen[-1][1]
    assert 0 < summary.read < total
    assert window.message_label.text().startswith("Синхронизация остановлена")
    assert last_sync(ctx).status == "cancelled"
    still_unread = count_payments(ctx, PaymentFilter(states=frozenset({State.UNKNOWN.value})))
    assert still_unread == total - summary.read - sum(summary.errors_by_kind.values())
    assert panel.sync_button.isEnabled() and not panel.progress_bar.isVisible()
    assert notifier.errors == []


def test_while_another_computer_syncs_the_panel_shows_its_progress(qtbot, window, tmp_path):
    from halyk_desk.services.sync import SyncProgress

    window.resize(1366, 768)
    panel = window.sync_panel
    panel._show_running(True)
    panel._progress(SyncProgress(done=1200, total=5000, rate_per_s=0.0, eta_s=None, changed=0,
                                 errors=0, waiting=True))
    qtbot.wait(50)
    assert panel.progress_bar.text() == "1\u00a0200 из 5\u00a0000"
    assert panel.rate_label.text() == "синхронизирует другой компьютер, ждём"
    assert "прочитаем только то, что он оставит" in panel.rate_label.toolTip()
    assert window.grab().save(str(tmp_path / "sync-waiting-1366.png"))
