"""How much of an order file is read before it is refused: every bound is checked while the file
streams past (CSV records, the workbook's ZIP directory and XML), so a hostile or mistaken file
costs a few megabytes and a few seconds, never the computer's memory.

The figures are far above any real shop export (a month of a busy shop is tens of thousands of
orders with a dozen columns) and are listed in docs/admin-guide.md.
"""

from __future__ import annotations

#: The file on disk. Bigger exports are split by period (one file per month).
MAX_FILE_BYTES = 100 * 2**20
#: Rows holding something (the header and a few title rows come on top).
MAX_ROWS = 200_000
#: Columns of a row; Excel itself allows 16,384, a shop export has a few dozen.
MAX_COLUMNS = 1_000
#: One cell or field, in characters: Excel's own limit, so no real workbook exceeds it.
MAX_CELL_CHARS = 32_767
#: One CSV record, in characters (a row of many columns, or a quote never closed).
MAX_RECORD_CHARS = 2**20
#: Unpacked parts of a workbook: a worksheet, the shared texts, and any other part (styles...).
MAX_SHEET_BYTES = 256 * 2**20
MAX_SHARED_STRINGS_BYTES = 64 * 2**20
MAX_OTHER_PART_BYTES = 8 * 2**20  # openpyxl builds a whole tree of these
MAX_UNPACKED_BYTES = 512 * 2**20
#: Rows above the header that are skipped (a title, a blank line or two).
HEADER_SEARCH = 10
#: Problems kept and listed; the rest are counted ("... and 1,234 more").
MAX_LISTED_PROBLEMS = 100


def megabytes(size: int) -> int:
    return round(size / 2**20)
