"""The reconciliation workbook of a small case, read back cell by cell; cancel and bad paths."""

from __future__ import annotations

import csv
import re
import tempfile
import threading
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from libreoffice import convert, require_soffice
from openpyxl import load_workbook

from halyk_desk import messages
from halyk_desk.domain import ALMATY, Money, State, canonical_state
from halyk_desk.reconcile import (
    BankPayment,
    OpenOperation,
    ReconcileSettings,
    ResolvedMark,
    ShopOrder,
    reconcile,
)
from halyk_desk.reports import (
    ExportCancelled,
    ExportError,
    OperationLine,
    ReportMeta,
    write_reconciliation_workbook,
)

SHEETS = ["Сводка", "Расхождения", "Платежи", "Блокировки", "Возвраты и операции", "По дням"]
TABLE_IDS = ["discrepancies", "payments", "holds", "operations", "daily"]
TENGE = '#,##0.00 "₸"'
DOLLAR = '#,##0.00 "$"'
MOMENT = "DD.MM.YYYY HH:MM"
DAY = "DD.MM.YYYY"
NOW = datetime(2026, 3, 4, 9, 0, tzinfo=ALMATY).astimezone(UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=ALMATY).astimezone(UTC)


def tg(text: str, currency: str = "KZT") -> Money:
    return Money.parse(text, currency)


def pay(inv, tx, status, amount, when, *, captured=None, refunded="0", payout=None,
        currency="KZT", rrn=None):
    original = tg(amount, currency)
    zero = Money(0, currency)
    took = (tg(captured, currency) if captured else original) if status == "CHARGE" else zero
    back = tg(refunded, currency)
    return BankPayment(inv, tx, status, canonical_state(status, refunded_minor=back.minor),
                       took - back if status == "CHARGE" else original, original,
                       original if status == "AUTH" else zero, took, back,
                       tg(payout, currency) if payout else None, when, rrn, "400303...9821")


def small_case(marks=()):
    orders = [
        ShopOrder("000001", tg("10000"), at(1, 10), "Иван Петров", True, "Оплачен"),
        ShopOrder("000002", tg("12000"), at(1, 11), "=1+1 Ерлан\x07", True, "Оплачен"),
        ShopOrder("000003", tg("20000"), at(2, 9), "Әйгерім Сұлтанова", False, "Ожидает"),
        ShopOrder("000004", tg("100"), at(2, 10), "John Smith", True, "Оплачен"),
        ShopOrder("000005", tg("8000"), at(2, 11), " Ольга & Co <VIP> ", True, "Оплачен"),
    ]
    payments = [
        pay("000001", "t1", "CHARGE", "10000", at(1, 10, 1), rrn="600000000001"),
        pay("000002", "t2", "CHARGE", "12000", at(1, 11, 1), captured="11500"),
        pay("000003", "t3", "AUTH", "20000", at(2, 9, 1)),
        pay("000004", "t4", "CHARGE", "100", at(2, 10, 1), currency="USD"),
        pay("000005", "t5", "CHARGE", "8000", at(2, 11, 1), refunded="3000", payout="7800"),
        pay("000099", "t99", "CHARGE", "3333.33", at(2, 12)),
    ]
    return reconcile(date(2026, 3, 1), date(2026, 3, 2), orders, payments, marks=marks,
                     settings=ReconcileSettings(now=NOW))


MARK = ResolvedMark("amount_mismatch", "invoice:000002", "Скидка по купону", "Айгуль",
                    datetime(2026, 3, 3, 15, 30, tzinfo=ALMATY).astimezone(UTC))
