"""Re-importing: identical rows are no conflict, a changed amount, currency or date is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from halyk_desk.domain import Money
from halyk_desk.imports import OrderRow, find_conflicts, read_orders

CREATED = datetime(2023, 11, 27, 8, 3, 11, tzinfo=UTC)
STORED_AMOUNT = Money(1_599_000)


def _row(invoice_id="000123456", amount=STORED_AMOUNT, created_at=CREATED, source_row=2):
    return OrderRow(invoice_id=invoice_id, amount=amount, created_at=created_at,
                    source_row=source_row)  # fmt: skip


def test_the_same_rows_again_are_no_conflict():
    rows = [_row(), _row("123457", Money(100, "USD"), source_row=3)]
    stored = {"000123456": (Money(1_599_000), CREATED), "123457": (Money(100, "USD"), CREATED)}
    assert find_conflicts(rows, stored) == []


def test_the_same_instant_in_another_offset_is_no_conflict():
    almaty = CREATED.astimezone(timezone(timedelta(hours=6)))
    assert find_conflicts([_row()], {"000123456": (Money(1_599_000), almaty)}) == []


def test_new_orders_are_no_conflict():
    assert find_conflicts([_row()], {"999999": (Money(1), CREATED)}) == []


def test_a_changed_amount_currency_or_date_is_a_conflict_in_the_files_columns(files):
    path = files.csv([
        ["ID", "Сумма", "Валюта", "Дата"],
        ["000123456", "15990,00", "KZT", "27.11.2023 14:03:11"],  # as stored
        ["123457", "100,00", "KZT", "27.11.2023 14:03:11"],       # amount differs
        ["123458", "100,00", "USD", "27.11.2023 14:03:11"],       # currency differs
        ["123459", "100,00", "KZT", "28.11.2023 14:03:11"],       # date differs
    ])  # fmt: skip
    report = read_orders(path)
    stored = {
        "000123456": (Money(1_599_000), CREATED),
        "123457": (Money(10_050), CREATED),
        "123458": (Money(10_000), CREATED),
        "123459": (Money(10_000), CREATED),
    }

    conflicts = find_conflicts(report.rows, stored, columns=report.columns)

    assert [(e.row, e.column, e.value) for e in conflicts] == [
        (3, "Сумма", "100.00"), (4, "Валюта", "USD"), (5, "Дата", "28.11.2023 14:03:11"),
    ]  # fmt: skip
    assert str(conflicts[0]) == (
        "row 3, column Сумма: order 123457 is already stored with amount KZT 100.50; "
        "the file says KZT 100.00: correct the file, or leave this order out of it."
    )
    assert "already stored with currency KZT; the file says USD" in conflicts[1].message
    assert (
        "already stored with creation date 27.11.2023 14:03:11; the file says 28.11.2023 14:03:11"
        in conflicts[2].message
    )


def test_a_date_missing_on_either_side_is_no_conflict():
    assert find_conflicts([_row(created_at=None)], {"000123456": (Money(1_599_000), CREATED)}) == []
    assert find_conflicts([_row()], {"000123456": (Money(1_599_000), None)}) == []


def test_without_the_report_columns_the_field_names_are_used():
    [conflict] = find_conflicts([_row()], {"000123456": (Money(1), CREATED)})
    assert (conflict.row, conflict.column) == (2, "amount")
