"""`halyk-desk reconcile` and `reconcile mark` on the demo month, in this process: the --json
shape, the exit codes a morning script relies on, the workbook, and bad input writing nothing."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from conftest import ACCOUNTANT, DISABLED, MANAGER, truth
from libreoffice import convert, require_soffice
from openpyxl import load_workbook
from operator_helpers import main_as

from halyk_desk.domain import Money, utc_now
from halyk_desk.domain.timeutil import business_day_of
from halyk_desk.reconcile import CATEGORIES
from halyk_desk.reconcile.categories import CATEGORY_NAMES
from halyk_desk.services import operations
from halyk_desk.services.operations import Reason
from halyk_desk.services.reconciliation import list_runs

SHEETS = ["Сводка", "Расхождения", "Платежи", "Блокировки", "Возвраты и операции", "По дням"]
DECIMAL = re.compile(r"^-?\d+\.\d{2}$")


def cli(capsys, *argv: str, operator: str = ACCOUNTANT) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main_as(operator, list(argv))
    except SystemExit as exit_:  # argparse's usage errors
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def period(orders) -> list[str]:
    first = business_day_of(min(o.created_at for o in orders))
    return ["--from", first.isoformat(), "--to", business_day_of(utc_now()).strftime("%d.%m.%Y")]


def test_json_has_every_key_and_open_discrepancies_exit_7(demo, capsys):
    ctx, orders = demo
    code, out, err = cli(capsys, "reconcile", *period(orders), "--json")
    assert (code, err) == (7, "")
    doc = json.loads(out)
    assert list(doc)[:5] == ["from", "to", "time_zone", "match_rate", "categories"]
    assert doc["from"] == period(orders)[1] and doc["to"] == business_day_of(utc_now()).isoformat()
    assert doc["time_zone"] == "Asia/Almaty"
    assert 0 < Decimal(doc["match_rate"]) < 1
    assert list(doc["categories"]) == list(CATEGORIES)
    for total in doc["categories"].values():
        assert set(total) == {"count", "sum"}
        assert isinstance(total["count"], int) and DECIMAL.match(total["sum"])
    for category, invoices in truth(orders).items():
        assert doc["categories"][category]["count"] == len(invoices)
    assert doc["categories"]["fee"] == {"count": 0, "sum": "0.00"}  # zero when empty, not absent
    assert doc["discrepancies_open"] == len(doc["discrepancies"]) > 0
    assert doc["operations_list"]["status"] == "read"
    assert [r.id for r in list_runs(ctx)] == [doc["run_id"]]
    # The audit log's head as the run found it: yesterday's --json proves today's log.
    code, head, _ = cli(capsys, "audit", "head")
    assert code == 0 and doc["audit_head"] == head.strip()
    assert cli(capsys, "audit", "verify", "--head", doc["audit_head"])[0] == 0


def test_once_every_discrepancy_is_marked_resolved_the_run_exits_0(demo, capsys):
    _, orders = demo
    _, out, _ = cli(capsys, "reconcile", *period(orders), "--json")
    for item in json.loads(out)["discrepancies"]:
        code, said, _ = cli(capsys, "reconcile", "mark", item["key"], "--note", "Проверено",
                            "--category", item["category"])
        assert code == 0 and item["key"] in said
    code, out, err = cli(capsys, "reconcile", *period(orders), "--json")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert doc["discrepancies_open"] == 0
    assert {(d["resolved"], d["note"], d["resolved_by"]) for d in doc["discrepancies"]} == {
        (True, "Проверено", ACCOUNTANT)}


@pytest.mark.parametrize(("language", "rate", "money", "open_items"), [
    ("en", "match rate", r"KZT [\d,]+\.\d\d", "Open discrepancies:"),
    ("ru", "совпадение", r"[\d\s]+,\d\d\s₸", "Открытые расхождения:"),
    ("kk", "сәйкестік", r"[\d\s]+,\d\d\s₸", "Ашық айырмашылықтар:"),
])
def test_the_summary_is_readable_without_json(demo, capsys, language, rate, money, open_items):
    _, orders = demo
    code, out, _ = cli(capsys, "--lang", language, "reconcile", *period(orders))
    assert code == 7
    assert rate in out and "Asia/Almaty" in out
    for key in CATEGORIES:
        title = re.escape(CATEGORY_NAMES[key].render(language))
        assert re.search(rf"{title}\s+\d+\s+{money}\s+{key}", out), key
    assert open_items in out


def test_without_the_operations_list_the_store_alone_is_reconciled(demo, capsys):
    _, orders = demo
    code, out, _ = cli(capsys, "reconcile", *period(orders), "--json", "--no-operations-list")
    doc = json.loads(out)
    assert code == 7
    assert doc["operations_list"]["status"] == "off"
    assert doc["categories"]["unknown_to_shop"]["count"] == 0


# --- the workbook ---------------------------------------------------------------------------------

def data_rows(ws) -> list[tuple]:
    lines = []
    for row in ws.iter_rows(min_row=2):
        if all(c.value is None for c in row):
            break
        lines.append(row)
    return lines


def assert_totals_equal_rows(ws) -> int:
    """Every number of the totals rows ("Итого, KZT", or "Итого: <category>" on Расхождения,
    one per category) equals the sum of its column's lines (of that category); returns how
    many were checked."""
    lines = data_rows(ws)
    checked = 0
    for total in ws.iter_rows():
        label = str(total[0].value)
        if label == "Итого, KZT":
            mine = lines
        elif label.startswith("Итого: "):
            mine = [r for r in lines if r[0].value == label.removeprefix("Итого: ")]
        else:
            continue
        for n, cell in enumerate(total[1:], 1):
            if isinstance(cell.value, int | float | Decimal):
                expected = sum(Decimal(str(r[n].value)) for r in mine if r[n].value is not None)
                assert Decimal(str(cell.value)) == expected, (ws.title, ws.cell(1, n + 1).value)
                checked += 1
    return checked


@pytest.fixture
def exported(demo, capsys, tmp_path):
    """The demo month's workbook written by the CLI, after a manager's partial refund."""
    ctx, orders = demo
    paid = next(o for o in orders if o.discrepancy is None and o.paid and o.in_export
                and o.status == "Выполнен")
    outcome = operations.refund(ctx.as_(MANAGER), paid.invoice_id, amount=Money(1000_00),
                                reason=Reason("Просьба покупателя"), note="вернул товар")
    assert outcome.result == "done"
    path = tmp_path / "out" / "сверка за месяц.xlsx"
    path.parent.mkdir()
    # the accountant's language: the workbook's sheets and columns are written in it
    code, out, _ = cli(capsys, "--lang", "ru", "reconcile", *period(orders), "--xlsx", str(path),
                       "--json")
    assert code == 7
    return path, json.loads(out), paid


def test_xlsx_writes_a_workbook_whose_totals_equal_its_rows(exported):
    path, doc, paid = exported
    wb = load_workbook(path, data_only=True)  # the totals' cached values
    assert wb.sheetnames == SHEETS
    # the audit log's head as the run found it, beside who made the workbook
    assert doc["audit_head"] in [r[1].value for r in wb["Сводка"].iter_rows()]
    assert doc["audit_head"].split(":")[0].isdigit()
    summary = {r[1].value: r for r in wb["Сводка"].iter_rows() if r[1].value in CATEGORIES}
    for key, total in doc["categories"].items():
        assert summary[key][2].value == total["count"]
        assert Decimal(str(summary[key][3].value)) == Decimal(total["sum"])
    assert len(data_rows(wb["Расхождения"])) == len(doc["discrepancies"])
    for sheet in SHEETS[1:]:
        assert assert_totals_equal_rows(wb[sheet]) > 0
    payments = wb["Платежи"]
    head = [c.value for c in payments[1]]
    total = next(r for r in payments.iter_rows() if r[0].value == "Итого, KZT")
    assert Decimal(str(total[head.index("Сумма заказа")].value)) == Decimal(doc["ordered"])
    assert Decimal(str(total[head.index("Списано")].value)) == Decimal(doc["captured"])
    assert Decimal(str(total[head.index("Возвращено")].value)) == Decimal(doc["refunded"])
    [refund] = [[c.value for c in r] for r in data_rows(wb["Возвраты и операции"])]
    head = [c.value for c in wb["Возвраты и операции"][1]]
    line = dict(zip(head, refund, strict=True))
    assert (line["Номер заказа (invoiceId)"], line["Оператор"], line["Сумма"]) == \
        (paid.invoice_id, MANAGER, 1000)
    assert line["Причина"].startswith("Просьба покупателя")
    assert line["Состояние"] == "выполнена"
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


@pytest.mark.slow
def test_libreoffice_opens_the_exported_workbook(exported, tmp_path):
    soffice = require_soffice()
    path, *_ = exported
    convert(soffice, path, tmp_path, "pdf")
    assert (tmp_path / f"{path.stem}.pdf").read_bytes()[:5] == b"%PDF-"


# --- bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("argv", "words"), [
    (["--from", "2026-11-02", "--to", "2026-11-01"], "after --to"),
    ([], "needs --from"),
    (["--from", "2020-01-01", "--to", "2020-01-31"], "Nothing to reconcile"),
    (["--from", "31.02.2026"], "is not a date"),
    (["--from", "{first}", "--xlsx", "{out}/no-such-folder/сверка.xlsx"], "does not exist"),
    (["--from", "{first}", "--xlsx", "{out}/папка.xlsx"], "is a folder"),
    (["--from", "{first}", "--xlsx", "{out}/сверка.csv"], "must end in .xlsx"),
], ids=["from-after-to", "no-from", "empty-period", "bad-date", "missing-folder", "a-folder",
        "not-xlsx"])
def test_bad_input_is_a_usage_error_and_writes_nothing(demo, capsys, tmp_path, argv, words):
    ctx, orders = demo
    out = tmp_path / "out"
    out.mkdir()
    there = [out / "папка.xlsx"] if words == "is a folder" else []
    for folder in there:
        folder.mkdir()
    first = business_day_of(min(o.created_at for o in orders)).isoformat()
    argv = [a.format(first=first, out=out) for a in argv]
    code, said, err = cli(capsys, "reconcile", *argv, "--json")
    assert code == 2
    assert words in err and said == ""
    assert list_runs(ctx) == []
    assert list(out.iterdir()) == there
    assert all(not any(folder.iterdir()) for folder in there)


def test_an_unknown_profile_is_a_usage_error(demo, capsys):
    _, orders = demo
    code, _, err = cli(capsys, "--profile", "nope", "reconcile", *period(orders))
    assert code == 2 and "no profile named 'nope'" in err


@pytest.mark.parametrize("who", ["mallory", DISABLED])
def test_an_operator_who_may_not_reconcile_gets_4(demo, capsys, who):
    ctx, orders = demo
    code, out, err = cli(capsys, "reconcile", *period(orders), operator=who)
    assert (code, out) == (4, "") and who in err
    code, _, err = cli(capsys, "reconcile", "mark", "invoice:000123", "--note", "x", operator=who)
    assert code == 4 and who in err
    assert list_runs(ctx) == []


@pytest.mark.parametrize(("argv", "words"), [
    (["000123", "--note", "ok"], "not a discrepancy key"),
    (["invoice:000123", "--note", " "], "A note is required"),
    (["invoice:000123", "--note", "ok", "--category", "matched"], "invalid choice"),
])
def test_a_bad_mark_is_a_usage_error(demo, capsys, argv, words):
    code, _, err = cli(capsys, "reconcile", "mark", *argv)
    assert code == 2 and words in err
