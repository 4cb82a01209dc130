"""XLSX order files: typed cells (numbers, dates, booleans, text), sheet choice, row numbers."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, time

import pytest

from halyk_desk.domain import Money
from halyk_desk.imports import ImportFailed, OrderRow, read_orders

HEADER = ["ID", "Сумма", "Валюта", "Дата создания", "Покупатель", "Оплачен", "Статус"]


def test_typed_cells_read_exactly(files):
    path = files.xlsx({"Sheet1": [
        HEADER,
        ["000123456", 15990, "KZT", datetime(2023, 11, 27, 14, 3, 11), "Иванов", True, "Выполнен"],
        ["123457", 15990.5, None, "27.11.2023 15:00", None, "Нет", None],
        ["123458", "1 200,50", "USD", "2023-11-27T15:00:00+05:00", "Ким", 0, "Принят"],
        ["123459", 0.1, None, datetime(2023, 11, 27), None, None, None],
        [123460, 1e6, None, datetime(2023, 11, 27), None, 1, None],
    ]})  # fmt: skip

    report = read_orders(path)

    assert (report.format, report.encoding, report.delimiter, report.sheet) == (
        "xlsx", None, None, "Sheet1"
    )
    assert report.rows == [
        OrderRow(invoice_id="000123456", amount=Money(1_599_000), source_row=2,
                 created_at=datetime(2023, 11, 27, 8, 3, 11, tzinfo=UTC),
                 customer="Иванов", shop_paid=True, shop_status="Выполнен"),
        OrderRow(invoice_id="123457", amount=Money(1_599_050), source_row=3,
                 created_at=datetime(2023, 11, 27, 9, 0, tzinfo=UTC), shop_paid=False),
        OrderRow(invoice_id="123458", amount=Money(120_050, "USD"), source_row=4,
                 created_at=datetime(2023, 11, 27, 10, 0, tzinfo=UTC), customer="Ким",
                 shop_paid=False, shop_status="Принят"),
        OrderRow(invoice_id="123459", amount=Money(10), source_row=5,
                 created_at=datetime(2023, 11, 26, 18, 0, tzinfo=UTC)),
        OrderRow(invoice_id="123460", amount=Money(100_000_000), source_row=6,
                 created_at=datetime(2023, 11, 26, 18, 0, tzinfo=UTC), shop_paid=True),
    ]  # fmt: skip
    # The numeric order number may have lost its leading zeros in Excel: say so.
    assert any("holds numbers" in warning for warning in report.warnings)


def test_orders_sheet_is_found_by_its_name(files):
    path = files.xlsx({
        "Сводка": [["Итого", 100]],
        "Заказы": [["ID", "Сумма"], ["123456", 100]],
    })  # fmt: skip
    report = read_orders(path)
    assert report.sheet == "Заказы"
    assert report.rows[0].amount == Money(10_000)


def test_first_sheet_when_none_is_named_like_orders(files):
    path = files.xlsx({"Лист1": [["ID", "Сумма"], ["123456", 1]], "Лист2": [["x"]]})
    assert read_orders(path).sheet == "Лист1"


def test_row_numbers_are_excels_with_a_title_and_gaps(files):
    path = files.xlsx({"Orders export": [
        ["Выгрузка заказов 27.11.2023"],
        [],
        ["ID", "Сумма"],
        ["111111", 1],
        [],
        [],
        ["222222", 2],
    ]})  # fmt: skip
    report = read_orders(path)
    assert [(row.invoice_id, row.source_row) for row in report.rows] == [
        ("111111", 4), ("222222", 7)
    ]


@pytest.mark.parametrize(
    ("amount", "fragment"),
    [
        (15990.123, "more than two decimals"),
        (1 / 3, "more than two decimals"),
        (-5, "negative"),
        (True, "not an amount"),
        (datetime(2023, 1, 1), "not an amount"),
        (None, "empty"),
    ],
)
def test_bad_numeric_amounts_are_refused(files, amount, fragment):
    path = files.xlsx({"Sheet1": [["ID", "Сумма"], ["123456", 1], ["123457", amount]]})
    with pytest.raises(ImportFailed) as failed:
        read_orders(path)
    [error] = failed.value.errors
    assert (error.row, error.column) == (3, "Сумма")
    assert fragment in error.message


@pytest.mark.parametrize(
    ("invoice_id", "fragment"),
    [(123.5, "not an order number"), (12345, "6 to 15 digits"), (True, "not an order number")],
)
def test_bad_numeric_order_numbers_are_refused(files, invoice_id, fragment):
    path = files.xlsx({"Sheet1": [["ID", "Сумма"], [invoice_id, 1]]})
    with pytest.raises(ImportFailed) as failed:
        read_orders(path)
    [error] = failed.value.errors
    assert (error.row, error.column) == (2, "ID")
    assert fragment in error.message


def test_a_date_typed_as_a_plain_number_is_refused(files):
    path = files.xlsx({"Sheet1": [["ID", "Сумма", "Дата"], ["123456", 1, 45257.5]]})
    with pytest.raises(ImportFailed) as failed:
        read_orders(path)
    [error] = failed.value.errors
    assert (error.row, error.column, error.value) == (2, "Дата", "45257.5")
    assert "format the column as a date" in error.message


def _with_stored_numbers(path, numbers: dict[str, str]) -> None:
    """Write numbers into the sheet XML the way Excel stores formula results (17 digits), which
    openpyxl itself does not produce."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    for written, stored in numbers.items():
        old, new = f"<v>{written}</v>".encode(), f"<v>{stored}</v>".encode()
        assert old in parts[sheet]
        parts[sheet] = parts[sheet].replace(old, new)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    path.write_bytes(buffer.getvalue())


def test_formula_noise_beyond_excels_15_digits_is_what_excel_shows(files):
    path = files.xlsx({"Sheet1": [["ID", "Сумма"], ["123456", 0.25], ["123457", 17908.75]]})
    _with_stored_numbers(path, {"0.25": "0.30000000000000004", "17908.75": "17908.800000000003"})
    assert [row.amount for row in read_orders(path).rows] == [Money(30), Money(1_790_880)]


@pytest.mark.parametrize(("value", "fragment"), [(True, "'TRUE' is not a date"),
                                                  (time(14, 3), "'14:03:00' is not a date")])
def test_a_date_cell_holding_a_boolean_or_a_time_is_refused(files, value, fragment):
    path = files.xlsx({"Sheet1": [["ID", "Сумма", "Дата"], ["123456", 1, value]]})
    with pytest.raises(ImportFailed) as failed:
        read_orders(path)
    [error] = failed.value.errors
    assert error.message.startswith(fragment)