META = ReportMeta("Магазин «Алма»", "67e34d63-102f-4bd1-898e-370781d0074d", NOW, "Айгуль")
OPERATIONS = [
    OperationLine(at(3, 12), "refund", "000005", "t5", tg("3000"), "выполнена", "Возврат товара",
                  "Ерлан", "Айгуль", at(3, 12, 1), "4f1c"),
    OperationLine(at(3, 13), "confirm", "000003", "t3", tg("20000"), "результат неизвестен",
                  "Ерлан"),
]


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    path = tmp_path_factory.mktemp("wb") / "сверка.xlsx"
    calls: list[tuple[int, int]] = []
    result = small_case(marks=[MARK])
    before = messages.current()
    messages.use("ru")  # the accountant's language: the summary is written in it
    try:
        written = write_reconciliation_workbook(
            path, result, META, refunds_and_operations=OPERATIONS,
            progress=lambda d, t: calls.append((d, t)))
    finally:
        messages.use(before)
    assert written == path
    # The values a reader without a calculation engine sees: totals are formulas, cached.
    return load_workbook(path, data_only=True), result, calls, path


def rows(ws):
    return [list(r) for r in ws.iter_rows()]


def header_index(ws) -> dict[str, int]:
    return {c.value: n for n, c in enumerate(ws[1])}


def data_rows(ws):
    """The cells under the header, up to the blank row before the totals."""
    out = []
    for row in list(ws.iter_rows())[1:]:
        if all(c.value is None for c in row):
            break
        out.append(row)
    return out


def totals_rows(ws):
    return {row[0].value: row for row in ws.iter_rows() if str(row[0].value).startswith("Итого")}


def test_the_sheets_are_there_in_order(workbook):
    wb, *_ = workbook
    assert wb.sheetnames == SHEETS


def test_summary_states_period_zone_profile_and_totals(workbook):
    wb, result, *_ = workbook
    ws = wb["Сводка"]
    pairs = {r[0].value: r[1] for r in ws.iter_rows() if r[0].value}
    assert pairs["Период с"].value == datetime(2026, 3, 1)
    assert pairs["Период с"].number_format == DAY
    assert pairs["Период по"].value == datetime(2026, 3, 2)
    assert pairs["Часовой пояс"].value.startswith("Asia/Almaty")
    assert pairs["Профиль"].value == "Магазин «Алма»"
    assert pairs["Терминал"].value == META.terminal
    # generated at 09:00 Almaty time, written as the wall-clock time Excel shows
    assert pairs["Сформировано"].value == datetime(2026, 3, 4, 9, 0)
    assert pairs["Сформировано"].number_format == MOMENT
    assert pairs["Сформировал"].value == "Айгуль"
    def number(label: str) -> Decimal:
        assert pairs[label].number_format == TENGE
        return Decimal(str(pairs[label].value))

    assert number("Заказано") == Decimal("50100")
    assert number("Списано") == Decimal("32833.33")  # 10 000 + 11 500 + 8 000 + 3 333,33
    assert number("Возвращено") == Decimal("3000")
    assert number("Чистыми (списано − возвращено)") == Decimal("29833.33")
    # 000001, 000003 (hold), 000005 matched of 5 expecting payment
    assert pairs["Доля совпадений"].value == pytest.approx(0.6)
    assert pairs["Доля совпадений"].number_format == "0.00%"
    table = {r[1].value: r for r in ws.iter_rows() if r[1].value in result.categories}
    assert len(table) == 14
    for key, total in result.categories.items():
        count, money, resolved = table[key][2], table[key][3], table[key][4]
        assert (count.value, Decimal(str(money.value)), resolved.value) == (
            total.count, total.sum.to_decimal(), total.resolved)
        assert money.number_format == TENGE
    assert table["amount_mismatch"][4].value == 1  # the mark
    assert table["matched"][0].value == "Совпадает"


