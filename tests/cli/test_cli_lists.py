"""`halyk-desk holds` and `halyk-desk payments`: the JSON shape scripts rely on (issue 3, part 5)
and the table people read."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import psycopg
import pytest
from cli_helpers import add_orders, run
from postgres_cluster import SUPERUSER

from halyk_desk.domain import utc_now

PAYMENT_KEYS = {"invoice_id", "transaction_id", "state", "bank_status", "amount", "captured",
                "refunded", "currency", "created_at", "customer", "card_mask", "reference",
                "shop_status", "last_read_at", "read_error"}
HOLD_KEYS = {"invoice_id", "transaction_id", "state", "bank_status", "amount", "captured",
             "refunded", "currency", "created_at", "expires_at", "age_seconds",
             "time_left_seconds", "warn", "expired", "customer"}


@pytest.fixture
def synced(capsys, store_url, shop, bank):
    """Orders of the last hours: held (one 6 days old), captured, refunded, missing at the
    bank, and one made after the sync (never read)."""
    now = utc_now().replace(microsecond=0)
    invoices = add_orders(shop, bank, ["AUTH", "CHARGE", "REFUND", None], created=now)
    invoices += add_orders(shop, bank, ["AUTH"], created=now - timedelta(days=6), first=200_001)
    bank.refund(bank.get(invoices[1]).id, 500_00)
    assert run(capsys, store_url, "sync")[0] == 0
    invoices += add_orders(shop, bank, ["CHARGE"], created=now, first=300_001)
    return invoices


def test_payments_json_has_the_documented_shape(capsys, store_url, synced, bank):
    code, out, _ = run(capsys, store_url, "payments", "--json")

    assert code == 0
    rows = {row["invoice_id"]: row for row in json.loads(out)}
    assert all(set(row) == PAYMENT_KEYS for row in rows.values())
    partly = rows[synced[1]]
    assert partly == {
        **partly,
        "transaction_id": bank.get(synced[1]).id, "state": "partially_refunded",
        "bank_status": "CHARGE", "amount": "1500.00", "captured": "1500.00",
        "refunded": "500.00", "currency": "KZT",
    }
    created = datetime.fromisoformat(partly["created_at"])
    assert partly["created_at"].endswith("Z") and created.utcoffset() == timedelta(0)
    assert created == datetime.fromisoformat(rows[synced[0]]["created_at"]) - timedelta(
        minutes=1)
    assert [rows[i]["state"] for i in synced] == [
        "held", "partially_refunded", "refunded", "not_found", "held", "unknown"]
    never = rows[synced[5]]
    assert (never["bank_status"], never["captured"], never["last_read_at"]) == (None, "0.00", None)


def test_payments_filters_by_state_and_dates(capsys, store_url, synced):
    def invoices(*argv):
        code, out, _ = run(capsys, store_url, "payments", "--json", *argv)
        assert code == 0
        return sorted(row["invoice_id"] for row in json.loads(out))

    assert invoices("--state", "held") == sorted([synced[0], synced[4]])
    assert invoices("--state", "refunded,not_found", "--state", "unknown") == sorted(
        synced[2:4] + synced[5:])
    long_ago = (utc_now() - timedelta(days=8)).date()
    assert invoices("--to", long_ago.isoformat()) == []
    recently = (utc_now() - timedelta(days=2)).date()
    assert len(invoices("--from", recently.strftime("%d.%m.%Y"))) == 5  # not the 6-day hold


@pytest.mark.parametrize(("argv", "says"), [
    (["--state", "paid"], "unknown state paid"),
    (["--from", "2026-13-01"], "is not a date"),
    (["--from", "2026-11-05", "--to", "2026-11-01"], "is after --to"),
])
def test_payments_usage_errors(capsys, store_url, shop, argv, says):
    code, _, err = run(capsys, store_url, "payments", *argv)
    assert code == 2 and says in err


def test_holds_json_adds_expiry_age_and_time_left(capsys, store_url, synced, bank):
    code, out, _ = run(capsys, store_url, "holds", "--json")

    assert code == 0
    holds = json.loads(out)
    assert [h["invoice_id"] for h in holds] == [synced[4], synced[0]]  # least time left first
    old, fresh = holds
    assert all(set(h) == HOLD_KEYS for h in holds)
    assert (old["state"], old["bank_status"], old["amount"], old["captured"], old["refunded"],
            old["currency"]) == ("held", "AUTH", "1500.00", "0.00", "0.00", "KZT")
    assert old["transaction_id"] == bank.get(synced[4]).id
    assert (old["warn"], old["expired"], fresh["warn"]) == (True, False, False)
    since = datetime.fromisoformat(old["created_at"])
    expires = datetime.fromisoformat(old["expires_at"])
    assert expires - since == timedelta(days=7)  # the default hold_expire_days
    assert 6 * 86400 <= old["age_seconds"] < 6 * 86400 + 600
    assert old["age_seconds"] + old["time_left_seconds"] in range(7 * 86400 - 1, 7 * 86400 + 1)


def test_tables_for_people(capsys, store_url, synced):
    code, out, _ = run(capsys, store_url, "payments")
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[:3] == ["Invoice", "Created", "Amount"]
    assert lines[-1] == "6 orders; times in Asia/Almaty."
    body = lines[1:-1]
    amount_ends = {re.search(r"KZT [\d,]+\.\d\d", line).end() for line in body}
    assert len(amount_ends) == 1  # amounts right-aligned in one column
    assert any("KZT 1,500.00" in line and "partially_refunded" in line for line in body)

    code, out, _ = run(capsys, store_url, "holds")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 4
    assert "WARN" in lines[1] and synced[4] in lines[1]
    assert lines[-1].startswith("2 holds (1 to confirm or release soon, 0 expired)")


def test_tables_in_kazakh(capsys, store_url, synced):
    code, out, _ = run(capsys, store_url, "--lang", "kk", "payments")
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[:3] == ["Тапсырыс", "Құрылған", "Сома"]
    assert lines[-1] == "6 тапсырыс; уақыт Asia/Almaty бойынша."
    assert len({line.index("₸") for line in lines[1:-1]}) == 1  # amounts right-aligned
    assert any("1 500,00 ₸" in line for line in lines[1:-1])

    code, out, _ = run(capsys, store_url, "--lang", "kk", "holds")
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[:3] == ["Тапсырыс", "Сома", "Бұғатталған"]
    assert "ЖАҚЫНДА" in lines[1] and synced[4] in lines[1] and "күн" in lines[1]
    assert lines[-1].startswith("2 бұғаттау (жақында растау немесе алып тастау керек: 1, "
                                "мерзімі өтті: 0)")


def test_empty_lists(capsys, store_url, shop):
    assert run(capsys, store_url, "holds", "--json")[1] == "[]\n"
    assert run(capsys, store_url, "payments", "--json")[1] == "[]\n"


def test_a_database_we_cannot_use_is_a_usage_error_not_a_traceback(capsys):
    code, out, err = run(capsys, "mysql://shop@server/halyk", "holds")
    assert code == 2 and out == ""
    assert err.startswith("halyk-desk: Unsupported database 'mysql'")


def test_a_user_without_rights_on_the_database_gets_a_message(capsys, pg_cluster):
    """A PostgreSQL user who may not create the tables: a failure (1) saying what to check."""
    url = pg_cluster.create_database("no_rights")
    database = url.rsplit("/", 1)[1]
    with psycopg.connect(host="127.0.0.1", port=pg_cluster.port, user=SUPERUSER,
                         dbname=database, autocommit=True) as conn:
        conn.execute("CREATE ROLE visitor LOGIN")
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    visitor = f"postgresql+psycopg://visitor@127.0.0.1:{pg_cluster.port}/{database}"

    code, _, err = run(capsys, visitor, "holds")

    assert code == 1 and "Traceback" not in err
    assert "The database refused to open: permission denied for schema public" in err
