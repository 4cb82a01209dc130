"""Files that must import nothing, and say everything that is wrong with them."""

from __future__ import annotations

import io
import pickle
import zipfile

import pytest

from halyk_desk import messages
from halyk_desk.imports import ImportFailed, Mapping, RowError, read_orders


def _failure(path, **options) -> ImportFailed:
    with pytest.raises(ImportFailed) as failed:
        read_orders(path, **options)
    return failed.value


def test_every_bad_row_is_listed_with_its_row_and_column(files):
    path = files.csv([
        ["ID", "Сумма", "Валюта", "Дата создания", "Оплачен"],
        ["123456", "100", "KZT", "01.11.2023", "Да"],          # 2: fine
        ["12345", "12,3,4", "KZT", "01.11.2023", "Да"],        # 3: short id, bad amount
        ["123458", "-10", "XYZ", "31.02.2023", "может"],       # 4: negative, currency, date, paid
        ["123456", "5", "", "2023-11-01", ""],                 # 5: duplicate of row 2
        ["12345678901234567", "", "", "yesterday", ""],        # 6: long id, empty amount, date
        ["000777", "1,005", "", "", ""],                       # 7: 3 decimals, empty date
        ["123456", "7", "", "01.11.2023", ""],                 # 8: third copy of row 2
    ], encoding="cp1251")  # fmt: skip

    failure = _failure(path)

    assert [(e.row, e.column) for e in failure.errors] == [
        (2, "ID"),
        (3, "ID"), (3, "Сумма"),
        (4, "Сумма"), (4, "Валюта"), (4, "Дата создания"), (4, "Оплачен"),
        (5, "ID"),
        (6, "ID"), (6, "Сумма"), (6, "Дата создания"),
        (7, "Сумма"), (7, "Дата создания"),
        (8, "ID"),
    ]  # fmt: skip
    text = str(failure)
    assert text.startswith(f"Nothing was imported from {path.name}: 14 problems to fix")
    for line in [
        "row 3, column Сумма: '12,3,4' is not an amount",
        "row 3, column ID: Order number '12345' is not a valid ePay invoiceId: it must be 6 to 15",
        "row 4, column Сумма: '-10' is negative",
        "row 4, column Валюта: Unknown currency code 'XYZ': use EUR, KZT, RUB, USD",
        "row 4, column Дата создания: '31.02.2023' is not a date: write it as 27.11.2026 14:03",
        "row 4, column Оплачен: 'может' is not yes or no: write Да or Нет",
        "row 2, column ID: Order number 123456 appears 3 times in the file (rows 2, 5, 8)",
        "row 6, column Сумма: The amount is empty",
        "row 6, column Дата создания: 'yesterday' is not a date",
        "row 7, column Сумма: '1,005' has more than two decimals",
        "row 7, column Дата создания: The date is empty",
    ]:
        assert f"\n  {line}" in text
    assert failure.errors[1] == RowError(
        3, "ID", "12345",
        "Order number '12345' is not a valid ePay invoiceId: it must be 6 to 15 digits "
        "(leading zeros allowed), e.g. 000123456.",
    )  # fmt: skip


@pytest.mark.parametrize(
    "amount", ["12,3,4", "1,23.45", "1 2 3", "1,234,50", "abc", "15990,00 USD", "12.5.2023"]
)
def test_amounts_that_are_not_amounts(files, amount):
    [error] = _failure(files.csv([["ID", "Сумма"], ["123456", amount]])).errors
    assert (error.row, error.column, error.value) == (2, "Сумма", amount)


def test_missing_required_columns_are_named_with_the_headers_found(files):
    path = files.csv([["Номер п/п", "Покупатель", "Итого"], ["1", "Ким", "10"]])
    failure = _failure(path)
    [error] = failure.errors
    assert error.row is None
    assert "no column for the order number (invoiceId)" in error.message
    assert "), the amount (named e.g. Сумма, Amount" in error.message
    assert "The file's columns are: 'Номер п/п', 'Покупатель', 'Итого'." in error.message
    # What to do, in words the window's user can follow too; the command line adds --mapping.
    assert "Rename the column in the file: any of the names in brackets will do." in error.message
    assert "--mapping" not in error.message
    assert failure.mapping_example == {"invoice_id": "Column name"}


def test_mapping_to_a_column_that_is_not_there_lists_the_files_columns(files):
    path = files.csv([["ID", "Сумма"], ["123456", "10"]])
    [error] = _failure(path, mapping={"amount": "Total"}).errors
    assert str(error.message) == (
        "The mapping names column 'Total' for amount, but the file has no such column. "
        "The file's columns are: 'ID', 'Сумма'."
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"order": "ID"}', "unknown field(s) 'order'"),
        ('{"amount": ""}', "no column name for amount"),
        ('["ID"]', "must be a JSON object"),
        ('{"amount": 5}', "must be a JSON object"),
        ("{amount: Total}", "not valid JSON"),
    ],
)
def test_bad_mappings_say_what_to_write(text, fragment):
    with pytest.raises(ImportFailed) as failed:
        Mapping.parse(text)
    assert fragment in str(failed.value)


def test_one_column_mapped_to_two_fields(files):
    path = files.csv([["ID", "Сумма"], ["123456", "10"]])
    [error] = _failure(path, mapping={"amount": "Сумма", "customer": "сумма"}).errors
    assert "gives column 'сумма' to both amount and customer" in error.message