def test_payments_sheet_puts_shop_and_bank_side_by_side_with_real_types(workbook):
    wb, result, *_ = workbook
    ws = wb["Платежи"]
    col = header_index(ws)
    lines = data_rows(ws)
    assert len(lines) == len(result.pairs) == 6
    first = {name: lines[0][n] for name, n in col.items()}
    assert first["День"].value == datetime(2026, 3, 1) and first["День"].number_format == DAY
    assert first["Результат сверки"].value == "Совпадает"
    assert first["Номер заказа (invoiceId)"].value == "000001"  # leading zeros kept: text
    assert first["Покупатель"].value == "Иван Петров"
    assert first["Заказ создан, Asia/Almaty"].value == datetime(2026, 3, 1, 10, 0)
    assert first["Заказ создан, Asia/Almaty"].number_format == MOMENT
    assert first["Платёж создан, Asia/Almaty"].value == datetime(2026, 3, 1, 10, 1)
    assert (first["Сумма заказа"].value, first["Сумма заказа"].number_format) == (10000, TENGE)
    assert first["Оплачен в магазине"].value == "Да"
    assert first["Статус в магазине"].value == "Оплачен"
    assert (first["Транзакция банка"].value, first["Статус банка"].value) == ("t1", "CHARGE")
    assert first["Состояние"].value == "списано"
    assert first["Списано"].value == 10000 and first["Заблокировано"].value == 0
    assert first["RRN"].value == "600000000001"
    assert first["Валюта платежа"].value == "KZT"
    assert first["Комиссия"].value is None
    by_tx = {row[col["Транзакция банка"]].value: row for row in lines}
    fee = by_tx["t5"]
    assert fee[col["Выплачено банком"]].value == 7800
    assert fee[col["Комиссия"]].value == 200  # 8 000 captured − 7 800 paid out
    assert fee[col["Возвращено"]].value == 3000
    usd = by_tx["t4"]
    assert usd[col["Списано"]].number_format == DOLLAR
    assert usd[col["Сумма заказа"]].number_format == TENGE
    assert usd[col["Результат сверки"]].value == "Расхождение валюты"
    stranger = by_tx["t99"]
    assert stranger[col["Покупатель"]].value is None
    assert stranger[col["Номер заказа (invoiceId)"]].value == "000099"
    assert stranger[col["Списано"]].value == pytest.approx(3333.33)


def test_customer_text_stays_text_and_cyrillic_is_intact(workbook):
    wb, *_ = workbook
    ws = wb["Платежи"]
    col = header_index(ws)
    names = {row[col["Покупатель"]].value for row in data_rows(ws)}
    # the bell is dropped; markup characters and the spaces around a name survive
    assert {"Әйгерім Сұлтанова", "=1+1 Ерлан", "Иван Петров", " Ольга & Co <VIP> "} <= names
    formula_like = next(r for r in data_rows(ws) if r[col["Покупатель"]].value == "=1+1 Ерлан")
    assert formula_like[col["Покупатель"]].data_type == "s"


@pytest.mark.parametrize("sheet", SHEETS[1:], ids=TABLE_IDS)
def test_every_cell_has_the_type_its_column_promises(workbook, sheet):
    wb, *_ = workbook
    ws = wb[sheet]
    for n, head in enumerate(ws[1]):
        title = head.value
        cells = [row[n] for row in data_rows(ws) if row[n].value is not None]
        for cell in cells:
            if cell.number_format in (TENGE, DOLLAR):
                assert isinstance(cell.value, int | float), (sheet, title)
            elif "Asia/Almaty" in title:
                assert isinstance(cell.value, datetime) and cell.number_format == MOMENT
            elif title == "День":
                assert isinstance(cell.value, datetime) and cell.number_format == DAY
        assert head.font.b, (sheet, title)


@pytest.mark.parametrize("sheet", SHEETS[1:], ids=TABLE_IDS)
def test_header_is_frozen_filter_is_on_and_widths_fit(workbook, sheet):
    wb, *_ = workbook
    ws = wb[sheet]
    width = ws.max_column
    last = ws.cell(1, width).column_letter
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{last}{len(data_rows(ws)) + 1}"
    for n in range(1, width + 1):
        letter = ws.cell(1, n).column_letter
        texts = [str(ws.cell(r, n).value) for r in range(1, len(data_rows(ws)) + 2)
                 if isinstance(ws.cell(r, n).value, str)]
        longest = min(max(map(len, texts), default=0), 78)
        assert ws.column_dimensions[letter].width >= longest, (sheet, letter)


