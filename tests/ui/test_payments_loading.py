"""How the Payments list loads: rows before their count, blocks by key while scrolling, and a
refresh asked for during a load (on the synced demo data, small blocks)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, Qt

from halyk_desk.services import payments as payment_service
from halyk_desk.services.payments import PaymentFilter, list_payments
from halyk_desk.ui import payments_model, tasks
from halyk_desk.ui.payments_model import PaymentsModel, column_of
from halyk_desk.ui.roles import RowRole

BLOCK = 25


class Gate:
    """Holds every call of a service function until opened (the real function runs then)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
        self._open = threading.Event()
        real = getattr(payment_service, name)

        def gated(*args: Any, **kwargs: Any) -> Any:
            assert self._open.wait(30), "the gate was never opened"
            return real(*args, **kwargs)

        self._monkeypatch, self._name, self._gated = monkeypatch, name, gated

    def close(self) -> None:
        self._monkeypatch.setattr(payment_service, self._name, self._gated)

    def open(self) -> None:
        self._open.set()


@pytest.fixture
def count_gate(monkeypatch) -> Iterator[Gate]:
    gate = Gate(monkeypatch, "count_payments")
    yield gate
    gate.open()  # never leave a worker waiting


def _shown(qtbot, model, rows) -> list:
    for r in rows:
        if model.row_at(r) is None:
            qtbot.waitUntil(lambda r=r: model.row_at(r) is not None, timeout=10_000)
    return [model.index(r, 0).data(RowRole) for r in rows]


def test_rows_show_before_their_count_and_the_list_grows_when_it_comes(
    qtbot, synced_ctx, open_window, monkeypatch, count_gate
):
    monkeypatch.setattr(payments_model, "BLOCK_SIZE", BLOCK)
    view = open_window(synced_ctx).payments_view
    model = view.model
    states = [r.state for r in list_payments(synced_ctx, PaymentFilter(), limit=None)]
    common = max(set(states), key=states.count)
    flt = PaymentFilter(states=frozenset({common.value}))
    expected = list_payments(synced_ctx, flt, limit=None)
    assert len(expected) > BLOCK

    count_gate.close()
    with qtbot.waitSignal(model.rows_ready, timeout=10_000):
        view.state_filter.set_selected(frozenset({common.value}))
    assert model.counting and model.rowCount() == BLOCK
    assert _shown(qtbot, model, range(BLOCK)) == expected[:BLOCK]
    assert view.count_label.text() == "Подсчёт строк…"

    with qtbot.waitSignal(model.loaded, timeout=10_000) as counted:
        count_gate.open()
    assert counted.args == [len(expected)]
    assert not model.counting and model.rowCount() == len(expected)
    assert view.count_label.text().startswith(f"{len(expected)} платеж")
    assert _shown(qtbot, model, range(len(expected))) == expected


@pytest.mark.parametrize(("sort", "descending"), [("amount", False), ("amount", True),
                                                  ("created_at", True), ("invoice_id", False)])
