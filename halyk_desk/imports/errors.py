"""What went wrong in an order file, said so that the accountant knows what to fix."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem: where it is (row and column as the user sees them) and what to do about it.

    `row` and `column` are None for problems with the whole file (no header, wrong format, ...).
    """

    row: int | None
    column: str | None
    value: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class ImportFailed(Exception):
    """Nothing was imported; `errors` lists every problem found in the file, in file order."""

    def __init__(self, errors: Iterable[RowError], source_file: str | None = None) -> None:
        self.errors = list(errors)
        self.source_file = source_file
        super().__init__(self.errors, source_file)  # keeps the exception picklable

    def __str__(self) -> str:
        source = f" from {self.source_file}" if self.source_file else ""
        count = len(self.errors)
        head = (
            f"Nothing was imported{source}: {count} problem{'s' if count != 1 else ''} "
            "to fix in the file before importing it again."
        )
        return "\n".join([head, *(f"  {error}" for error in self.errors)])


def file_error(message: str) -> ImportFailed:
    """A problem with the file as a whole rather than with one of its rows."""
    return ImportFailed([RowError(None, None, None, message)])
