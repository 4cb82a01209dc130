"""The bank's operations registry (POST /operations) read whole: every page, each record once.

The bank's pages disagree on what `paging.page` means (epay-api.md): a 0-based page number, a
1-based one, or the number of records to skip. Guessing wrong loses records without a word, so
the convention is found out on first use with two requests — pages 0 and 1 — and kept:

    page 1 repeats page 0           -> "one"  (page 0 read as page 1; a refused page 0 too)
    page 1 is page 0 shifted by one  -> "skip" (page = records to skip)
    page 1 shares nothing with page 0 -> "zero"

Then pages are read until the bank's totalCount records are in (several at once when `workers`
allows), records are deduplicated by their transaction id, and a list that never reaches its
count is an error naming the period and both counts, never a shorter list.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, Protocol

from halyk_desk.epay import errors
from halyk_desk.epay.models import OperationRecord
from halyk_desk.messages import msg


class PagedClient(Protocol):
    """What the registry needs of epay.client.EpayClient (named so, not imported: the client
    imports this module)."""

    operations_paging: str | None

    def operations_page(self, search: list[dict[str, Any]], page: int,
                        size: int) -> tuple[list[OperationRecord], int | None]: ...

CONVENTIONS = ("zero", "one", "skip")


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC, and the zone a person reads it in."""

    start: datetime
    end: datetime
    zone: tzinfo

    def holds(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def __str__(self) -> str:
        def shown(moment: datetime) -> str:
            return moment.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")

        return f"[{shown(self.start)}, {shown(self.end)}) {self.zone}"


def _operation() -> str:
    return str(msg("epay.op.operations_list", "список операций"))


def page_number(convention: str, offset: int, size: int) -> int:
    """What to send as paging.page for the records from `offset` on."""
    if convention == "skip":
        return offset
    return offset // size + (1 if convention == "one" else 0)


def _key(record: OperationRecord) -> Any:
    # Without an id a record is told apart by all it says (two identical ones are one).
    return record.transaction_id or repr(sorted(record.raw.items()))


class Registry:
    """One reading of the list for one search (see the module's docstring)."""

    def __init__(self, client: PagedClient, search: list[dict[str, Any]], size: int,
                 workers: int, period: Period) -> None:
        if size < 2:
            raise ValueError("page_size must be at least 2 to tell the paging conventions apart")
        self.client = client
        self.search = search
        self.size = size
        self.workers = workers
        self.period = period
        self.records: dict[Any, OperationRecord] = {}
        self.total: int | None = None
        self.requests = 0

    # --- the bank --------------------------------------------------------------------------------
    def _ask(self, page: int) -> tuple[list[OperationRecord], int | None]:
        self.requests += 1
        records, total = self.client.operations_page(self.search, page, self.size)
        if total is not None:
            # Payments created while we page raise the count; none ever disappears.
            self.total = max(self.total or 0, total)
        return records, total

    def _add(self, records: list[OperationRecord]) -> int:
        """Keep the records not seen yet; how many were new."""
        new = 0
        for record in records:
            key = _key(record)
            if key not in self.records:
                self.records[key] = record
                new += 1
        return new

    def _complete(self) -> bool:
        return self.total is not None and len(self.records) >= self.total

    # --- reading -----------------------------------------------------------------------------
    def read(self) -> list[OperationRecord]:
        convention = self.client.operations_paging
        try:
            first = self._first(convention) if convention in CONVENTIONS else None
            if first is not None:
                self._add(first)
                done = len(first) < self.size and self.total is None
                offset = self.size
            else:
                convention, offset, done = self._detect()
            if not done and not self._complete():
                assert convention is not None
                self._rest(convention, offset)
        except errors.RegistryIncomplete:
            self.client.operations_paging = None  # maybe the bank changed: find out again
            raise
        if convention is not None:
            self.client.operations_paging = convention
        return list(self.records.values())

    def _first(self, convention: str) -> list[OperationRecord] | None:
        """The first page by the known convention; None when the bank refuses page 0 (it counts
        from 1 now: found out again)."""
        try:
            return self._ask(page_number(convention, 0, self.size))[0]
        except errors.BankRefused:
            if page_number(convention, 0, self.size) != 0:
                raise
            return None

    def _detect(self) -> tuple[str | None, int, bool]:
        """(convention or None when one page held everything, next offset, done)."""
        try:
            page0, _ = self._ask(0)
        except errors.BankRefused:
            page0 = None  # a bank counting from 1 may refuse 0 outright
        if page0 is not None:
            self._add(page0)
            if self._complete() or (self.total is None and len(page0) < self.size):
                return None, self.size, True
        if not page0:  # refused, or empty while the count says there is more
            first, _ = self._ask(1)
            self._add(first)
            return "one", self.size, len(first) < self.size and self.total is None
        page1, _ = self._ask(1)
        keys0 = [_key(r) for r in page0]
        keys1 = [_key(r) for r in page1]
        self._add(page1)
        if keys1 == keys0:
            return "one", self.size, False
        if keys0[1:] and keys1[: len(keys0) - 1] == keys0[1:]:
            return "skip", self.size, False
        if not set(keys0) & set(keys1):
            return "zero", 2 * self.size, len(page1) < self.size and self.total is None
        raise errors.MalformedReply(
            str(msg("registry.paging_unknown",
                    "страницы 0 и 1 списка операций за {period} не похожи ни на один известный "
                    "способ листать.", period=str(self.period))),
            operation=_operation(),
            hint=str(msg("registry.tell_support",
                         "Повторите позже; если повторяется, сообщите в поддержку.")),
        )

    def _rest(self, convention: str, offset: int) -> None:
        """Pages from `offset` on until the count is in; several at once when it is known."""
        def ask(at: int) -> tuple[list[OperationRecord], int | None]:
            return self._ask(page_number(convention, at, self.size))

        with ThreadPoolExecutor(self.workers, thread_name_prefix="registry") as pool:
            while not self._complete():
                if self.total is None:
                    offsets = [offset]
                else:
                    last = max(self.total, offset + 1)
                    offsets = list(range(offset, last, self.size))[: self.workers] or [offset]
                pages = list(pool.map(ask, offsets))
                offset = offsets[-1] + self.size
                new = sum(self._add(records) for records, _ in pages)
                short = len(pages[-1][0]) < self.size
                if self.total is None:
                    if short or not new:
                        return
                elif not self._complete() and (not new or offset >= self.total):
                    # Past the end of the count, or nothing new: more pages cannot help.
                    self._incomplete()

    def _incomplete(self) -> None:
        raise errors.RegistryIncomplete(
            str(msg("registry.incomplete",
                    "список операций за {period} неполон: банк объявил записей — {total}, а "
                    "выдал разных — {got}.", period=str(self.period), total=self.total,
                    got=len(self.records))),
            operation=_operation(),
            hint=str(msg("registry.incomplete_hint",
                         "Список не принят, чтобы ни одна запись не потерялась молча. "
                         "Повторите позже; если повторяется, сообщите в поддержку.")),
        )
