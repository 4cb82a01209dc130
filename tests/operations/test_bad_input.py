"""Bad money commands end in a message before anything reaches the bank, on SQLite and PostgreSQL
alike (issue 14, parts 2 and 3): a field's length limit, control characters, order numbers in
digits other than ASCII, an amount of zero."""

from __future__ import annotations

import pytest
from money_helpers import PROFILE, hold, journal, paid, posts
from operator_helpers import run_as

from halyk_desk.domain import utc_now
from halyk_desk.domain.text import LIMITS, TextError
from halyk_desk.sandbox import TEST_CLIENT_SECRET
from halyk_desk.secrets import SecretStore
from halyk_desk.store import repository
from halyk_desk.store.records import OrderRecord


@pytest.fixture
def run(ctx, store_url, app_paths, capsys):
    SecretStore(app_paths.config_dir).set(PROFILE, TEST_CLIENT_SECRET)

    def halyk_desk(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            code = run_as(ctx.as_("root"), store_url, "anna", ["--profile", PROFILE, *args])
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return halyk_desk


@pytest.mark.parametrize(("args", "said"), [
    (("--note", "x" * 5000), "A text of 5,000 characters does not fit the field «Note»: at most "
                             "1,000"),
    (("--note", "акт \x1b[2J\x1b[31m 7"), "The field «Note» has the control character ESC "
                                          "(position 5)"),
    (("--reason", "брак\x07"), "The field «Reason's words» has the control character BEL"),
    (("--reason", "брак\rПодделка"), "control character CR"),
    (("--reason", "возврат \u202eлоп"), "control character U+202E"),
    (("--reason", "x" * 501), "at most 500"),
], ids=["long note", "ESC in note", "BEL", "CR", "bidi override", "long reason"])
def test_bad_text_is_refused_before_the_bank_is_asked(run, bank, ctx, args, said):
    paid(bank, "000601", 1000)
    argv = ["refund", "000601", "--amount", "100", "--reason", "брак", "--yes", *args]
    code, out, err = run(*argv)
    assert code != 0
    assert said in err, err
    assert "\x1b" not in out + err and "\x07" not in out + err
    assert journal(ctx) == [] and posts(bank) == []


@pytest.mark.parametrize(("invoice", "amount", "said"), [
    ("８００００００７０１", "100", "is not a valid ePay invoiceId"),
    ("000602", "0", "The amount must be more than zero."),
    ("000602", "0,00", "The amount must be more than zero."),
    ("000602", "1０0", "has digits other than 0–9"),
])
def test_full_width_digits_and_zero_are_refused(run, bank, ctx, invoice, amount, said):
    hold(bank, "000602", 1500)
    code, _, err = run("confirm", invoice, "--amount", amount, "--reason", "Нет в наличии",
                       "--yes")
    assert code != 0
    assert said in err, err
    assert journal(ctx) == [] and posts(bank) == []


def test_half_a_tenge_typed_as_comma_five_is_fifty_tiyn(run, bank, ctx):
    hold(bank, "000603", 1500)
    code, _out, err = run("confirm", "000603", "--amount", ",5", "--reason", "Нет в наличии",
                         "--yes")
    assert code == 0, err
    assert bank.get("000603").charged_minor == 50


def test_the_store_refuses_a_long_text_the_same_on_both_databases(ctx):
    """The last word: whoever writes, SQLite refuses what PostgreSQL would (not a driver error)."""
    record = OrderRecord(invoice_id="000604", amount_minor=100, created_at=utc_now(),
                         customer="Я" * (LIMITS["customer"] + 45))
    with pytest.raises(TextError, match="at most 255") as refused, ctx.store.session() as session:
        repository.upsert_orders(session, PROFILE, [record])
    assert "Customer" in str(refused.value)
    with ctx.store.session(readonly=True) as session:
        assert repository.get_orders(session, PROFILE, ["000604"]) == {}