def test_scrolling_fetches_each_next_block_by_key_and_shows_the_same_rows(
    qtbot, synced_ctx, monkeypatch, sort, descending
):
    asked: list[dict[str, Any]] = []
    real = payment_service.list_payments

    def recorded(*args: Any, **kwargs: Any) -> Any:
        asked.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(payment_service, "list_payments", recorded)
    expected = real(synced_ctx, PaymentFilter(), sort=sort, descending=descending, limit=None)
    last = len(expected) - 1
    assert last > 4 * BLOCK

    def loaded_model() -> PaymentsModel:
        model = PaymentsModel(synced_ctx, block_size=BLOCK)
        with qtbot.waitSignal(model.loaded, timeout=10_000):
            model.set_filter(PaymentFilter())
        order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        with qtbot.waitSignal(model.loaded, timeout=10_000):
            model.sort(column_of(sort), order)
        asked.clear()
        return model

    # Down from the top: every block after the first one in memory comes after its last row.
    down = loaded_model()
    assert _shown(qtbot, down, range(last + 1)) == expected
    assert [a["after"] for a in asked] == [
        expected[n * BLOCK - 1].invoice_id for n in range(1, last // BLOCK + 1)]

    # Up from the bottom: a jump there by offset, then each block before the one in memory
    # (block 1 comes after block 0, the first one loaded).
    up = loaded_model()
    assert _shown(qtbot, up, range(last, -1, -1)) == expected[::-1]
    jump, *rest = asked
    assert (jump["offset"], jump["after"], jump["before"]) == (last // BLOCK * BLOCK, None, None)
    assert [(a["after"], a["before"]) for a in rest] == [
        (None, expected[(n + 1) * BLOCK].invoice_id) if n > 1
        else (expected[BLOCK - 1].invoice_id, None)
        for n in range(last // BLOCK - 1, 0, -1)]


def test_a_refresh_asked_for_during_a_load_is_what_loaded_waits_for(
    qtbot, synced_ctx, count_gate
):
    total = len(list_payments(synced_ctx, PaymentFilter(), limit=None))
    model = PaymentsModel(synced_ctx, block_size=BLOCK)
    loaded: list[int] = []
    model.loaded.connect(loaded.append)
    count_gate.close()
    with qtbot.waitSignal(model.rows_ready, timeout=10_000):
        model.set_filter(PaymentFilter())
    model.refresh()  # a sync ended, say, while the list was still being counted
    assert model.rowCount() == BLOCK and not model.ready

    with qtbot.waitSignal(model.loaded, timeout=10_000):
        count_gate.open()
    # Whichever of the two counts came second is delivered too, and changes nothing.
    assert tasks.wait_for_tasks(10_000)
    QCoreApplication.processEvents()
    assert loaded == [total]
    assert model.ready and model.rowCount() == total
    assert model.row_at(0) == list_payments(synced_ctx, PaymentFilter(), limit=BLOCK)[0]


def test_a_block_scrolled_past_is_given_up_and_the_one_in_sight_comes(qtbot, synced_ctx,
                                                                        monkeypatch):
    everything = list_payments(synced_ctx, PaymentFilter(), limit=None)
    far, near = 2, len(everything) // BLOCK - 1
    real = payment_service.list_payments
    held: list[threading.Event] = []

    def slow_for_far_block(*args: Any, **kwargs: Any) -> Any:
        # The block scrolled past is a query that runs until it is given up.
        if kwargs.get("offset") == far * BLOCK:
            held.append(kwargs["cancel"])
            assert kwargs["cancel"].wait(30), "the fetch was not given up"
            raise RuntimeError("interrupted")
        return real(*args, **kwargs)

    monkeypatch.setattr(payment_service, "list_payments", slow_for_far_block)
    model = PaymentsModel(synced_ctx, block_size=BLOCK)
    failed: list[str] = []
    model.failed.connect(failed.append)
    sight = [range(far * BLOCK, far * BLOCK + 10)]
    model.set_visible_rows(lambda: sight[0])
    with qtbot.waitSignal(model.loaded, timeout=10_000):
        model.set_filter(PaymentFilter())

    assert model.row_at(far * BLOCK) is None  # asked for; its query starts and hangs
    qtbot.waitUntil(lambda: bool(held), timeout=10_000)
    sight[0] = range(near * BLOCK, near * BLOCK + 10)  # the scroll bar dragged on
    rows = _shown(qtbot, model, sight[0])
    assert held[0].is_set()
    assert rows == everything[near * BLOCK:near * BLOCK + 10]
    assert failed == []


def test_a_refresh_keeps_the_rows_and_the_count_shown_until_it_is_in(
    qtbot, synced_window, count_gate
):
    view = synced_window.payments_view
    model = view.model
    label, first = view.count_label.text(), model.row_at(0)
    count_gate.close()
    with qtbot.assertNotEmitted(model.loading):
        view.refresh()  # as after a sync
    assert view.count_label.text() == label and model.row_at(0) == first
    with qtbot.waitSignal(model.loaded, timeout=10_000):
        count_gate.open()
    assert view.count_label.text() == label and model.row_at(0) == first


def test_neighbouring_blocks_asked_for_in_one_paint_come_in_one_query(qtbot, synced_ctx,
                                                                     monkeypatch):
    asked: list[dict[str, Any]] = []
    real = payment_service.list_payments

    def recorded(*args: Any, **kwargs: Any) -> Any:
        asked.append(kwargs)
        return real(*args, **kwargs)

    everything = real(synced_ctx, PaymentFilter(), limit=None)
    monkeypatch.setattr(payment_service, "list_payments", recorded)
    model = PaymentsModel(synced_ctx, block_size=BLOCK)
    with qtbot.waitSignal(model.loaded, timeout=10_000):
        model.set_filter(PaymentFilter())
    asked.clear()
    # Rows in sight across a block boundary, as a view paints them: top to bottom.
    sight = range(6 * BLOCK - 5, 6 * BLOCK + 5)
    assert [model.row_at(r) for r in sight] == [None] * len(sight)
    assert _shown(qtbot, model, sight) == everything[sight.start:sight.stop]
    assert [(a["offset"], a["limit"]) for a in asked] == [(5 * BLOCK, 2 * BLOCK)]
