"""Property: any table of valid orders, written as CSV in any delimiter and encoding the shops use,
with header names in either language and columns in any order, reads back to the same orders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from halyk_desk.domain import ALMATY, Money
from halyk_desk.imports import OrderRow, read_orders

HEADERS = {
    "invoice_id": ["ID", "Номер заказа", "invoiceId", "invoice_id", "Номер"],
    "amount": ["Сумма", "Amount", "Сумма заказа"],
    "currency": ["Валюта", "Currency"],
    "created_at": ["Дата создания", "Created", "Дата"],
    "customer": ["Покупатель", "Customer", "ФИО"],
    "shop_paid": ["Оплачен", "Paid"],
    "shop_status": ["Статус", "Status"],
}
YES = ["Да", "Y", "yes", "true", "1"]
NO = ["Нет", "N", "no", "false", "0"]
RUSSIAN = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
KAZAKH = "әғқңөұүһіӘҒҚҢӨҰҮҺІ"  # not in cp1251
PUNCTUATION = " ,;.\"'\t\n-№"
OFFSET = timezone(timedelta(hours=5))


def _amount_text(minor: int, style: str) -> str:
    major, cents = divmod(minor, 100)
    grouped = f"{major:,}"
    return {
        "comma": f"{major},{cents:02d}",
        "dot": f"{major}.{cents:02d}",
        "spaces": f"{grouped.replace(',', ' ')},{cents:02d}",
        "nbsp": f"{grouped.replace(',', chr(0xA0))},{cents:02d}",
        "english": f"{grouped}.{cents:02d}",
        "whole": f"{major}" if cents == 0 else f"{major},{cents:02d}",
    }[style]


def _date_text(moment: datetime, style: str) -> tuple[str, datetime]:
    """What the file says, and the instant it means."""
    if style == "dmy":
        return moment.strftime("%d.%m.%Y %H:%M:%S"), moment.replace(tzinfo=ALMATY)
    if style == "dmy_minutes":
        return moment.strftime("%d.%m.%Y %H:%M"), moment.replace(second=0, tzinfo=ALMATY)
    if style == "ymd":
        return moment.strftime("%Y-%m-%d %H:%M:%S"), moment.replace(tzinfo=ALMATY)
    if style == "date":
        midnight = moment.replace(hour=0, minute=0, second=0, tzinfo=ALMATY)
        return moment.strftime("%d.%m.%Y"), midnight
    return moment.replace(tzinfo=OFFSET).isoformat(), moment.replace(tzinfo=OFFSET)


@st.composite
def order_tables(draw):
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1251"]))
    alphabet = RUSSIAN + PUNCTUATION + "abcXYZ019" + ("" if encoding == "cp1251" else KAZAKH)
    words = st.text(alphabet, min_size=1, max_size=12).map(str.strip).filter(bool)
    fields = draw(st.permutations(list(HEADERS)))
    header = [draw(st.sampled_from(HEADERS[name])) for name in fields]
    ids = draw(st.lists(st.from_regex(r"[0-9]{6,15}", fullmatch=True), min_size=1, max_size=12,
                        unique=True))  # fmt: skip
    lines, expected = [header], []
    for number, invoice_id in enumerate(ids, start=2):
        currency = draw(st.sampled_from(["KZT", "USD", "EUR", "RUB"]))
        minor = draw(st.integers(0, 10**12))
        moment = draw(st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31))).replace(
            microsecond=0
        )
        date_text, meant = _date_text(
            moment, draw(st.sampled_from(["dmy", "dmy_minutes", "ymd", "date", "iso"]))
        )
        customer = draw(st.none() | words)
        status = draw(st.none() | words)
        paid = draw(st.none() | st.booleans())
        written = {
            "invoice_id": invoice_id,
            "amount": _amount_text(
                minor, draw(st.sampled_from(["comma", "dot", "spaces", "nbsp", "english", "whole"]))
            ),
            "currency": "" if currency == "KZT" and draw(st.booleans()) else currency,
            "created_at": date_text,
            "customer": customer or "",
            "shop_paid": "" if paid is None else draw(st.sampled_from(YES if paid else NO)),
            "shop_status": status or "",
        }
        lines.append([written[name] for name in fields])
        expected.append(OrderRow(
            invoice_id=invoice_id, amount=Money(minor, currency),
            created_at=meant.astimezone(UTC), customer=customer, shop_paid=paid,
            shop_status=status, source_row=number,
        ))  # fmt: skip
    return lines, encoding, expected


@settings(max_examples=100, deadline=None)
@given(
    table=order_tables(),
    delimiter=st.sampled_from([",", ";", "\t"]),
    newline=st.sampled_from(["\r\n", "\n"]),
)
def test_valid_orders_written_as_csv_read_back_the_same(files, table, delimiter, newline):
    lines, encoding, expected = table
    path = files.csv(lines, delimiter=delimiter, encoding=encoding, newline=newline)

    report = read_orders(path)

    assert report.rows == expected
    assert (report.delimiter, report.encoding) == (delimiter, encoding)
    assert report.warnings == []