def test_a_header_written_twice_is_refused(files):
    path = files.csv([["ID", "Сумма", "Сумма"], ["123456", "10", "20"]])
    [error] = _failure(path).errors
    assert str(error.message) == (
        "Column 'Сумма' appears 2 times (columns B, C): give each column its own name."
    )


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "The file is empty"),
        (b" \r\n\r\n", "The file is empty"),
        ("\ufeff".encode(), "The file has no rows"),
        (b";;;\r\n;;\r\n", "The file has no rows"),
        ("ID;Сумма\r\n".encode("cp1251"), "has a header (row 1) but no orders below it"),
        ("ID;Сумма\r\n;\r\n\r\n".encode("cp1251"), "has a header (row 1) but no orders below it"),
    ],
)
def test_empty_files_and_header_only(files, data, fragment):
    [error] = _failure(files.raw(data)).errors
    assert fragment in error.message


@pytest.mark.parametrize(
    ("data", "suffix", "fragment"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), ".xls", "old Excel .xls file"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, ".csv", "holds binary data"),
        (b"%PDF-1.4\n" + bytes(range(1, 32)) * 40, ".csv", "holds binary data"),
        (b"<html><body><table><tr><td>ID</td></tr></table></body></html>", ".xls", "web page"),
        (b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">',
         ".xls", "web page or XML"),
        (b"ID;\x98\xff\xfe;\xc0\r\n", ".csv", "neither UTF-8 nor Windows-1251"),
    ],
)
def test_files_that_are_not_csv_or_xlsx_say_to_save_as_csv_or_xlsx(files, data, suffix, fragment):
    [error] = _failure(files.raw(data, suffix)).errors
    assert fragment in error.message
    if "neither" not in fragment:
        assert "save it as XLSX, or as CSV" in error.message


def test_a_zip_that_is_not_a_workbook(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    [error] = _failure(files.raw(buffer.getvalue(), ".ods")).errors
    assert "not an Excel workbook (XLSX)" in error.message


def test_a_missing_file_and_a_folder(files, tmp_path):
    [error] = _failure(tmp_path / "nope.csv").errors
    assert "There is no file" in error.message
    [error] = _failure(tmp_path).errors
    assert "is a folder" in error.message


def test_unquoted_decimal_commas_in_a_comma_separated_file(files):
    path = files.raw(b"ID,Amount,Customer\r\n123456,10,Kim\r\n123457,15990,00,Lee\r\n")
    [error] = _failure(path).errors
    assert (error.row, error.column) == (3, None)
    assert "4 values but the header has 3 columns" in error.message
    assert "contains the separator (a comma)" in error.message


def test_an_unclosed_quote_names_the_row(files):
    path = files.raw('ID;Сумма;Покупатель\r\n123456;10;Ким\r\n123457;20;"Ли\r\n'.encode())
    [error] = _failure(path).errors
    assert error.row == 3
    assert error.message.code == "import.bad_csv"
    assert "cannot be read as CSV" in error.message


def test_import_failed_survives_pickling_for_worker_processes(files):
    failure = _failure(files.csv([["ID", "Сумма"], ["1", "x"]]))
    copy = pickle.loads(pickle.dumps(failure))
    assert copy.errors == failure.errors
    assert str(copy) == str(failure)


def test_a_truncated_or_damaged_workbook(files):
    good = files.xlsx({"Sheet1": [["ID", "Сумма"], ["123456", 1]]}).read_bytes()
    [error] = _failure(files.raw(good[: len(good) // 2], ".xlsx")).errors
    assert "damaged" in error.message

    with zipfile.ZipFile(io.BytesIO(good)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts["xl/worksheets/sheet1.xml"] = b"<worksheet><sheetData><row r='1'><c r='A1'"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    [error] = _failure(files.raw(buffer.getvalue(), ".xlsx")).errors
    assert "damaged" in error.message
    assert "save it again as XLSX" in error.message


@pytest.mark.parametrize(("language", "says"), [
    ("ru", ["Номер заказа 123456 встречается в файле 2 раза (строки 2, 3)",
            "Колонка «Сумма» встречается 2 раза (колонки B, C)", "Файла «"]),
    ("kk", ["123456 тапсырыс нөмірі файлда 2 рет кездеседі (2, 3 жолдары)",
            "«Сумма» бағаны 2 рет кездеседі (B, C бағандары)", "файлы жоқ"]),
    ("en", ["Order number 123456 appears 2 times in the file (rows 2, 3)",
            "Column 'Сумма' appears 2 times (columns B, C)", "There is no file '"]),
])
def test_a_files_problems_read_in_the_users_language(files, language, says):
    """The accountant reads what is wrong with the file in the window's language, not English."""
    messages.use(language)
    repeated_order = files.csv([["ID", "Сумма"], ["123456", "10"], ["123456", "20"]])
    repeated_column = files.csv([["ID", "Сумма", "Сумма"], ["123456", "10", "20"]])
    missing = repeated_order.with_name("нет-такого.csv")
    said = [str(_failure(path)) for path in (repeated_order, repeated_column, missing)]
    for text, fragment in zip(said, says, strict=True):
        assert fragment in text, (language, text)