@pytest.mark.parametrize("sheet", SHEETS[2:], ids=TABLE_IDS[1:])
def test_totals_equal_the_sums_of_their_rows(workbook, sheet):
    wb, *_ = workbook
    ws = wb[sheet]
    totals = totals_rows(ws)
    assert "Итого, KZT" in totals
    lines = data_rows(ws)
    checked = 0
    for label, total_row in totals.items():
        currency_format = {"Итого, KZT": TENGE, "Итого, USD": DOLLAR}[label]
        for n, cell in enumerate(total_row[1:], 1):
            if cell.value is None:
                continue
            if cell.number_format in (TENGE, DOLLAR):
                assert cell.number_format == currency_format
                column = [r[n] for r in lines if r[n].number_format == currency_format]
            else:  # counts, added up once, in the first totals row
                assert label == "Итого, KZT"
                column = list(r[n] for r in lines)
            expected = sum(Decimal(str(c.value)) for c in column if c.value is not None)
            assert Decimal(str(cell.value)) == expected, (sheet, label, ws.cell(1, n + 1).value)
            checked += 1
    assert checked > 0


def test_discrepancies_total_each_category_apart(workbook):
    """Categories are not added together: one total per category, each its own lines' sum."""
    wb, *_ = workbook
    ws = wb["Расхождения"]
    col = header_index(ws)
    totals = totals_rows(ws)
    assert "Итого, KZT" not in totals
    titles = {r[col["Категория"]].value for r in data_rows(ws)}
    assert set(totals) == {f"Итого: {title}" for title in titles}
    for label, row in totals.items():
        mine = [r for r in data_rows(ws) if f"Итого: {r[col['Категория']].value}" == label]
        for name in ("Сумма в магазине", "Сумма в банке", "Разница"):
            expected = sum(Decimal(str(r[col[name]].value)) for r in mine
                           if r[col[name]].value is not None)
            assert Decimal(str(row[col[name]].value)) == expected, (label, name)


