"""Shared pieces of the admin tests: the CLI in this process, a shop made by the program itself,
rows per table."""

from __future__ import annotations

import contextlib
import io
import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from halyk_desk.cli import main
from halyk_desk.domain import utc_now
from halyk_desk.domain.timeutil import ALMATY
from halyk_desk.paths import AppPaths
from halyk_desk.store import Store
from halyk_desk.store.tables import tables


def halyk(*argv: str) -> tuple[int, str, str]:
    """`halyk-desk ARGV...` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exit_:  # argparse's usage errors
            code = int(exit_.code or 0)
    return code, out.getvalue(), err.getvalue()


def ok(*argv: str) -> str:
    code, out, err = halyk(*argv)
    assert code == 0, (argv, code, out, err)
    return out


def _invoice(store: Store, state: str, min_minor: int = 0) -> str:
    with store.engine.connect() as conn:
        return str(conn.execute(text(
            "SELECT p.invoice_id FROM payments p JOIN orders o ON o.invoice_id = p.invoice_id "
            "WHERE p.state = :s AND p.remaining_minor > :m ORDER BY p.invoice_id LIMIT 1"),
            {"s": state, "m": min_minor}).scalar_one())


def fill_shop(home: Path) -> None:
    """Make the shop's data in `home` through the program's own commands, a row in every
    table."""
    base = ("--home", str(home))
    ok(*base, "sync")
    paths = AppPaths(home / "config", home / "data", home / "logs", home / "cache")
    with Store.open(None, paths) as store:
        held = _invoice(store, "held")
        captured = _invoice(store, "captured", min_minor=2_000_00)
        large = _invoice(store, "captured", min_minor=200_000_00)
    ok(*base, "confirm", held, "--reason", "Товар отгружен", "--yes")
    ok(*base, "refund", captured, "--amount", "1000", "--reason", "Возврат товара", "--yes")
    code, _out, _err = halyk(*base, "refund", large, "--reason", "Возврат товара", "--yes")
    assert code == 6  # waits for a second manager: an unresolved operation in the journal
    today = utc_now().astimezone(ALMATY).date()
    code, out, _err = halyk(*base, "reconcile", "--from", str(today - timedelta(days=30)),
                            "--to", str(today), "--json")
    assert code in (0, 7), out
    key = json.loads(out)["discrepancies"][0]["key"]
    ok(*base, "reconcile", "mark", key, "--note", "Проверено с банком")
    ok(*base, "operator", "add", "anna", "--role", "manager")
    # A phone order's payment link, and the bank's notice about it (from the receiver's log).
    link = json.loads(ok(*base, "link", "create", "--amount", "500", "--description", "Чай",
                         "--json"))
    notices = home / "callbacks.jsonl"
    notices.write_text(json.dumps({"invoiceId": link["invoice_id"], "code": "ok",
                                   "amount": "500.00"}) + "\n", encoding="utf-8")
    ok(*base, "callbacks", "import", str(notices))


def counts(url: str, paths: AppPaths) -> dict[str, int]:
    """Rows per table of the database at `url`."""
    with Store.open(url, paths) as store, store.engine.connect() as conn:
        return {t.name: int(conn.execute(text(f'SELECT count(*) FROM "{t.name}"')).scalar_one())
                for t in tables()}
