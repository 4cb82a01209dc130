"""The queries the services rely on, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from halyk_desk.domain import InvoiceIdError, Money, State
from halyk_desk.store import Store, UnknownProfile, repository
from halyk_desk.store.models import Order, Payment, Profile
from halyk_desk.store.records import (
    OrderRecord,
    PaymentFilter,
    PaymentRecord,
    ProfileRecord,
    UpsertResult,
)

T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
#: The business time zone the list is asked in (the program passes settings business_tz).
UTC_ZONE = ZoneInfo("UTC")


def order(invoice_id: str, amount: int = 1_500_00, *, hours: float = 0, **extra) -> OrderRecord:
    return OrderRecord(invoice_id=invoice_id, amount_minor=amount,
                       created_at=T0 + timedelta(hours=hours), **extra)


def payment(invoice_id: str, state: State, **extra) -> PaymentRecord:
    status = {State.HELD: "AUTH", State.CAPTURED: "CHARGE", State.REFUNDED: "REFUND",
              State.RELEASED: "CANCEL", State.FAILED: "FAILED"}.get(state)
    values = {"transaction_id": f"tx-{invoice_id}", "bank_status": status,
              "original_minor": 1_500_00, "last_read_at": T0 + timedelta(days=1)}
    values.update(extra)
    return PaymentRecord(invoice_id=invoice_id, state=state, **values)


def add_orders(store, profile, *records):
    with store.session() as session:
        return repository.upsert_orders(session, profile, records)


def save(store, profile, record, **kwargs):
    with store.session() as session:
        return repository.save_payment(session, profile, record, **kwargs)


# --- orders -------------------------------------------------------------------------------------

def test_orders_keep_leading_zeros_and_their_instant(store, shop):
    almaty = timezone(timedelta(hours=5))
    created = datetime(2025, 6, 1, 10, 0, tzinfo=almaty)
    result = add_orders(store, shop, OrderRecord("000123456", 2_500_50, created,
                                                 customer="  Иванов Иван ", shop_paid=True,
                                                 source_file="orders.csv", source_row=2))
    assert result == UpsertResult(inserted=1)
    with store.session(readonly=True) as session:
        got = repository.get_orders(session, shop, ["000123456", "123456"])
    assert list(got) == ["000123456"]
    stored = got["000123456"]
    assert stored.created_at == created and stored.created_at.tzinfo is UTC
    assert (stored.amount_minor, stored.currency) == (2_500_50, "KZT")
    assert stored.customer == "Иванов Иван"
    assert (stored.shop_paid, stored.source_file, stored.source_row) == (True, "orders.csv", 2)


def test_importing_the_same_orders_again_changes_nothing_and_changes_are_updated(store, shop):
    rows = [order(f"{n:09d}", 100_00 + n, hours=n) for n in range(1, 1201)]
    assert add_orders(store, shop, *rows) == UpsertResult(inserted=1200)
    assert add_orders(store, shop, *rows) == UpsertResult(unchanged=1200)

    changed = [*rows[:-1], order(rows[-1].invoice_id, 99_00, hours=1200, shop_paid=True)]
    moved = [order(r.invoice_id, r.amount_minor, hours=float(i + 1), source_file="again.csv")
             for i, r in enumerate(changed[:3])]
    assert add_orders(store, shop, *moved, *changed[3:]) == UpsertResult(updated=1,
                                                                          unchanged=1199)
    with store.session(readonly=True) as session:
        assert repository.count_orders(session, shop) == 1200
        last = repository.get_orders(session, shop, [rows[-1].invoice_id])[rows[-1].invoice_id]
        first = repository.get_orders(session, shop, [rows[0].invoice_id])[rows[0].invoice_id]
    assert (last.amount_minor, last.shop_paid) == (99_00, True)
    assert first.source_file is None, "an unchanged order keeps where it first came from"


def test_an_import_is_all_or_nothing_in_the_callers_transaction(store, shop):
    with pytest.raises(ValueError, match="000000777 is given twice"), store.session() as session:
        repository.upsert_orders(session, shop, [order("000000001"), order("000000777"),
                                                 order("000000777")])
    with pytest.raises(InvoiceIdError), store.session() as session:
        repository.upsert_orders(session, shop, [order("000000001"), order("12-34")])
    with store.session(readonly=True) as session:
        assert repository.count_orders(session, shop) == 0


def test_unknown_profile_is_named(store):
    with pytest.raises(UnknownProfile, match="no profile named 'ghost'"), store.session() as s:
        repository.upsert_orders(s, "ghost", [order("000000001")])


@pytest.mark.parametrize("model", ["order", "payment", "profile"])
def test_the_database_refuses_a_second_row_for_the_same_key(store, shop, model):
    with store.session() as session:
        pid = repository.profile_id(session, shop)

    def row():
        if model == "profile":
            return Profile(name=shop, kind="custom", created_at=T0)
        if model == "order":
            return Order(profile_id=pid, invoice_id="000000001", amount_minor=1, currency="KZT",
                         created_at=T0, imported_at=T0)
        return Payment(profile_id=pid, invoice_id="000000001", state="held", currency="KZT",
                       original_minor=1, held_minor=1, captured_minor=0, refunded_minor=0,
                       remaining_minor=1)

    if model != "profile":
        with store.session() as session:
            session.add(row())
    with pytest.raises(IntegrityError), store.session() as session:
        session.add(row())
        session.flush()


# --- profiles -----------------------------------------------------------------------------------

def test_profiles_are_saved_replaced_and_ensured_without_overwriting(store, shop):
    changed = ProfileRecord(name=shop, kind="custom", oauth_url="https://o.example/t",
                            api_url="https://a.example", client_id="new", terminal_id="t")
    with store.session() as session:
        repository.save_profile(session, changed)
        repository.ensure_profile(session, ProfileRecord(name=shop, kind="sandbox"))
        repository.ensure_profile(session, ProfileRecord(name="sandbox", kind="sandbox"))
    with store.session(readonly=True) as session:
        assert repository.get_profile(session, shop) == changed
        assert [p.name for p in repository.list_profiles(session)] == ["sandbox", shop]
        assert repository.get_profile(session, "ghost") is None


# --- payments and their history -----------------------------------------------------------------

def test_a_payment_records_each_change_of_state_in_its_history(store, shop):
    add_orders(store, shop, order("000000001"))
    with store.session() as session:
        run = repository.start_sync_run(session, shop, at=T0)

    first = save(store, shop, payment("000000001", State.HELD, held_minor=1_500_00),
                 sync_run_id=run)
    assert (first.changed, first.state_changed, first.old_state) == (True, True, None)
    again = save(store, shop, payment("000000001", State.HELD, held_minor=1_500_00,
                                      last_read_at=T0 + timedelta(days=2)))
    assert (again.changed, again.state_changed, again.payment_id) == (False, False,
                                                                      first.payment_id)
    captured = save(store, shop, payment("000000001", State.CAPTURED, captured_minor=1_500_00,
                                         last_read_at=T0 + timedelta(days=3)))
    assert (captured.changed, captured.old_state) == (True, State.HELD)

    with store.session(readonly=True) as session:
        history = repository.status_history(session, shop, "000000001")
        stored = repository.get_payment(session, shop, "000000001")
    assert [(h.old_state, h.new_state, h.old_bank_status, h.new_bank_status, h.sync_run_id)
            for h in history] == [(None, State.HELD, None, "AUTH", run),
                                  (State.HELD, State.CAPTURED, "AUTH", "CHARGE", None)]
    assert history[1].at == T0 + timedelta(days=3)
    assert stored == payment("000000001", State.CAPTURED, captured_minor=1_500_00,
                             last_read_at=T0 + timedelta(days=3))


def test_a_failed_read_is_noted_and_the_next_good_read_clears_it(store, shop):
    add_orders(store, shop, order("000000001"), order("000000002"))
    save(store, shop, payment("000000002", State.HELD, held_minor=1_500_00))
    with store.session() as session:
        repository.mark_read_error(session, shop, "000000001", "transient: HTTP 503")
        repository.mark_read_error(session, shop, "000000002", "transient: HTTP 503")
    with store.session(readonly=True) as session:
        rows = {r.invoice_id: r for r in repository.list_payments(session, shop, tz=UTC_ZONE)}
    assert (rows["000000001"].state, rows["000000001"].read_error) == (State.UNKNOWN,
                                                                       "transient: HTTP 503")
    assert (rows["000000002"].state, rows["000000002"].read_error) == (State.HELD,
                                                                       "transient: HTTP 503")
    save(store, shop, payment("000000001", State.CAPTURED))
    with store.session(readonly=True) as session:
        assert repository.get_payment(session, shop, "000000001").read_error is None


# --- sync runs ----------------------------------------------------------------------------------

def test_a_sync_run_is_started_finished_and_the_last_one_is_found(store, shop):
    with store.session() as session:
        assert repository.last_sync_run(session, shop) is None
        older = repository.start_sync_run(session, shop, at=T0)
        repository.finish_sync_run(session, older, status="finished", read_count=1,
                                   changed_count=1, not_found_count=0, errors={}, at=T0)
        newer = repository.start_sync_run(session, shop, date_from=T0, date_to=T0 + timedelta(1),
                                          include_final=True, total=10,
                                          at=T0 + timedelta(hours=1))
    with store.session(readonly=True) as session:
        running = repository.last_sync_run(session, shop, now=T0 + timedelta(hours=1, minutes=1))
        silent = repository.last_sync_run(session, shop, now=T0 + timedelta(hours=2))
    assert (running.id, running.status, running.finished_at, running.total) == (newer, "running",
                                                                                None, 10)
    assert silent.status == "interrupted"  # no beat for an hour: it was killed
    with store.session() as session:
        repository.finish_sync_run(session, newer, status="cancelled", read_count=7,
                                   changed_count=2, not_found_count=1,
                                   errors={"transient": 2, "malformed": 1})
        with pytest.raises(ValueError, match="not 'running'"):
            repository.finish_sync_run(session, newer, status="running", read_count=0,
                                       changed_count=0, not_found_count=0, errors={})
    with store.session(readonly=True) as session:
        done = repository.last_sync_run(session, shop)
    assert done.cancelled and done.finished_at is not None
    assert (done.read_count, done.changed_count, done.not_found_count, done.errors) == (
        7, 2, 1, {"transient": 2, "malformed": 1})
    assert (done.date_from, done.date_to, done.include_final) == (T0, T0 + timedelta(1), True)


def _needing(session, shop, *args, **kwargs) -> list[str]:
    return [c.invoice_id for c in repository.sync_candidates(session, shop, *args, **kwargs)]


def test_sync_candidates_skip_final_states_unless_asked(store, shop):
    add_orders(store, shop, order("000000004", hours=4), order("000000001", hours=1),
               order("000000002", hours=2), order("000000003", hours=3),
               order("000000009", hours=-48))
    save(store, shop, payment("000000002", State.HELD))
    save(store, shop, payment("000000003", State.REFUNDED))
    save(store, shop, payment("000000004", State.NOT_FOUND, bank_status=None))
    with store.session(readonly=True) as session:
        needing = _needing(session, shop, T0, T0 + timedelta(days=1))
        every = _needing(session, shop, T0, T0 + timedelta(days=1), include_final=True)
        unbounded = _needing(session, shop)
        [held] = [c for c in repository.sync_candidates(session, shop)
                  if c.invoice_id == "000000002"]
    assert needing == ["000000001", "000000002", "000000004"]
    assert every == ["000000001", "000000002", "000000003", "000000004"]
    assert unbounded == ["000000009", "000000001", "000000002", "000000004"]
    assert held.state is State.HELD and held.last_read_at is not None


# --- the payments list --------------------------------------------------------------------------

@pytest.fixture
def listed(store, shop):
    """Six orders: four read (held, captured, refunded, failed), two never read."""
    add_orders(
        store, shop,
        order("000000001", 5_000_00, hours=1, customer="Иванов Иван"),
        order("000000002", 1_000_00, hours=2, customer="иванова мария"),
        order("000000003", 3_000_00, hours=3, customer="Petrov"),
        order("000000004", 2_000_00, hours=3, customer=None),
        order("000000005", 4_000_00, hours=5, customer="Сидоров"),
        order("100000006", 6_000_00, hours=30, customer="Ivanov"),
    )
    save(store, shop, payment("000000001", State.HELD, held_minor=5_000_00,
                              card_mask="400303...9821", reference="227078813195"))
    save(store, shop, payment("000000002", State.CAPTURED, captured_minor=1_000_00,
                              card_mask="550000...0004", reference="227078800001"))
    save(store, shop, payment("000000003", State.REFUNDED, refunded_minor=3_000_00,
                              card_mask="400303...1111", reference="330000000002"))
    save(store, shop, payment("000000005", State.FAILED, card_mask=None))
    return shop


def invoices(store, profile, filters=None, **kwargs):
    with store.session(readonly=True) as session:
        return [r.invoice_id for r in repository.list_payments(session, profile, filters,
                                                               tz=UTC_ZONE, **kwargs)]


def count(store, profile, filters=None):
    with store.session(readonly=True) as session:
        return repository.count_payments(session, profile, filters, tz=UTC_ZONE)


def test_the_list_joins_each_order_with_its_payment(store, listed):
    with store.session(readonly=True) as session:
        rows = {r.invoice_id: r for r in repository.list_payments(session, listed, tz=UTC_ZONE)}
    held, captured, never = rows["000000001"], rows["000000002"], rows["000000004"]
    assert (held.state, held.bank_status, held.amount, held.captured) == (
        State.HELD, "AUTH", Money(5_000_00), Money(0))
    assert (held.card_mask, held.reference, held.transaction_id) == (
        "400303...9821", "227078813195", "tx-000000001")
    assert (captured.state, captured.captured) == (State.CAPTURED, Money(1_000_00))
    assert (never.state, never.last_read_at, never.bank_status, never.captured) == (
        State.UNKNOWN, None, None, Money(0))


def test_the_list_sorts_by_any_column_with_blanks_last(store, listed):
    assert invoices(store, listed) == ["100000006", "000000005", "000000004", "000000003",
                                       "000000002", "000000001"]
    assert invoices(store, listed, sort="amount", descending=False) == [
        "000000002", "000000004", "000000003", "000000005", "000000001", "100000006"]
    assert invoices(store, listed, sort="customer", descending=False) == [
        "100000006", "000000003", "000000001", "000000002", "000000005", "000000004"]
    assert invoices(store, listed, sort="state", descending=False) == [
        "000000002", "000000005", "000000001", "000000003", "000000004", "100000006"]
    assert invoices(store, listed, sort="card_mask", descending=True)[-3:] == [
        "100000006", "000000005", "000000004"]
    with pytest.raises(ValueError, match="cannot sort by 'colour'"):
        invoices(store, listed, sort="colour")


def test_pages_cover_the_list_once_even_when_sort_keys_tie(store, listed):
    for sort in ("created_at", "state", "card_mask"):
        whole = invoices(store, listed, sort=sort, limit=None)
        pages = [invoices(store, listed, sort=sort, offset=o, limit=2) for o in (0, 2, 4)]
        assert [i for page in pages for i in page] == whole
        assert len(whole) == 6


@pytest.mark.parametrize(("filters", "expected"), [
    (PaymentFilter(), 6),
    # Business days, both included (here in UTC): 100000006 was ordered a day later.
    (PaymentFilter(date_from=T0.date(), date_to=T0.date()),
     {"000000001", "000000002", "000000003", "000000004", "000000005"}),
    (PaymentFilter(date_from=T0.date() + timedelta(days=1)), {"100000006"}),
    (PaymentFilter(date_to=T0.date() - timedelta(days=1)), set()),
    (PaymentFilter(states=frozenset({State.HELD, State.CAPTURED})), {"000000001", "000000002"}),
    (PaymentFilter(states=frozenset({State.UNKNOWN})), {"000000004", "100000006"}),
    # Digits are found anywhere in the order number: 100000006 holds 0000000 too.
    (PaymentFilter(text="0000000"), {"000000001", "000000002", "000000003", "000000004",
                                       "000000005", "100000006"}),
    (PaymentFilter(text="0006"), {"100000006"}),
    (PaymentFilter(text="00006"), {"100000006"}),
    (PaymentFilter(text="100000006"), {"100000006"}),
    (PaymentFilter(text="2270788"), {"000000001", "000000002"}),
    (PaymentFilter(text="9821"), {"000000001"}),
    (PaymentFilter(text="400303"), {"000000001", "000000003"}),
    (PaymentFilter(text="400303...1111"), {"000000003"}),
    (PaymentFilter(text="ИВАН"), {"000000001", "000000002"}),
    (PaymentFilter(text=" ivan "), {"100000006"}),
    (PaymentFilter(text="nobody"), set()),
    (PaymentFilter(text="иван", states=frozenset({State.CAPTURED})), {"000000002"}),
])
def test_filters_and_search(store, listed, filters, expected):
    found = invoices(store, listed, filters, limit=None)
    if isinstance(expected, int):
        assert len(found) == expected
    else:
        assert set(found) == expected
    assert count(store, listed, filters) == len(found)


def test_the_period_is_business_days_in_the_time_zone_given(store, listed):
    """Orders of 13:00-17:00 UTC on 1 June are already 2 June at UTC+14; 100000006 (18:00 UTC on
    2 June) is 3 June there."""
    far_east = ZoneInfo("Pacific/Kiritimati")
    day = T0.date() + timedelta(days=1)
    with store.session(readonly=True) as session:
        found = repository.list_payments(
            session, listed, PaymentFilter(date_from=day, date_to=day), tz=far_east, limit=None)
        later = repository.count_payments(
            session, listed, PaymentFilter(date_from=day + timedelta(days=1)), tz=far_east)
    assert {r.invoice_id for r in found} == {"000000001", "000000002", "000000003", "000000004",
                                            "000000005"}
    assert later == 1


def test_search_matches_literally(store, listed):
    assert invoices(store, listed, PaymentFilter(text="%")) == []
    assert invoices(store, listed, PaymentFilter(text="_")) == []


# --- holds --------------------------------------------------------------------------------------

def test_holds_show_age_expiry_and_warnings(store, shop):
    now = T0 + timedelta(days=10)
    add_orders(store, shop, order("000000001", customer="Анна"), order("000000002"),
               order("000000003"), order("000000004"))
    for invoice_id, days_ago in (("000000001", 1), ("000000002", 6), ("000000003", 8)):
        save(store, shop, payment(invoice_id, State.HELD, held_minor=700_00,
                                  created_at=now - timedelta(days=days_ago)))
    save(store, shop, payment("000000004", State.CAPTURED, created_at=now))

    with store.session(readonly=True) as session:
        holds = repository.list_holds(session, shop, now=now, warn_days=5, expire_days=7)
    assert [(h.invoice_id, h.warn, h.expired) for h in holds] == [
        ("000000003", True, True), ("000000002", True, False), ("000000001", False, False)]
    fresh = holds[-1]
    assert (fresh.age, fresh.time_left, fresh.amount.minor, fresh.customer) == (
        timedelta(days=1), timedelta(days=6), 700_00, "Анна")
    assert fresh.expires_at == now + timedelta(days=6)
    assert holds[0].time_left == -timedelta(days=1)


@pytest.mark.postgres
def test_two_sessions_saving_the_same_new_payment_at_once_do_not_collide(pg_module_url,
                                                                          app_paths):
    """Two programs read the same invoice on one PostgreSQL database: the second one's insert
    waits for the first, then updates that row instead of failing on the unique key."""
    with Store.open(pg_module_url, app_paths) as store:
        with store.session() as session:
            for table in ("status_history", "payments", "orders", "sync_runs"):
                session.execute(text(f"DELETE FROM {table}"))
            repository.ensure_profile(session, ProfileRecord(name="race", kind="custom"))
        add_orders(store, "race", order("000000001"))
        record = payment("000000001", State.HELD, held_minor=1_500_00)
        outcome: dict[str, object] = {}
        first_saved, first_may_commit = threading.Event(), threading.Event()

        def first() -> None:
            with store.session() as session:
                outcome["first"] = repository.save_payment(session, "race", record)
                first_saved.set()
                first_may_commit.wait(30)

        def second() -> None:
            try:
                outcome["second"] = save(store, "race", record)
            except Exception as exc:  # the failure this test is about
                outcome["second"] = exc

        one = threading.Thread(target=first)
        one.start()
        assert first_saved.wait(30)
        two = threading.Thread(target=second)
        two.start()
        with store.engine.connect() as watcher:  # until the second waits on the first's row
            while not watcher.scalar(text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND datname = current_database()")):
                assert two.is_alive(), outcome
                watcher.rollback()
        first_may_commit.set()
        one.join(30)
        two.join(30)
        assert outcome["first"].changed and not outcome["second"].changed, outcome
        with store.session(readonly=True) as session:
            history = repository.status_history(session, "race", "000000001")
        assert [(h.old_state, h.new_state) for h in history] == [(None, State.HELD)]


def test_sorts_by_the_payments_state_card_and_rrn_follow_every_change_of_the_payment(store,
                                                                                      shop):
    """The order keeps copies of these keys for the list's indexes: a payment read, read again
    with other values, read before its order was imported, or deleted is sorted where it now
    belongs."""
    add_orders(store, shop, order("000000001"), order("000000002", hours=1),
               order("000000003", hours=2))
    save(store, shop, payment("000000001", State.HELD, card_mask="510000...0001",
                              reference="300000000001"))
    save(store, shop, payment("000000002", State.CAPTURED, card_mask="440000...0002",
                              reference="100000000002"))
    by = {key: invoices(store, shop, sort=key, descending=False)
          for key in ("state", "card_mask", "reference")}
    # Never read: state unknown (last of the states), no card and no RRN (blanks last).
    assert by == {"state": ["000000002", "000000001", "000000003"],
                  "card_mask": ["000000002", "000000001", "000000003"],
                  "reference": ["000000002", "000000001", "000000003"]}

    save(store, shop, payment("000000001", State.CAPTURED, card_mask="400000...0001",
                              reference="000000000001"))
    save(store, shop, payment("000000004", State.FAILED, card_mask="450000...0004",
                              reference="200000000004"))  # read before its order comes
    add_orders(store, shop, order("000000004", hours=3))
    with store.session() as session:
        session.execute(text("DELETE FROM status_history"))
        session.execute(text("DELETE FROM payments WHERE invoice_id = '000000002'"))
    assert invoices(store, shop, sort="state", descending=False) == [
        "000000001", "000000004", "000000002", "000000003"]
    assert invoices(store, shop, sort="card_mask", descending=False) == [
        "000000001", "000000004", "000000002", "000000003"]
    assert invoices(store, shop, sort="reference", descending=True) == [
        "000000004", "000000001", "000000003", "000000002"]
    assert invoices(store, shop, sort="bank_status", descending=False) == [
        "000000001", "000000004", "000000002", "000000003"]  # CHARGE, FAILED, blanks
    assert invoices(store, shop, PaymentFilter(states=frozenset({State.UNKNOWN}))) == [
        "000000003", "000000002"]
