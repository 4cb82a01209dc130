"""Hostile and mistaken files are refused cheaply: each one below is imported by the real command
in a child process, which must refuse it with a message (no traceback), store nothing, and stay
within 300 MB of memory and 20 seconds (issue 14's target; the files are made to cost gigabytes
when read naively). The files are built cheaply: highly compressible parts, repeated bytes."""

from __future__ import annotations

import subprocess
import sys
import time
import zipfile
from collections.abc import Iterable
from pathlib import Path

import pytest

from halyk_desk.imports import ImportFailed, read_orders
from halyk_desk.imports.limits import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_LISTED_PROBLEMS,
    MAX_ROWS,
)

MEMORY_LIMIT_MB = 300
SECONDS_LIMIT = 20
HEADER = "Номер заказа;Сумма;Дата создания\r\n".encode()


# The child notes its own peak (VmHWM, of its own address space): getrusage and wait4 would
# count the test process's memory too, which the child shares between fork and exec.
_MEASURED = """
import sys
from halyk_desk.cli import main
try:
    code = main(sys.argv[2:])
finally:
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            open(sys.argv[1], "w").write(line.split()[1])
sys.exit(code)
"""


def import_in_child(path: Path, home: Path) -> tuple[int, str, float, float]:
    """`halyk-desk orders import PATH` as a child process: exit code, stderr, its peak resident
    memory (MB) and its wall time (s)."""
    peak = home.parent / "peak-kb"
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED, str(peak), "--home", str(home), "orders", "import",
         str(path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, encoding="utf-8",
    )
    seconds = time.monotonic() - started
    return done.returncode, done.stderr, int(peak.read_text()) / 1024, seconds


def payments(home: Path) -> str:
    return subprocess.run(
        [sys.executable, "-m", "halyk_desk", "--home", str(home), "payments", "--json"],
        capture_output=True, text=True, encoding="utf-8", check=True).stdout


def assert_refused_cheaply(path: Path, home: Path, *fragments: str) -> str:
    before = payments(home)  # the sandbox profile's demo orders
    code, err, peak_mb, seconds = import_in_child(path, home)
    assert code == 1, err
    assert "Traceback" not in err and "Nothing was imported" in err, err
    for fragment in fragments:
        assert fragment in err
    assert peak_mb <= MEMORY_LIMIT_MB, f"peak {peak_mb:.0f} MB"
    assert seconds <= SECONDS_LIMIT, f"{seconds:.1f} s"
    assert payments(home) == before  # nothing stored
    return err


def workbook(path: Path, sheet_parts: Iterable[bytes], *, level: int = 1) -> Path:
    """An XLSX whose one worksheet is the concatenated `sheet_parts` (streamed into the ZIP, so a
    gigabyte costs a second and no memory); the other parts are a real openpyxl workbook's."""
    import openpyxl

    model = path.with_suffix(".model.xlsx")
    book = openpyxl.Workbook()
    book.active.title = "Orders"
    book.save(model)
    with zipfile.ZipFile(model) as source, zipfile.ZipFile(
        path, "w", zipfile.ZIP_DEFLATED, compresslevel=level
    ) as target:
        for item in source.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                target.writestr(item, source.read(item))
        with target.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://'
                        b'schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            for part in sheet_parts:
                sheet.write(part)
            sheet.write(b"</sheetData></worksheet>")
    model.unlink()
    return path


def text_row(*values: str) -> bytes:
    cells = "".join(f'<c t="inlineStr"><is><t>{value}</t></is></c>' for value in values)
    return f"<row>{cells}</row>".encode()