@pytest.mark.parametrize(("language", "title", "category"), [
    ("en", "Halyk ePay payment reconciliation", "Amount differs"),
    ("kk", "Halyk ePay төлемдерін салыстыру", "Сома сәйкес емес"),
])
def test_the_summary_is_in_the_chosen_language(tmp_path, language, title, category):
    messages.use(language)
    path = write_reconciliation_workbook(tmp_path / "book.xlsx", small_case(), META)
    ws = load_workbook(path).worksheets[0]
    texts = [str(c.value) for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert texts[0] == title and category in texts
    labels = [t for t in texts if t not in (META.profile, META.generated_by)]
    russian = {"Сверка платежей Halyk ePay", "Период с", "Заказано", "Категория",
               "Совпадает", "Доля совпадений"}
    assert russian.isdisjoint(labels)
    if language == "en":
        assert [t for t in labels if re.search("[А-Яа-яЁё]", t)] == []


#: Per table sheet, the columns where the program writes words of its own (a category's name,
#: Да/Нет, a hold's term) rather than the shop's or the bank's data.
WORD_COLUMNS = [(0, 1), (1,), (0,), (), ()]


def words_of_tables(path) -> list[list[str]]:
    """Per table sheet: its name, column titles, totals labels and the program's words."""
    wb = load_workbook(path)
    sheets = []
    for ws, columns in zip(wb.worksheets[1:], WORD_COLUMNS, strict=True):
        lines = len(data_rows(ws))
        words = [ws.title] + [c.value for c in ws[1]]
        words += [row[n].value for row in ws.iter_rows(min_row=2, max_row=lines + 1)
                  for n in columns]
        words += [row[0].value for row in ws.iter_rows(min_row=lines + 2)]  # totals labels
        sheets.append([str(w) for w in words if w is not None])
    return sheets


#: Words Kazakh writes as Russian does.
SHARED_WORDS = {"RRN", "Оператор", "Карта", "Комиссия", "Валюта"}


@pytest.mark.parametrize("language", ["kk", "en"])
def test_every_sheet_speaks_the_chosen_language(workbook, tmp_path, language):
    """The tables too, not only the summary: sheet names, column titles, totals labels and the
    program's words in the cells; the Russian workbook is in Russian."""
    *_, russian_path = workbook
    messages.use(language)
    path = write_reconciliation_workbook(tmp_path / "book.xlsx", small_case(marks=[MARK]), META,
                                         refunds_and_operations=OPERATIONS)
    russian, chosen = words_of_tables(russian_path), words_of_tables(path)
    assert [sheet[0] for sheet in russian] == SHEETS[1:]
    assert "Итого, KZT" in russian[1] and "Да" in russian[0] and "ожидает" in russian[2]
    assert [len(sheet) for sheet in chosen] == [len(sheet) for sheet in russian]
    for ours, theirs in zip(chosen, russian, strict=True):
        same = [w for w, r in zip(ours, theirs, strict=True)
                if w == r and w not in SHARED_WORDS and not w.isascii()]
        assert same == [], (language, theirs[0])
        if language == "en":
            assert [w for w in ours if re.search("[А-Яа-яЁё]", w)] == [], ours[0]


def test_totals_are_formulas_that_follow_the_filter(workbook):
    *_, path = workbook
    formulas = load_workbook(path)
    ws = formulas["По дням"]
    total = totals_rows(ws)["Итого, KZT"]
    last = len(data_rows(ws)) + 1
    assert total[1].value == f"=SUBTOTAL(109,B2:B{last})"
    ws = formulas["Расхождения"]
    category = next(iter(totals_rows(ws).values()))
    col = header_index(ws)
    formula = category[col["Разница"]].value
    assert formula.startswith("=SUMPRODUCT(SUBTOTAL(109,OFFSET(") and "$A$2:$A$" in formula
    # Payments in two currencies: a row per currency, each money column's total picking the
    # rows of that currency by the column that names it (the order's or the payment's).
    ws = formulas["Платежи"]
    col = header_index(ws)
    last = len(data_rows(ws)) + 1
    totals = totals_rows(ws)

    def letter(title: str) -> str:
        return ws.cell(1, col[title] + 1).column_letter

    L, paid_in = letter("Списано"), letter("Валюта платежа")
    assert totals["Итого, USD"][col["Списано"]].value == (
        f"=SUMPRODUCT(SUBTOTAL(109,OFFSET({L}2,ROW({L}2:{L}{last})-ROW({L}2),0)),"
        f'--(${paid_in}$2:${paid_in}${last}="USD"))')
    ordered = totals["Итого, KZT"][col["Сумма заказа"]].value
    ordered_in = letter("Валюта заказа")
    assert ordered.startswith("=SUMPRODUCT(") and \
        f'--(${ordered_in}$2:${ordered_in}${last}="KZT")' in ordered


def test_a_category_with_amounts_in_two_currencies_totals_each_apart(tmp_path):
    """Unresolved operations in tenge and in dollars: one total per currency of the category,
    never dollars added to tenge."""
    open_operations = [
        OpenOperation("000001", "refund", tg("500"), "unknown", "t1", at(2, 15), "op1"),
        OpenOperation("000004", "refund", tg("20", "USD"), "unknown", "t4", at(2, 16), "op2"),
        OpenOperation("000005", "refund", tg("700"), "unknown", "t5", at(2, 17), "op3"),
    ]
    result = reconcile(date(2026, 3, 1), date(2026, 3, 2), [], [],
                       open_operations=open_operations, settings=ReconcileSettings(now=NOW))
    messages.use("ru")
    path = write_reconciliation_workbook(tmp_path / "ops.xlsx", result, META)
    ws = load_workbook(path, data_only=True)["Расхождения"]
    col = header_index(ws)
    title = data_rows(ws)[0][col["Категория"]].value
    totals = totals_rows(ws)
    assert set(totals) == {f"Итого: {title}, KZT", f"Итого: {title}, USD"}
    tenge, dollars = totals[f"Итого: {title}, KZT"], totals[f"Итого: {title}, USD"]
    bank = col["Сумма в банке"]
    assert (tenge[bank].value, tenge[bank].number_format) == (1200, TENGE)
    assert (dollars[bank].value, dollars[bank].number_format) == (20, DOLLAR)
    formulas = totals_rows(load_workbook(path)["Расхождения"])
    assert '="USD"))' in formulas[f"Итого: {title}, USD"][bank].value


def test_every_sheet_prints_landscape_one_page_wide_with_its_header_and_page_numbers(workbook):
    *_, path = workbook
    wb = load_workbook(path)
    for ws in wb.worksheets:
        setup = ws.page_setup
        assert setup.orientation == "landscape", ws.title
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert "&P" in (ws.oddFooter.center.text or ""), ws.title
        if ws.title != wb.worksheets[0].title:
            assert ws.print_title_rows == "$1:$1", ws.title


def test_usd_gets_its_own_totals_row(workbook):
    wb, *_ = workbook
    totals = totals_rows(wb["Платежи"])
    assert list(totals) == ["Итого, KZT", "Итого, USD"]


def test_discrepancies_carry_marks_and_russian_messages(workbook):
    wb, result, *_ = workbook
    ws = wb["Расхождения"]
    col = header_index(ws)
    lines = data_rows(ws)
    assert len(lines) == len(result.discrepancies)
    marked = next(r for r in lines if r[col["Код категории"]].value == "amount_mismatch")
    assert marked[col["Решено"]].value == "Да"
    assert marked[col["Примечание"]].value == "Скидка по купону"
    assert marked[col["Когда отмечено, Asia/Almaty"]].value == datetime(2026, 3, 3, 15, 30)
    assert marked[col["Разница"]].value == -500
    assert "разница" in marked[col["Описание"]].value
    categories = {r[col["Код категории"]].value for r in lines}
    assert categories == {"amount_mismatch", "unknown_to_shop", "currency_mismatch"}


def test_holds_show_expiry_and_time_left(workbook):
    wb, *_ = workbook
    ws = wb["Блокировки"]
    col = header_index(ws)
    (hold,) = data_rows(ws)
    # made 2 March 09:01, expires 9 March 09:01; now is 4 March 09:00 → 120.0 hours left
    assert hold[col["Истекает, Asia/Almaty"]].value == datetime(2026, 3, 9, 9, 1)
    assert hold[col["Осталось, ч"]].value == 120
    assert hold[col["Срок"]].value == "ожидает"
    assert hold[col["Сумма блокировки"]].value == 20000
    assert hold[col["Покупатель"]].value == "Әйгерім Сұлтанова"


def test_operations_keep_reason_operator_and_approval(workbook):
    wb, *_ = workbook
    ws = wb["Возвраты и операции"]
    col = header_index(ws)
    refund, confirm = data_rows(ws)
    assert refund[col["Действие"]].value == "возврат"
    assert refund[col["Причина"]].value == "Возврат товара"
    assert (refund[col["Оператор"]].value, refund[col["Одобрил"]].value) == ("Ерлан", "Айгуль")
    assert refund[col["Завершена, Asia/Almaty"]].value == datetime(2026, 3, 3, 12, 1)
    assert confirm[col["Действие"]].value == "подтверждение (списание)"
    assert confirm[col["Завершена, Asia/Almaty"]].value is None


def test_daily_totals_add_up_to_the_summary(workbook):
    wb, result, *_ = workbook
    ws = wb["По дням"]
    col = header_index(ws)
    assert [r[0].value for r in data_rows(ws)] == [datetime(2026, 3, 1), datetime(2026, 3, 2)]
    total = totals_rows(ws)["Итого, KZT"]
    assert Decimal(str(total[col["Списано"]].value)) == result.captured.to_decimal()
    assert Decimal(str(total[col["Чистыми"]].value)) == result.net.to_decimal()
    assert total[col["Заказов"]].value == result.orders


def test_progress_ends_at_the_total(workbook):
    *_, calls, _path = workbook
    assert calls and calls[-1][0] == calls[-1][1]


def test_nothing_but_the_workbook_is_left_in_the_folder(workbook):
    *_, path = workbook
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


# --- LibreOffice ----------------------------------------------------------------------------

#: Every sheet as CSV (filter options: comma, quote, UTF-8, all sheets).
CSV_EVERY_SHEET = "csv:Text - txt - csv (StarCalc):44,34,UTF8,1,,0,false,true,false,false,false,-1"

@pytest.mark.slow
def test_libreoffice_opens_the_workbook_and_reads_its_numbers(workbook, tmp_path):
    soffice = require_soffice()
    *_, path = workbook
    convert(soffice, path, tmp_path, "pdf")
    pdf = tmp_path / "сверка.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    # every sheet as CSV (filter options: comma, quote, UTF-8, all sheets): LibreOffice must see
    # dates as dates (not serial numbers) and totals equal to the engine's
    convert(soffice, path, tmp_path, CSV_EVERY_SHEET)
    daily = (tmp_path / "сверка-По дням.csv").read_text(encoding="utf-8").splitlines()
    assert daily[0].startswith("День,Заказов,Заказано")
    assert daily[1].startswith("03/01/2026,")
    assert daily[-1] == '"Итого, KZT",5,50100,5,32833.33,3000,29833.33,3'
    summary = (tmp_path / "сверка-Сводка.csv").read_text(encoding="utf-8")
    assert "Профиль,Магазин «Алма»" in summary
    assert re.search(r"^Доля совпадений,60(\.00)?%", summary, re.MULTILINE)


@pytest.mark.slow
def test_libreoffice_recalculates_the_totals_after_an_edit_and_a_filter(workbook, tmp_path):
    """The accountant corrects the dollar payment and hides a tenge line: LibreOffice, computing
    the formulas itself, shows each currency's totals of what is shown."""
    soffice = require_soffice()
    *_, path = workbook
    wb = load_workbook(path)  # the formulas
    ws = wb["Платежи"]
    col = header_index(ws)
    by_tx = {r[col["Транзакция банка"]].value: r for r in data_rows(ws)}
    by_tx["t4"][col["Списано"]].value = 250
    ws.row_dimensions[by_tx["t1"][0].row].hidden = True  # 10 000 ordered and captured
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)  # openpyxl keeps the formulas and drops every cached value
    convert(soffice, edited, tmp_path, CSV_EVERY_SHEET, recalculate=True)
    lines = list(csv.reader((tmp_path / "edited-Платежи.csv").read_text(encoding="utf-8")
                            .splitlines()))
    head = lines[0]
    totals = {line[0]: line for line in lines if line and line[0].startswith("Итого")}

    def total(label: str, title: str) -> Decimal:
        return Decimal(totals[label][head.index(title)])

    assert total("Итого, USD", "Списано") == 250
    assert total("Итого, KZT", "Списано") == Decimal("32833.33") - 10000
    assert total("Итого, KZT", "Сумма заказа") == 50100 - 10000  # order 000004 is in tenge
    assert total("Итого, USD", "Сумма заказа") == 0
    assert total("Итого, USD", "Сумма платежа") == 100


