"""`halyk-desk orders import`: what the accountant sees, and the exit codes scripts rely on."""

from __future__ import annotations

import csv
import json

import pytest
from cli_helpers import run

HEADER = ["ID", "Сумма", "Валюта", "Дата создания", "Покупатель"]
ROWS = [
    ["123456", "1 500,00", "KZT", "01.11.2026 10:30", "Иванова Ольга"],
    ["123457", "99,90", "KZT", "01.11.2026 11:00", "Ким Виктор"],
]


def write(path, rows, delimiter=";"):
    with open(path, "w", encoding="cp1251", newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return str(path)


def payments(capsys, store_url):
    code, out, _ = run(capsys, store_url, "payments", "--json")
    assert code == 0
    return json.loads(out)


def test_import_then_the_same_file_again(capsys, store_url, shop, tmp_path):
    path = write(tmp_path / "orders.csv", [HEADER, *ROWS])

    code, out, _ = run(capsys, store_url, "orders", "import", path)
    assert (code, out.strip()) == (0, "Imported orders.csv into profile 'shop': 2 added, "
                                      "0 unchanged.")

    code, out, _ = run(capsys, store_url, "orders", "import", path)
    assert code == 0 and "0 added, 2 unchanged" in out
    assert [p["invoice_id"] for p in payments(capsys, store_url)] == ["123456", "123457"]


def test_a_bad_file_is_refused_with_every_row_named_and_nothing_imported(
        capsys, store_url, shop, tmp_path):
    path = write(tmp_path / "orders.csv", [
        HEADER, *ROWS, ["12", "10,00", "KZT", "01.11.2026 12:00", ""],
        ["123459", "десять", "KZT", "31.11.2026 12:00", ""],
    ])

    code, out, err = run(capsys, store_url, "orders", "import", path)

    assert (code, out) == (1, "")
    assert "Nothing was imported from orders.csv: 3 problems" in err
    assert "row 4, column ID" in err
    assert "row 5, column Сумма" in err and "row 5, column Дата создания" in err
    assert payments(capsys, store_url) == []


def test_a_conflicting_reimport_lists_every_conflict(capsys, store_url, shop, tmp_path):
    run(capsys, store_url, "orders", "import", write(tmp_path / "a.csv", [HEADER, *ROWS]))
    changed = [["123456", "1 500,00", "KZT", "02.11.2026 10:30", ""],  # another date
               ["123457", "100,00", "KZT", "01.11.2026 11:00", ""]]  # another amount

    code, _, err = run(capsys, store_url, "orders", "import",
                       write(tmp_path / "b.csv", [HEADER, *changed]))

    assert code == 1
    assert "row 2, column Дата создания: order 123456 is already stored" in err
    assert "row 3, column Сумма: order 123457 is already stored" in err
    assert [p["amount"] for p in payments(capsys, store_url)] == ["1500.00", "99.90"]


def test_a_mapping_as_json_or_from_a_file(capsys, store_url, shop, tmp_path):
    path = write(tmp_path / "o.csv", [["No", "Total"], ["654321", "12.50"]], delimiter=",")
    mapping = tmp_path / "mapping.json"
    mapping.write_text('{"invoice_id": "No", "amount": "Total"}', encoding="utf-8")

    code, out, _ = run(capsys, store_url, "orders", "import", path, "--mapping", f"@{mapping}")
    assert code == 0 and "1 added" in out
    code, out, _ = run(capsys, store_url, "orders", "import", path, "--mapping",
                       '{"invoice_id": "No", "amount": "Total"}')
    assert code == 0 and "1 unchanged" in out


def test_unknown_columns_are_refused_with_the_mapping_that_would_name_them(
        capsys, store_url, shop, tmp_path):
    path = write(tmp_path / "o.csv", [["No", "Total"], ["654321", "12.50"]], delimiter=",")

    code, _, err = run(capsys, store_url, "orders", "import", path)

    assert code == 1
    assert "Rename the column in the file" in err
    assert "Or map the column yourself, e.g. --mapping '{\"invoice_id\": \"Column name\"}'." in err
    assert payments(capsys, store_url) == []


def test_a_column_taken_of_two_candidates_comes_with_the_mapping_for_the_other(
        capsys, store_url, shop, tmp_path):
    path = write(tmp_path / "o.csv", [["ID", "Номер заказа", "Сумма"], ["1", "123456", "10"]])

    code, _, err = run(capsys, store_url, "orders", "import", path)

    assert code == 0
    assert "Took column 'Номер заказа' for the order number (invoiceId)" in err
    assert "Or name the column yourself: --mapping '{\"invoice_id\": \"ID\"}'." in err


@pytest.mark.parametrize("mapping", ['{"invoice_id": ', '{"order": "No"}', "@/no/such/file"])
def test_a_bad_mapping_is_a_usage_error(capsys, store_url, shop, tmp_path, mapping):
    path = write(tmp_path / "o.csv", [HEADER, *ROWS])

    code, _, err = run(capsys, store_url, "orders", "import", path, "--mapping", mapping)

    assert code == 2 and "--mapping" in err
    assert payments(capsys, store_url) == []


def test_a_missing_file_is_refused(capsys, store_url, shop, tmp_path):
    code, _, err = run(capsys, store_url, "orders", "import", str(tmp_path / "nope.csv"))
    assert code == 1 and "There is no file" in err


def test_an_unknown_profile_is_a_usage_error(capsys, store_url, shop, tmp_path):
    path = write(tmp_path / "o.csv", [HEADER, *ROWS])
    code, _, err = run(capsys, store_url, "orders", "import", path, profile="nobody")
    assert code == 2 and "no profile named 'nobody'" in err


def test_help_documents_the_exit_codes(capsys, store_url):
    code, out, _ = run(capsys, store_url, "orders", "import", "--help")
    assert code == 0
    assert "exit codes:" in out and "1  the file was refused" in out and "2  usage error" in out
