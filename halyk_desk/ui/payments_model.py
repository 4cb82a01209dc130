"""PaymentsModel: a thin Qt adapter over services.payments that stays quick with a million orders.

The database does all the work: it counts, filters and sorts (sort() asks it, never Python), and
the model keeps only blocks of rows (BLOCK_SIZE each) near what the view shows, fetched on a
worker thread when the view first asks for a row that is not there. A block next to one in
memory is fetched by key (the rows after or before that block's edge row, a seek on the sort's
index), any other by offset; neighbouring blocks asked for in one paint come in one query. When
the view has scrolled past the block being fetched, that query is given up (interrupted on
SQLite) and the rows in sight are fetched next. A new filter's first block and its count are
fetched side by side: the rows show as soon as they come, and the list takes its full length
when the count does (a broad search or a state filter can take a second to count on a million
orders). Results that arrive after the filter or sort changed are dropped (each load has a
sequence number), so stale rows never appear.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor

from halyk_desk.services import payments as payment_service
from halyk_desk.services.payments import PaymentFilter, PaymentRow
from halyk_desk.ui import formatting as fmt
from halyk_desk.ui.roles import RowRole, SortRole
from halyk_desk.ui.state_look import INK, state_background, state_label
from halyk_desk.ui.tasks import Task, run, run_task

#: Rows per database query: one indexed LIMIT query, small enough to be instant.
BLOCK_SIZE = 200
#: Blocks kept in memory (least recently used go first): 50 × 200 rows.
MAX_BLOCKS = 50
#: Blocks waiting to be fetched; older requests are dropped when the user scrolls past quickly.
MAX_QUEUED = 6
#: Neighbouring blocks asked for together are fetched by one query, up to this many.
MAX_BLOCKS_PER_FETCH = 3

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    title: str  # Russian source text, translated when shown
    key: str  # the PaymentRow field, and the service's sort key of the same name
    display: Callable[[PaymentRow], str]
    sort_value: Callable[[PaymentRow], Any]
    copy: Callable[[PaymentRow], str]
    money: bool = False

    @property
    def sortable(self) -> bool:
        """What the service can sort by (every column of the list)."""
        return self.key in payment_service.SORT_KEYS


def _money(key: str, title: str, *, blank_zero: bool = False) -> Column:
    """A money column; `blank_zero` leaves a zero empty, so real captures and refunds stand out."""

    def display(row: PaymentRow) -> str:
        amount = getattr(row, key)
        return "" if blank_zero and not amount else fmt.money_text(amount)

    return Column(
        title,
        key,
        display,
        lambda row: getattr(row, key).minor,
        lambda row: fmt.money_plain(getattr(row, key)),
        money=True,
    )


def _plain(key: str, title: str) -> Column:
    def get(row: PaymentRow) -> str:
        return getattr(row, key) or ""

    return Column(title, key, get, get, get)


COLUMNS: tuple[Column, ...] = (
    _plain("invoice_id", QT_TRANSLATE_NOOP("PaymentsModel", "Номер заказа")),
    Column(
        QT_TRANSLATE_NOOP("PaymentsModel", "Заказ создан"),
        "created_at",
        lambda row: fmt.local_time_text(row.created_at),
        lambda row: fmt.epoch_seconds(row.created_at),
        lambda row: fmt.local_time_text(row.created_at),
    ),
    _plain("customer", QT_TRANSLATE_NOOP("PaymentsModel", "Покупатель")),
    _money("amount", QT_TRANSLATE_NOOP("PaymentsModel", "Сумма")),
    _money("captured", QT_TRANSLATE_NOOP("PaymentsModel", "Списано"), blank_zero=True),
    _money("refunded", QT_TRANSLATE_NOOP("PaymentsModel", "Возвращено"), blank_zero=True),
    Column(
        QT_TRANSLATE_NOOP("PaymentsModel", "Состояние"),
        "state",
        lambda row: state_label(row.state),
        lambda row: str(row.state),
        lambda row: state_label(row.state),
    ),
    _plain("bank_status", QT_TRANSLATE_NOOP("PaymentsModel", "Статус банка")),
    _plain("card_mask", QT_TRANSLATE_NOOP("PaymentsModel", "Карта")),
    _plain("reference", QT_TRANSLATE_NOOP("PaymentsModel", "RRN")),
    _plain("shop_status", QT_TRANSLATE_NOOP("PaymentsModel", "Статус в магазине")),
)

PLACEHOLDER = "…"


def column_of(key: str) -> int:
    return next(i for i, col in enumerate(COLUMNS) if col.key == key)


class _Query(NamedTuple):
    """What a load asks the database for."""

    filter: PaymentFilter
    sort: str
    descending: bool


class _Shown(NamedTuple):
    """A row as painted: its text per column and its colours, worked out once per fetch (on the
    worker), because Qt asks data() several times per cell on every repaint."""

    row: PaymentRow
    cells: tuple[str, ...]
    background: QColor | None
    foreground: QColor | None


def _shown(rows: list[PaymentRow]) -> list[_Shown]:
    shown = []
    for row in rows:
        background = state_background(row.state)
        # Dark text on every tint, also under a dark system theme.
        foreground = INK if background is not None else None
        cells = tuple(column.display(row) for column in COLUMNS)
        shown.append(_Shown(row, cells, background, foreground))
    return shown


_D = Qt.ItemDataRole
#: Roles data() answers; Qt asks for a dozen others on every paint, answered at once with None.
_ROLES = frozenset(
    {
        _D.DisplayRole,
        _D.TextAlignmentRole,
        _D.BackgroundRole,
        _D.ForegroundRole,
        _D.ToolTipRole,
        SortRole,
        RowRole,
    }
)
_ALIGNMENTS = tuple(_RIGHT if column.money else _LEFT for column in COLUMNS)
_STATE_COLUMN = column_of("state")


class PaymentsModel(QAbstractTableModel):
    """Rows of services.payments.list_payments, in blocks, counted and sorted by the database."""

    #: A new filter or sort is being applied (the old rows stay until it is done).
    loading = Signal()
    #: The first block of a load is shown; `loaded` follows with the count.
    rows_ready = Signal()
    #: The newest load is in: its first block and the count for the current filter.
    loaded = Signal(int)
    #: A query failed; the message says what happened.
    failed = Signal(str)

    def __init__(self, ctx: Any, parent: Any = None, *, block_size: int | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._block_size = block_size or BLOCK_SIZE
        self._filter = PaymentFilter()
        self._sort = "created_at"
        self._descending = True
        self._total = 0
        self._blocks: OrderedDict[int, list[_Shown]] = OrderedDict()
        self._queue: list[int] = []
        #: The blocks being fetched (one query), with the load they belong to, and its task.
        self._fetching: tuple[int, range] | None = None
        self._fetch_task: Task | None = None
        # Fetches start once the paint that asked for rows is over: the rows in sight may span
        # two blocks, asked for one after the other, and one query then fetches both.
        self._pump_soon = QTimer(self)
        self._pump_soon.setSingleShot(True)
        self._pump_soon.setInterval(0)
        self._pump_soon.timeout.connect(self._pump)
        self._dropped = False
        #: Loads started so far; each has the next number.
        self._sequence = 0
        #: The load whose rows are shown (the blocks in memory are its), and what it asked for.
        self._applied = 0
        self._applied_query: _Query | None = None
        #: Where the view is (its visible rows), when it says: see set_visible_rows.
        self._visible: Callable[[], range] | None = None
        #: Counts that came before their load's first block, by sequence number.
        self._counts: dict[int, int] = {}
        #: The shown rows' count is still on its way: the length is that of the first block.
        self._counting = False
        self._ready = False

    # --- what the view asks -----------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else self._total

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)
    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return QCoreApplication.translate("PaymentsModel", COLUMNS[section].title)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if COLUMNS[section].money else _LEFT
        return None
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _ROLES or not index.isValid():
            return None
        shown = self._shown_at(index.row())
        column = index.column()
        if shown is None:
            return PLACEHOLDER if role == _D.DisplayRole else None
        if role == _D.DisplayRole:
            return shown.cells[column]
        if role == _D.BackgroundRole:
            return shown.background
        if role == _D.ForegroundRole:
            return shown.foreground
        if role == _D.TextAlignmentRole:
            return _ALIGNMENTS[column]
        if role == SortRole:
            return COLUMNS[column].sort_value(shown.row)
        if role == RowRole:
            return shown.row
        if column == _STATE_COLUMN:  # the tooltip: the bank's own word for the state
            return shown.row.bank_status or ""
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Ask the database for another order; columns it has no index for are left as they are."""
        if not 0 <= column < len(COLUMNS) or not COLUMNS[column].sortable:
            return
        self._sort = COLUMNS[column].key
        self._descending = order == Qt.SortOrder.DescendingOrder
        shown = self._applied_query
        # The same rows in another order: the count is known, unless it is still coming.
        self._reload(recount=shown is None or shown.filter != self._filter or self._counting)

    # --- what the view sets -----------------------------------------------------------------
    @property
    def filter(self) -> PaymentFilter:
        return self._filter

    @property
    def sort_order(self) -> tuple[str, bool]:
        return self._sort, self._descending

    @property
    def total(self) -> int:
        return self._total

    @property
    def counting(self) -> bool:
        """Rows are shown but their count is still coming: the length is the first block's."""
        return self._counting

    @property
    def ready(self) -> bool:
        """False until the first count and block are in."""
        return self._ready

    def set_filter(self, flt: PaymentFilter) -> None:
        if flt != self._filter or not self._ready:
            self._filter = flt
            self._reload(recount=True)

    def refresh(self) -> None:
        """Read again after the data changed (a sync, an import); keeps the scroll position."""
        self._reload(recount=True, keep_position=True)

    def set_visible_rows(self, visible: Callable[[], range] | None) -> None:
        """Tell the model where the view is. Blocks asked for while a fetch was running that are
        out of sight by the time it ends are then not fetched (a scroll bar dragged across the
        list asks for many on the way); the newest request is fetched all the same, and a block
        that comes back into sight is asked for again when it is painted."""
        self._visible = visible

    def row_at(self, row: int) -> PaymentRow | None:
        """The row if its block is in memory; otherwise None, and the block is fetched."""
        shown = self._shown_at(row)
        return None if shown is None else shown.row

    def _shown_at(self, row: int) -> _Shown | None:
        if not 0 <= row < self._total:
            return None
        number, offset = divmod(row, self._block_size)
        block = self._blocks.get(number)
        if block is None:
            self._request(number)
            return None
        self._blocks.move_to_end(number)
        return block[offset] if offset < len(block) else None

    def fetch_rows(
        self,
        rows: Iterable[int],
        done: Callable[[list[PaymentRow]], None],
        failed: Callable[[BaseException], None],
    ) -> None:
        """The given rows, in order, fetched from the database on a worker (for copying)."""
        wanted = sorted(set(rows))
        flt, sort, descending = self._filter, self._sort, self._descending
        ctx = self._ctx

        def job() -> list[PaymentRow]:
            found: dict[int, PaymentRow] = {}
            for start, stop in _runs(wanted):
                got = payment_service.list_payments(
                    ctx, flt, sort=sort, descending=descending, offset=start, limit=stop - start
                )
                found.update(zip(range(start, start + len(got)), got, strict=False))
            return [found[r] for r in wanted if r in found]

        run(job, done, failed, owner=self)

    # --- loading ------------------------------------------------------------------------------
    def _query(self) -> _Query:
        return _Query(self._filter, self._sort, self._descending)

    def _reload(self, *, recount: bool, keep_position: bool = False) -> None:
        self._sequence += 1
        sequence, query = self._sequence, self._query()
        self._queue.clear()
        ctx, size = self._ctx, self._block_size

        def first_block() -> list[_Shown]:
            return _shown(payment_service.list_payments(
                ctx, query.filter, sort=query.sort, descending=query.descending, offset=0,
                limit=size))

        if self._fetching is not None:
            self._give_up_fetch()  # rows of the list as it was: they would be dropped
        if keep_position:
            # After a sync or an import: rows and count together, so that the list keeps its
            # place and changes its length at most once. The old rows and count stay meanwhile.
            run(
                lambda: (payment_service.count_payments(ctx, query.filter), first_block()),
                lambda result: self._apply(sequence, query, result[1], result[0],
                                           keep_position=True),
                self._failed,
                current=lambda: self._wanted(sequence, query),
                owner=self,
            )
            return
        self.loading.emit()
        if recount:
            run(
                lambda: payment_service.count_payments(ctx, query.filter),
                lambda total: self._counted(sequence, total),
                self._failed,
                current=lambda: not self._stale(sequence, query),
                owner=self,
            )
        else:
            self._counts[sequence] = self._total
        run(
            first_block,
            lambda rows: self._first_block(sequence, query, rows),
            self._failed,
            current=lambda: self._wanted(sequence, query),
            owner=self,
        )

    def _failed(self, error: BaseException) -> None:
        self.failed.emit(_message(error))

    def _stale(self, sequence: int, query: _Query) -> bool:
        """Another filter or sort was asked for since, or newer rows of this one are shown."""
        return query != self._query() or sequence < self._applied

    def _wanted(self, sequence: int, query: _Query) -> bool:
        """Rows of this request are still wanted: not stale, and not shown already."""
        return not self._stale(sequence, query) and sequence != self._applied

    def _first_block(self, sequence: int, query: _Query, rows: list[_Shown]) -> None:
        total = self._counts.get(sequence)
        if total is None and len(rows) < self._block_size:
            total = len(rows)  # the whole list fits in its first block
        self._apply(sequence, query, rows, total, keep_position=False)

    def _counted(self, sequence: int, total: int) -> None:
        if sequence > self._applied:
            self._counts[sequence] = total  # its first block is still on its way
        elif self._counting:
            self._counting = False
            self._resize(total)
            self._done(total)

    def _apply(
        self,
        sequence: int,
        query: _Query,
        rows: list[_Shown],
        total: int | None,
        *,
        keep_position: bool,
    ) -> None:
        """Show the first block of load `sequence`; its length is `total`, or that of the block
        until the count comes (total None)."""
        self._applied, self._applied_query = sequence, query
        self._counts = {s: n for s, n in self._counts.items() if s > sequence}
        self._counting = total is None
        length = len(rows) if total is None else total
        if keep_position and self._ready and length == self._total:
            self._blocks = OrderedDict({0: rows})
            self._repaint_all()
        else:
            self.beginResetModel()
            self._total = length
            self._blocks = OrderedDict({0: rows})
            self.endResetModel()
        self.rows_ready.emit()
        if total is not None:
            self._done(total)

    def _done(self, total: int) -> None:
        # Only for the newest load: a refresh asked for meanwhile (a sync ended, say) is what
        # the list is waiting for; these rows only stand in until it comes.
        if self._applied == self._sequence:
            self._ready = True
            self.loaded.emit(total)

    def _resize(self, total: int) -> None:
        """The count came after the first block: the list takes its real length."""
        if total > self._total:
            self.beginInsertRows(QModelIndex(), self._total, total - 1)
            self._total = total
            self.endInsertRows()
        elif total < self._total:  # rows went between the two queries
            self.beginRemoveRows(QModelIndex(), total, self._total - 1)
            self._total = total
            self.endRemoveRows()

    def _request(self, number: int) -> None:
        if self._applied_query != self._query():
            return  # a new filter or sort is on its way; its rows will be asked for then
        fetching = self._fetching
        # A fetch for older rows does not count: they will be dropped.
        if fetching is not None and fetching[0] == self._applied and number in fetching[1]:
            return
        if number in self._queue:
            return
        self._queue.append(number)
        if len(self._queue) > MAX_QUEUED:
            self._queue.pop(0)
            self._dropped = True
        if fetching is None:
            self._pump_soon.start()
        elif not any(self._in_sight(n) for n in fetching[1]):
            self._give_up_fetch()  # scrolled past it: what is in sight is fetched next

    def _in_sight(self, number: int) -> bool:
        """Whether block `number` is at most a block away from the rows the view shows (True
        when the view has not said where it is)."""
        visible = self._visible() if self._visible is not None else range(0)
        if not visible:
            return True
        size = self._block_size
        return visible[0] // size - 1 <= number <= visible[-1] // size + 1

    def _give_up_fetch(self) -> None:
        """Stop the running block query (on SQLite it ends within milliseconds, with no rows)."""
        if self._fetch_task is not None:
            self._fetch_task.cancel()

    def _edges(self, blocks: range) -> tuple[str | None, str | None]:
        """(after, before): the invoiceId of the row just before `blocks` or just after them,
        when a neighbouring block in memory has it; they are then fetched by key."""
        previous = self._blocks.get(blocks[0] - 1)
        if previous is not None and len(previous) == self._block_size:
            return previous[-1].row.invoice_id, None
        following = self._blocks.get(blocks[-1] + 1)
        if following:
            return None, following[0].row.invoice_id
        return None, None

    def _next_blocks(self) -> range:
        """The newest request (what the user looks at now), with the requests for the blocks
        right next to it: consecutive blocks are one query."""
        number = self._queue.pop()
        first = last = number
        while last - first + 1 < MAX_BLOCKS_PER_FETCH and (
            last + 1 in self._queue or first - 1 in self._queue
        ):
            if last + 1 in self._queue:
                last += 1
                self._queue.remove(last)
            else:
                first -= 1
                self._queue.remove(first)
        return range(first, last + 1)

    def _pump(self) -> None:
        if self._fetching is not None or not self._queue or self._applied_query is None:
            return
        blocks = self._next_blocks()
        sequence, query = self._applied, self._applied_query
        self._fetching = (sequence, blocks)
        after, before = self._edges(blocks)
        ctx, size = self._ctx, self._block_size

        def job(cancel: threading.Event) -> list[_Shown]:
            return _shown(
                payment_service.list_payments(
                    ctx, query.filter, sort=query.sort, descending=query.descending,
                    offset=blocks[0] * size, limit=len(blocks) * size, after=after,
                    before=before, cancel=cancel,
                )
            )

        self._fetch_task = run_task(
            job,
            lambda rows, error: self._blocks_arrived(sequence, blocks, rows, error),
            cancellable=True,
            owner=self,
        )

    def _blocks_arrived(
        self,
        sequence: int,
        blocks: range,
        rows: list[_Shown] | None,
        error: BaseException | None,
    ) -> None:
        given_up = self._fetch_task is not None and self._fetch_task.cancel_event.is_set()
        self._fetching = self._fetch_task = None
        if sequence == self._applied and not (given_up and error is not None):
            if error is not None or rows is None:
                self.failed.emit(_message(error))
                self._queue.clear()
                return
            size = self._block_size
            for i, number in enumerate(blocks):
                self._blocks[number] = rows[i * size:(i + 1) * size]
            while len(self._blocks) > MAX_BLOCKS:
                self._blocks.popitem(last=False)
            first = blocks[0] * size
            last = min(first + len(blocks) * size, self._total) - 1
            if last >= first:
                self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))
            if not self._queue and self._dropped:
                # Dropped blocks may still be on screen: a repaint asks for them again.
                self._dropped = False
                self._repaint_all()
        self._forget_out_of_sight()
        self._pump()

    def _forget_out_of_sight(self) -> None:
        """Drop the waiting requests, but the newest, for blocks out of sight."""
        if len(self._queue) > 1:
            *older, newest = self._queue
            self._queue = [n for n in older if self._in_sight(n)] + [newest]

    def _repaint_all(self) -> None:
        if self._total:
            self.dataChanged.emit(self.index(0, 0), self.index(self._total - 1, len(COLUMNS) - 1))


def _runs(rows: list[int], limit: int = 1000) -> Iterable[tuple[int, int]]:
    """Sorted row numbers as [start, stop) ranges of at most `limit` rows."""
    start = prev = None
    for row in rows:
        if start is None:
            start = prev = row
        elif row == prev + 1 and row - start < limit:
            prev = row
        else:
            yield start, prev + 1
            start = prev = row
    if start is not None:
        yield start, prev + 1


def _message(error: BaseException | None) -> str:
    if error is None:
        return ""
    return str(error) or type(error).__name__