# --- cancel and bad paths ---------------------------------------------------------------------

def many_lines(n: int):
    orders = [ShopOrder(f"{i:09d}", Money(1000_00), at(1, 12), "Покупатель", True)
              for i in range(n)]
    payments = [BankPayment(f"{i:09d}", f"t{i}", "CHARGE", State.CAPTURED, Money(1000_00),
                            Money(1000_00), Money(0), Money(1000_00), Money(0), None, at(1, 12))
                for i in range(n)]
    return reconcile(date(2026, 3, 1), date(2026, 3, 1), orders, payments,
                     settings=ReconcileSettings(now=NOW))


@pytest.fixture
def private_tempdir(tmp_path, monkeypatch):
    """openpyxl streams sheets into the system temp folder: give it one we can look into."""
    folder = tmp_path / "system-temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_cancel_midway_leaves_nothing_and_keeps_the_previous_file(tmp_path, private_tempdir):
    out = tmp_path / "out"
    out.mkdir()
    path = out / "сверка.xlsx"
    path.write_bytes(b"the previous workbook")
    cancel = threading.Event()
    seen: list[int] = []

    def progress(done: int, total: int) -> None:
        seen.append(done)
        cancel.set()  # the person presses Cancel at the first progress report

    with pytest.raises(ExportCancelled):
        write_reconciliation_workbook(path, many_lines(2500), META, progress=progress,
                                      cancel=cancel)
    assert seen == [1000]
    assert [p.name for p in out.iterdir()] == ["сверка.xlsx"]
    assert path.read_bytes() == b"the previous workbook"
    assert list(private_tempdir.iterdir()) == []


