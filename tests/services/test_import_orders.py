"""services.orders.import_orders: every row or none, the same rows twice change nothing, and a
re-import that contradicts the store is refused with every conflict listed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sync_helpers import PROFILE, order_count, write_csv

from halyk_desk.domain import Money, utc_now
from halyk_desk.imports import ImportFailed
from halyk_desk.sandbox import SandboxBank
from halyk_desk.sandbox.demo import seed_demo, write_bitrix_csv
from halyk_desk.services.orders import import_orders
from halyk_desk.services.payments import PaymentFilter, list_payments
from halyk_desk.store import repository

HEADER = ["Номер заказа", "Сумма", "Валюта", "Дата создания", "Покупатель", "Оплачен", "Статус"]
GOOD = [
    HEADER,
    ["000123456", "1 500,00", "KZT", "01.11.2026 10:30:00", "Иванова Ольга", "Да", "Оплачен"],
    ["123457", "250,50", "KZT", "01.11.2026 12:00:00", "Ким Виктор", "Нет", "Принят"],
    ["987654321012345", "99,99", "USD", "02.11.2026 00:15:00", "Ли Алина", "Да", "Выполнен"],
]


def stored(ctx):
    with ctx.store.session(readonly=True) as session:
        return repository.get_orders(session, PROFILE, ["000123456", "123457", "987654321012345"])


def test_a_good_file_is_imported_with_its_values(ctx, tmp_path):
    summary = import_orders(ctx, write_csv(tmp_path / "orders.csv", GOOD))

    assert (summary.added, summary.unchanged, summary.updated) == (3, 0, 0)
    assert summary.source_file == "orders.csv"
    orders = stored(ctx)
    first = orders["000123456"]  # leading zeros kept
    assert (first.amount_minor, first.currency, first.customer) == (1500_00, "KZT", "Иванова Ольга")
    # Almaty local time in the file, UTC in the store.
    assert first.created_at == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert (first.shop_paid, first.shop_status, first.source_row) == (True, "Оплачен", 2)
    assert orders["987654321012345"].currency == "USD"
    rows = list_payments(ctx, PaymentFilter(), limit=None)
    assert {r.state.value for r in rows} == {"unknown"}  # not read from the bank yet


def test_the_same_file_again_changes_nothing(ctx, tmp_path):
    path = write_csv(tmp_path / "orders.csv", GOOD)
    import_orders(ctx, path)
    before = stored(ctx)

    again = import_orders(ctx, path)

    assert (again.added, again.unchanged, again.updated) == (0, 3, 0)
    assert stored(ctx) == before


def test_a_new_shop_status_updates_the_order(ctx, tmp_path):
    import_orders(ctx, write_csv(tmp_path / "orders.csv", GOOD))
    changed = [row[:] for row in GOOD]
    changed[2][5:7] = ["Да", "Оплачен"]

    summary = import_orders(ctx, write_csv(tmp_path / "later.csv", changed))

    assert (summary.added, summary.unchanged, summary.updated) == (0, 2, 1)
    assert (stored(ctx)["123457"].shop_paid, stored(ctx)["123457"].shop_status) == (True, "Оплачен")


def test_the_demo_1c_bitrix_export_is_imported_as_it_comes(ctx, tmp_path):
    orders = seed_demo(SandboxBank(), now=utc_now(), seed=3)
    path = tmp_path / "bitrix.csv"
    rows = write_bitrix_csv(path, orders)  # cp1251, semicolons, extra columns

    summary = import_orders(ctx, path)

    assert (summary.added, summary.unchanged) == (rows, 0)
    assert order_count(ctx) == rows
    exported = next(o for o in orders if o.in_export)
    found = list_payments(ctx, PaymentFilter(text=exported.invoice_id), limit=None)
    stored_row = next(r for r in found if r.invoice_id == exported.invoice_id)
    assert stored_row.amount == exported.amount
    assert stored_row.customer == exported.customer
    assert stored_row.created_at == exported.created_at.replace(microsecond=0)
    assert any("E-mail" in w for w in summary.warnings)  # columns it does not need, said so
    assert import_orders(ctx, path).unchanged == rows


BAD_ROWS = {
    "amount": (["123458", "сто тенге", "KZT", "01.11.2026 10:00:00", "", "", ""], "Сумма"),
    "date": (["123458", "100,00", "KZT", "31.02.2026 10:00:00", "", "", ""], "Дата создания"),
    "invoice_id": (["12345", "100,00", "KZT", "01.11.2026 10:00:00", "", "", ""], "Номер заказа"),
}


@pytest.mark.parametrize("kind", sorted(BAD_ROWS))
def test_one_bad_row_imports_nothing_and_names_its_row(ctx, tmp_path, kind):
    bad, column = BAD_ROWS[kind]
    path = write_csv(tmp_path / "orders.csv", [*GOOD, bad])

    with pytest.raises(ImportFailed) as failed:
        import_orders(ctx, path)

    assert [(e.row, e.column) for e in failed.value.errors] == [(5, column)]
    assert "Nothing was imported" in str(failed.value)
    assert order_count(ctx) == 0


def test_a_duplicate_in_the_file_imports_nothing_and_names_both_rows(ctx, tmp_path):
    path = write_csv(tmp_path / "orders.csv", [*GOOD, GOOD[2]])

    with pytest.raises(ImportFailed) as failed:
        import_orders(ctx, path)

    assert sorted(e.row for e in failed.value.errors) == [3, 5]
    assert order_count(ctx) == 0


def test_every_problem_of_a_file_is_listed_at_once(ctx, tmp_path):
    path = write_csv(tmp_path / "orders.csv",
                     [*GOOD, BAD_ROWS["amount"][0], BAD_ROWS["date"][0][:1] + ["x"] * 6])

    with pytest.raises(ImportFailed) as failed:
        import_orders(ctx, path)

    assert {e.row for e in failed.value.errors} == {5, 6}
    assert len(failed.value.errors) >= 3
    assert order_count(ctx) == 0


@pytest.mark.parametrize("content", [b"", b"\x00\x01binary\x02" * 50, "Ничего;тут\n".encode()])
def test_a_file_that_is_not_an_order_list_imports_nothing(ctx, tmp_path, content):
    path = tmp_path / "orders.csv"
    path.write_bytes(content)

    with pytest.raises(ImportFailed) as failed:
        import_orders(ctx, path)

    assert failed.value.errors
    assert order_count(ctx) == 0


def test_a_conflicting_reimport_is_refused_whole_with_every_conflict(ctx, tmp_path):
    import_orders(ctx, write_csv(tmp_path / "orders.csv", GOOD))
    before = stored(ctx)
    changed = [row[:] for row in GOOD]
    changed[1][1] = "1 600,00"  # another amount
    changed[2][3] = "02.11.2026 12:00:00"  # another date
    changed.append(["555555", "10,00", "KZT", "03.11.2026 09:00:00", "", "", ""])  # a new order

    with pytest.raises(ImportFailed) as failed:
        import_orders(ctx, write_csv(tmp_path / "changed.csv", changed))

    assert [(e.row, e.column) for e in failed.value.errors] == [
        (2, "Сумма"), (3, "Дата создания")]
    assert Money(1500_00).format("en") in str(failed.value.errors[0])  # what the store holds
    assert stored(ctx) == before
    assert order_count(ctx) == 3  # the new order was not added either


def test_a_mapping_names_columns_it_would_not_know(ctx, tmp_path):
    path = write_csv(tmp_path / "orders.csv", [
        ["Order No", "Total", "When"],
        ["777777", "12.50", "2026-11-03 10:00"],
    ], delimiter=",")

    summary = import_orders(ctx, path, {"invoice_id": "Order No", "amount": "Total",
                                        "created_at": "When"})

    assert summary.added == 1
    order = list_payments(ctx, PaymentFilter(), limit=None)[0]
    assert (order.invoice_id, order.amount) == ("777777", Money(12_50))


def test_without_a_date_column_new_orders_are_dated_now_and_keep_it(ctx, tmp_path):
    path = write_csv(tmp_path / "orders.csv", [["invoiceId", "Amount"], ["424242", "100"]],
                     delimiter=",")
    before = utc_now()
    import_orders(ctx, path)
    first = list_payments(ctx, PaymentFilter(), limit=None)[0].created_at

    again = import_orders(ctx, path)

    assert first >= before.replace(microsecond=0)
    assert again.unchanged == 1
    assert list_payments(ctx, PaymentFilter(), limit=None)[0].created_at == first
