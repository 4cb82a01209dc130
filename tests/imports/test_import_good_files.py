"""Order files that import: every CSV flavour, the 1C-Bitrix export, header names, mappings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from halyk_desk.domain import Money
from halyk_desk.imports import ImportReport, Mapping, OrderRow, read_orders

HEADER = ["Номер заказа", "Сумма", "Валюта", "Дата создания", "Покупатель", "Оплачен", "Статус"]
ROWS = [
    ["000123456", "15990,00", "KZT", "27.11.2023 14:03:11", "Иванов Иван", "Да", "Выполнен"],
    ["123457", "1 250,50", "USD", "2023-11-28 09:00", "Ёлкина, Анна \"Ф\"", "Нет", "Принят"],
    ["00000123458", "7", "", "2023-11-29T23:30:00+06:00", "", "", ""],
]
# Asia/Almaty was UTC+6 in 2023.
EXPECTED = [
    OrderRow(invoice_id="000123456", amount=Money(1_599_000), source_row=2,
             created_at=datetime(2023, 11, 27, 8, 3, 11, tzinfo=UTC),
             customer="Иванов Иван", shop_paid=True, shop_status="Выполнен"),
    OrderRow(invoice_id="123457", amount=Money(125_050, "USD"), source_row=3,
             created_at=datetime(2023, 11, 28, 3, 0, tzinfo=UTC),
             customer="Ёлкина, Анна \"Ф\"", shop_paid=False, shop_status="Принят"),
    OrderRow(invoice_id="00000123458", amount=Money(700), source_row=4,
             created_at=datetime(2023, 11, 29, 17, 30, tzinfo=UTC)),
]  # fmt: skip


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251"])
@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_every_csv_flavour_reads_the_same_orders(files, encoding, delimiter):
    path = files.csv([HEADER, *ROWS], delimiter=delimiter, encoding=encoding)

    report = read_orders(path)

    assert report.rows == EXPECTED
    assert (report.format, report.encoding, report.delimiter) == ("csv", encoding, delimiter)
    assert report.source_file == path.name
    assert report.columns == {
        "invoice_id": "Номер заказа", "amount": "Сумма", "currency": "Валюта",
        "created_at": "Дата создания", "customer": "Покупатель", "shop_paid": "Оплачен",
        "shop_status": "Статус",
    }  # fmt: skip
    assert report.warnings == []


@pytest.mark.parametrize("newline", ["\r\n", "\n"])
def test_excel_unicode_text_and_unix_line_ends(files, newline):
    path = files.csv([HEADER, *ROWS], delimiter="\t", encoding="utf-16", newline=newline)
    report = read_orders(path)
    assert report.rows == EXPECTED
    assert report.encoding == "utf-16"


BITRIX = (
    "ID;Дата создания;Покупатель;E-mail;Телефон;Сумма;Валюта;Оплачен;Статус;Платежная система\r\n"
    "004512;27.11.2026 14:03:11;Сейткали Айгерим;aigerim@mail.kz;+7 701 123 45 67;15990,00;KZT;"
    "Да;Выполнен;Halyk ePay\r\n"
    "004513;27.11.2026 23:59:59;Петров Пётр;;;1 200,50;KZT;Нет;Принят, ожидается оплата;"
    "Halyk ePay\r\n"
    "004514;28.11.2026 00:10:00;\"ТОО \"\"Ромашка\"\"\";buh@romashka.kz;;250000,00;KZT;Нет;"
    "Отменён;Безналичный расчёт\r\n"
)


def test_1c_bitrix_order_list_export_as_it_comes(files):
    report = read_orders(files.raw(BITRIX.encode("cp1251")))

    assert (report.encoding, report.delimiter) == ("cp1251", ";")
    # Almaty is UTC+5 since March 2024: 14:03:11 there is 09:03:11 UTC.
    assert report.rows == [
        OrderRow(invoice_id="004512", amount=Money(1_599_000), source_row=2,
                 created_at=datetime(2026, 11, 27, 9, 3, 11, tzinfo=UTC),
                 customer="Сейткали Айгерим", shop_paid=True, shop_status="Выполнен"),
        OrderRow(invoice_id="004513", amount=Money(120_050), source_row=3,
                 created_at=datetime(2026, 11, 27, 18, 59, 59, tzinfo=UTC),
                 customer="Петров Пётр", shop_paid=False, shop_status="Принят, ожидается оплата"),
        OrderRow(invoice_id="004514", amount=Money(25_000_000), source_row=4,
                 created_at=datetime(2026, 11, 27, 19, 10, tzinfo=UTC),
                 customer='ТОО "Ромашка"', shop_paid=False, shop_status="Отменён"),
    ]  # fmt: skip
    assert report.columns["invoice_id"] == "ID"
    assert report.columns["created_at"] == "Дата создания"
    assert list(map(str, report.warnings)) == [
        "Columns ignored: E-mail, Телефон, Платежная система."]


@pytest.mark.parametrize(
    ("id_header", "amount_header", "paid_header"),
    [
        ("ID", "Сумма", "Оплачен"),
        ("invoiceId", "Amount", "Paid"),
        ("invoice_id", "AMOUNT", "PAID"),
        ("  номер   заказа ", "сумма заказа", " оплачен"),
        ("Номер счета", "Сумма", "Оплачен"),
        ("НОМЕР СЧЁТА", "Сумма", "Оплачен"),
        ("Номер", "Сумма", "Оплачен"),
        ("Invoice ID", "Amount", "Paid"),
    ],
)
def test_header_names_in_russian_or_english_whatever_the_case_spaces_or_yo(
    files, id_header, amount_header, paid_header
):
    path = files.csv([[id_header, amount_header, paid_header], ["123456", "10", "yes"]])
    report = read_orders(path)
    assert report.columns == {"invoice_id": id_header.strip(), "amount": amount_header.strip(),
                              "shop_paid": paid_header.strip()}  # fmt: skip
    assert report.rows[0].amount == Money(1000)


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("15990,00", 1_599_000),
        ("15 990,00", 1_599_000),
        ("15\u00a0990,00", 1_599_000),
        ("15990.00", 1_599_000),
        ("15,990.00", 1_599_000),
        ("1.234.567,89", 123_456_789),
        ("15990", 1_599_000),
        ("0,5", 50),
        ("15 990,00 ₸", 1_599_000),
        ("0", 0),
    ],
)
def test_amounts_as_shops_write_them(files, text, minor):
    path = files.csv([["ID", "Сумма"], ["123456", text]])
    assert read_orders(path).rows[0].amount == Money(minor)


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("27.11.2023", datetime(2023, 11, 26, 18, 0, tzinfo=UTC)),
        ("27.11.2023 14:03", datetime(2023, 11, 27, 8, 3, tzinfo=UTC)),
        ("27.11.2023 14:03:11", datetime(2023, 11, 27, 8, 3, 11, tzinfo=UTC)),
        ("7.1.2023 04:05", datetime(2023, 1, 6, 22, 5, tzinfo=UTC)),
        ("2023-11-27", datetime(2023, 11, 26, 18, 0, tzinfo=UTC)),
        ("2023-11-27 14:03", datetime(2023, 11, 27, 8, 3, tzinfo=UTC)),
        ("2023-11-27 14:03:11", datetime(2023, 11, 27, 8, 3, 11, tzinfo=UTC)),
        ("2023-11-27T14:03:11", datetime(2023, 11, 27, 8, 3, 11, tzinfo=UTC)),
        ("2023-11-27T14:03:11+05:00", datetime(2023, 11, 27, 9, 3, 11, tzinfo=UTC)),
        ("2023-11-27T14:03:11Z", datetime(2023, 11, 27, 14, 3, 11, tzinfo=UTC)),
        ("2023-11-27T14:03:11.250+06:00", datetime(2023, 11, 27, 8, 3, 11, 250000, tzinfo=UTC)),
        ("27.11.2026 14:03:11", datetime(2026, 11, 27, 9, 3, 11, tzinfo=UTC)),  # UTC+5 now
    ],
)
def test_dates_in_almaty_time_are_stored_in_utc(files, text, utc):
    path = files.csv([["ID", "Сумма", "Дата"], ["123456", "10", text]])
    created = read_orders(path).rows[0].created_at
    assert created == utc
    assert created.tzinfo is UTC


def test_naive_dates_follow_the_time_zone_given(files):
    path = files.csv([["ID", "Сумма", "Дата"], ["123456", "10", "27.11.2023 14:03"]])
    assert read_orders(path, tz=UTC).rows[0].created_at == datetime(2023, 11, 27, 14, 3, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "paid"),
    [("Да", True), ("нет", False), ("Y", True), ("n", False), ("yes", True), ("No", False),
     ("TRUE", True), ("false", False), ("1", True), ("0", False), ("ИСТИНА", True), ("", None)],
)  # fmt: skip
def test_paid_flag_words(files, text, paid):
    path = files.csv([["ID", "Сумма", "Оплачен"], ["123456", "10", text]])
    assert read_orders(path).rows[0].shop_paid is paid


@pytest.mark.parametrize(("text", "code"), [("₸", "KZT"), ("тг", "KZT"), ("usd", "USD"),
                                            ("$", "USD"), ("", "KZT"), (" EUR ", "EUR")])
def test_currency_codes_and_symbols(files, text, code):
    path = files.csv([["ID", "Сумма", "Валюта"], ["123456", "10", text]])
    assert read_orders(path).rows[0].amount == Money(1000, code)


def test_default_currency_applies_when_the_file_has_none(files):
    path = files.csv([["ID", "Сумма"], ["123456", "10"]])
    assert read_orders(path, default_currency="USD").rows[0].amount == Money(1000, "USD")


def test_leading_zeros_and_blanks_around_order_numbers(files):
    path = files.csv([["ID", "Сумма"], [" 000001 ", "1"], ["000000000000002", "2"]])
    assert [row.invoice_id for row in read_orders(path).rows] == ["000001", "000000000000002"]


def test_only_the_two_required_columns(files):
    report = read_orders(files.csv([["invoiceId", "amount"], ["123456", "10"]]))
    assert report.rows == [OrderRow(invoice_id="123456", amount=Money(1000), created_at=None,
                                    source_row=2)]  # fmt: skip
    assert list(map(str, report.warnings)) == [
        "The file has no creation date column: orders are imported without dates."
    ]


def test_row_numbers_count_title_rows_blank_lines_and_multiline_values(files):
    text = (
        "Заказы за ноябрь\r\n"
        "\r\n"
        "ID;Сумма;Покупатель\r\n"
        "111111;1;\"Иванов\r\nИван\"\r\n"
        ";;\r\n"
        "222222;2;Петров\r\n"
    )
    report = read_orders(files.raw(text.encode("cp1251")))
    assert [(row.invoice_id, row.source_row) for row in report.rows] == [
        ("111111", 4), ("222222", 6)
    ]
    assert report.rows[0].customer == "Иванов\r\nИван"
    assert "Row(s) 1 above the header (row 3) were skipped." in map(str, report.warnings)


def test_a_header_with_the_delimiter_inside_quotes_is_split_right(files):
    path = files.csv([["ID", "Сумма, ₸", "Покупатель; ФИО"], ["123456", "10,50", "Ким"]],
                     delimiter=",")  # fmt: skip
    report = read_orders(path, mapping={"amount": "Сумма, ₸"})
    assert report.delimiter == ","
    assert report.rows[0].amount == Money(1050)


def test_mapping_names_columns_we_do_not_know(files):
    path = files.csv([["Order No", "Total", "When", "Who"],
                      ["0077001", "99,90", "01.02.2023 10:00", "Ли"]])  # fmt: skip
    mapping = Mapping.parse(
        '{"invoice_id": "order no", "amount": "Total", "created_at": "When", "customer": "Who"}'
    )
    report = read_orders(path, mapping=mapping)
    assert report.rows == [OrderRow(invoice_id="0077001", amount=Money(9990), source_row=2,
                                    created_at=datetime(2023, 2, 1, 4, 0, tzinfo=UTC),
                                    customer="Ли")]  # fmt: skip
    assert report.columns == {"invoice_id": "Order No", "amount": "Total", "created_at": "When",
                              "customer": "Who"}  # fmt: skip


def test_mapping_overrides_recognised_names(files):
    path = files.csv([["ID", "Номер в 1С", "Сумма"], ["1", "123456", "10"]])
    report = read_orders(path, mapping={"invoice_id": "Номер в 1С"})
    assert report.rows[0].invoice_id == "123456"
    assert "Columns ignored: ID." in map(str, report.warnings)


def test_when_two_columns_could_be_the_order_number_the_user_is_told(files):
    path = files.csv([["ID", "Номер заказа", "Сумма"], ["1", "123456", "10"]])
    report = read_orders(path)
    assert report.columns["invoice_id"] == "Номер заказа"
    assert str(report.warnings[0]) == (
        "Took column 'Номер заказа' for the order number (invoiceId); 'ID' could also be it. "
        "If you meant another, rename the extra column in the file."
    )
    assert report.other_choice == {"invoice_id": "ID"}


def test_a_csv_saved_under_an_excel_name_is_read_by_its_content(files):
    path = files.raw("ID;Сумма\r\n123456;10\r\n".encode("cp1251"), ".xls")
    assert isinstance(read_orders(path), ImportReport)


def test_every_value_in_quotes(files):
    text = '"ID","Сумма","Покупатель"\r\n"123456","15990,00","Ким; Ли"\r\n"123457","1","Ан, Бо"\r\n'
    report = read_orders(files.raw(text.encode("utf-8-sig")))
    assert report.delimiter == ","
    assert [(r.invoice_id, r.amount, r.customer) for r in report.rows] == [
        ("123456", Money(1_599_000), "Ким; Ли"), ("123457", Money(100), "Ан, Бо")
    ]


def test_a_quote_that_opens_only_under_a_wrong_delimiter_does_not_derail_sniffing(files):
    # Split at ';' the unquoted value opens a quote that never closes and swallows the file,
    # beyond the csv module's field size limit.
    lines = ["ID\tСумма\tПокупатель", '100000\t1\tТОО Ли;"Ким']
    lines += [f"{100001 + i}\t2\t{'Покупатель ' * 5}" for i in range(3000)]
    report = read_orders(files.raw("\r\n".join(lines).encode()))
    assert report.delimiter == "\t"
    assert report.rows[0].customer == 'ТОО Ли;"Ким'
    assert len(report.rows) == 3001