def test_cancel_before_start_writes_nothing(tmp_path, private_tempdir):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(ExportCancelled):
        write_reconciliation_workbook(tmp_path / "a.xlsx", small_case(), META, cancel=cancel)
    assert list(tmp_path.iterdir()) == [private_tempdir]
    assert list(private_tempdir.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("missing-folder/сверка.xlsx", "does not exist. Create it first or choose another folder"),
        ("report.xls", "must end in .xlsx"),
        ("a-folder.xlsx", "it is a folder"),
        ("x" * 300 + ".xlsx", "too long"),
    ],
)
def test_an_unwritable_path_is_named_with_what_to_do_and_nothing_is_written(
    tmp_path, private_tempdir, name, words
):
    (tmp_path / "a-folder.xlsx").mkdir()
    target = tmp_path / name
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(ExportError) as caught:
        write_reconciliation_workbook(target, small_case(), META)
    message = str(caught.value)
    assert str(target) in message and words in message
    assert sorted(tmp_path.rglob("*")) == before
    assert list(private_tempdir.iterdir()) == []


class TooManyLines(Sequence):
    """More payment lines than a sheet can hold; none of them is ever read."""

    def __len__(self) -> int:
        return 1_048_576

    def __getitem__(self, index):
        raise AssertionError("the export must refuse before reading any line")


def test_more_lines_than_a_sheet_holds_are_refused_before_writing(tmp_path, private_tempdir):
    target = tmp_path / "month.xlsx"
    with pytest.raises(ExportError, match=r"«Payments» would have 1,048,576 rows.*shorter period"):
        write_reconciliation_workbook(target, small_case(), META, payments=TooManyLines(),
                                      holds=[])
    assert list(tmp_path.iterdir()) == [private_tempdir]


def test_a_failure_while_saving_is_reported_and_cleaned_up(tmp_path, private_tempdir, monkeypatch):
    def disk_full(self, filename):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("openpyxl.workbook.workbook.Workbook.save", disk_full)
    with pytest.raises(ExportError, match=r"No space left on device\. Free some disk space"):
        write_reconciliation_workbook(tmp_path / "a.xlsx", many_lines(10), META)
    assert list(tmp_path.iterdir()) == [private_tempdir]
    assert list(private_tempdir.iterdir()) == []
