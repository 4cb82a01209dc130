"""`halyk-desk link`, `sandbox pay` and `callbacks import` through cli.main, on the sandbox
profile (the sandbox bank started in this process, as the window uses it)."""

from __future__ import annotations

import json

import pytest

from halyk_desk.cli import main

pytestmark = pytest.mark.slow


def run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main(["--lang", "en", *argv])
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_a_phone_order_from_the_command_line(capsys):
    code, out, err = run(capsys, "link", "create", "--amount", "12 500", "--description",
                         "Plov for 10", "--phone", "+77011234567", "--json")
    assert code == 0, err
    made = json.loads(out)
    assert set(made) == {"invoice_id", "link_id", "url", "amount", "currency", "expires_at",
                         "state"}
    assert made["amount"] == "12500.00" and made["currency"] == "KZT"
    assert made["state"] == "active" and made["url"].startswith("http://127.0.0.1:")

    code, out, err = run(capsys, "sandbox", "pay", made["invoice_id"])
    assert code == 0, err
    code, out, err = run(capsys, "sandbox", "pay", made["invoice_id"])
    assert code == 3 and "already been used" in err

    assert run(capsys, "sync")[0] == 0
    code, out, _ = run(capsys, "link", "list", "--json")
    [listed] = json.loads(out)
    assert listed["invoice_id"] == made["invoice_id"] and listed["state"] == "paid"
    code, out, _ = run(capsys, "holds", "--json")
    assert made["invoice_id"] in {h["invoice_id"] for h in json.loads(out)}


def test_bad_input_is_a_usage_error(capsys):
    code, _, err = run(capsys, "link", "create", "--amount", "100", "--description", "x",
                       "--email", "nobody")
    assert code == 2 and "e-mail" in err
    assert json.loads(run(capsys, "link", "list", "--json")[1]) == []


def test_a_callback_log_is_imported_once_and_all_or_nothing(capsys, tmp_path):
    code, out, _ = run(capsys, "link", "create", "--amount", "500", "--description", "Tea",
                       "--json")
    invoice = json.loads(out)["invoice_id"]
    good = json.dumps({"invoiceId": invoice, "code": "ok", "amount": "500.00"})
    log = tmp_path / "callbacks.jsonl"
    log.write_text(f"{good}\n{good}\n{{\"body\": {good}, \"query\": \"secret=nope\"}}\n")
    code, out, err = run(capsys, "callbacks", "import", str(log))
    assert code == 0, err
    assert "new 1, already kept 2" in out  # the third line has the same body: a repeat
    listed = json.loads(run(capsys, "callbacks", "list", "--json")[1])
    assert [(c["invoice_id"], c["verified"], c["problem"], c["bank_status"]) for c in listed] \
        == [(invoice, False, "no_secret", "NOT_FOUND")]

    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"invoiceId": "123456789"}) + "\nnot json\n")
    code, _, err = run(capsys, "callbacks", "import", str(bad))
    assert code == 2 and "line 2: not JSON" in err
    assert len(json.loads(run(capsys, "callbacks", "list", "--json")[1])) == 1


def test_payment_link_fields_of_a_profile(capsys):
    shop = "5a3c1f0e-2b7d-4c1e-9f00-0123456789ab"
    code, _, err = run(capsys, "profile", "edit", "sandbox", "--shop-id", shop.upper(),
                         "--callback-url", "https://shop.example.kz/halyk/callback")
    assert code == 0, err
    [sandbox] = [p for p in json.loads(run(capsys, "profile", "list", "--json")[1])
                 if p["name"] == "sandbox"]
    assert (sandbox["shop_id"], sandbox["callback_url"]) == (
        shop, "https://shop.example.kz/halyk/callback")
    code, _, err = run(capsys, "profile", "edit", "sandbox", "--callback-url",
                       "http://shop.example.kz/cb")
    assert code == 2 and "https://" in err
    code, _, err = run(capsys, "profile", "edit", "sandbox", "--shop-id", "42")
    assert code == 2 and "UUID" in err