def huge_cell(size: int, chunk: int = 1 << 20) -> Iterable[bytes]:
    yield text_row("Номер заказа", "Сумма") + b'<row><c r="A2" t="inlineStr"><is><t>'
    for _ in range(size // chunk):
        yield b"A" * chunk
    yield b"</t></is></c></row>"


def test_a_one_gib_cell_is_refused_from_the_zip_directory(tmp_path):
    path = workbook(tmp_path / "bomb.xlsx", huge_cell(2**30), level=9)
    assert path.stat().st_size < 2 * 2**20  # about a megabyte on disk
    err = assert_refused_cheaply(path, tmp_path / "home", "(xl/worksheets/sheet1.xml is 1,024 MB",
                                 "split the orders into several files")
    assert "row" not in err.split("\n")[1].split(":")[0]  # a problem of the whole file


def test_a_cell_longer_than_excel_allows_is_refused_while_streaming(tmp_path):
    path = workbook(tmp_path / "long-cell.xlsx", huge_cell(100 * 2**20))
    assert_refused_cheaply(path, tmp_path / "home", "row 2, column A: a value is longer than "
                           f"{MAX_CELL_CHARS:,} characters")


def test_three_million_rows_are_refused_at_the_row_limit_not_listed(tmp_path):
    rows = [text_row("Номер заказа", "Сумма"), *[text_row("x", "y") * 1000] * 3000]
    path = workbook(tmp_path / "rows.xlsx", rows, level=9)
    assert path.stat().st_size < 2**20
    err = assert_refused_cheaply(path, tmp_path / "home",
                                 f"Sheet «Orders» has more than {MAX_ROWS:,} rows of orders")
    assert len(err.splitlines()) < 5


def test_a_cell_far_right_is_refused(tmp_path):
    path = workbook(tmp_path / "wide.xlsx", [
        text_row("Номер заказа", "Сумма"),
        b'<row r="2"><c r="A2"><v>123456</v></c><c r="XFD2" s="0"/></row>',
    ])
    assert_refused_cheaply(path, tmp_path / "home", "column XFD (column 16,384)",
                           f"at most {MAX_COLUMNS:,} columns")


def test_a_csv_too_big_for_an_order_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("wb") as out:
        out.write(HEADER)
        out.truncate(MAX_FILE_BYTES + 1)  # a sparse file: costs no disk
    assert_refused_cheaply(path, tmp_path / "home", "at most 100 MB")


def test_a_csv_with_too_many_rows_is_refused_when_the_limit_is_passed(tmp_path):
    path = tmp_path / "rows.csv"
    with path.open("wb") as out:
        out.write(HEADER)
        row = b"000123456;1500;01.11.2026\r\n"
        out.write(row * (90 * 2**20 // len(row)))  # 90 MB, 3.5 million rows
    err = assert_refused_cheaply(path, tmp_path / "home", f"more than {MAX_ROWS:,} rows")
    assert len(err.splitlines()) < 5


@pytest.mark.parametrize(("body", "fragment"), [
    (b'000123456;"' + b"A" * (50 * 2**20) + b'";01.11.2026\r\n',
     "row 2: this row is longer than 1,048,576 characters: a quote is probably never closed"),
    (b"000123456;" + b"A" * (MAX_CELL_CHARS + 1) + b";01.11.2026\r\n",
     f"row 2: a value is longer than {MAX_CELL_CHARS:,} characters"),
    (b";" * (50 * 2**20) + b"\r\n", "row 2: this row is longer than"),
    (b"1;" * (MAX_COLUMNS + 5) + b"\r\n", f"row 2: this row has {MAX_COLUMNS + 6:,} values"),
], ids=["quote never closed", "long field", "a line of separators", "too many columns"])
def test_csv_records_fields_and_columns_are_bounded(tmp_path, body, fragment):
    path = tmp_path / "bad.csv"
    path.write_bytes(HEADER + body)
    assert_refused_cheaply(path, tmp_path / "home", fragment)


def test_a_big_csv_with_a_bad_last_row_lists_that_row_within_bounds(tmp_path):
    path = tmp_path / "last-row.csv"
    rows = MAX_ROWS // 2  # half the limit: a big month, well inside 20 s on a loaded machine
    with path.open("wb") as out:
        out.write(HEADER)
        out.writelines(f"{n:09d};1500;01.11.2026\r\n".encode() for n in range(1, rows))
        out.write(b"000000000777;abc;01.11.2026\r\n")
    assert_refused_cheaply(path, tmp_path / "home", f"row {rows + 1}, column Сумма: 'abc' is not "
                           "an amount")


def test_a_file_with_every_row_wrong_lists_the_first_problems_and_counts_the_rest(files):
    path = files.raw(HEADER + b"12;x;y\r\n" * 5000)
    with pytest.raises(ImportFailed) as failed:
        read_orders(path)
    assert len(failed.value.errors) == MAX_LISTED_PROBLEMS
    assert failed.value.count == 15_000
    text = str(failed.value)
    assert "15,000 problems" in text
    assert f"… and {15_000 - MAX_LISTED_PROBLEMS:,} more" in text
    assert [e.row for e in failed.value.errors[:6]] == [2, 2, 2, 3, 3, 3]


@pytest.mark.parametrize(("customer", "said"), [
    ("Я" * 300, "A text of 300 characters does not fit the field «Customer»: at most 255"),
    ("Иван\x1b[2JОв", "The field «Customer» has the control character ESC (position 5)"),
    ("Иван\u202eвО", "control character U+202E"),
])
def test_a_customer_name_too_long_or_with_control_characters_is_listed(files, customer, said):
    others = [[f"{n:09d}", "100", "Ким Виктор"] for n in range(1, 10)]  # a stray control
    # character among real rows: not a binary file
    path = files.csv([["Номер заказа", "Сумма", "Покупатель"], ["000123456", "100", customer],
                      *others])
    with pytest.raises(ImportFailed) as failed:
        read_orders(path)
    [error] = failed.value.errors
    assert (error.row, error.column) == (2, "Покупатель")
    assert said in str(error)
