"""The journal and the support report: written at every start, and never holding a secret, a
token, a full card number or a customer's contact (issue 14, part 5)."""

from __future__ import annotations

import json
import logging
import zipfile

import pytest
from cli_helpers import add_orders, run

from halyk_desk import logs
from halyk_desk.domain import utc_now
from halyk_desk.sandbox import TEST_CLIENT_SECRET

CARD = "4400430123456789"  # passes the Luhn check, as a real card number does
EMAIL = "aigerim.customer@example.kz"
PHONE = "+7 701 123 45 67"


def test_the_journal_and_the_report_hold_no_secret(capsys, store_url, shop, bank, app_paths,
                                                   tmp_path):
    add_orders(shop, bank, ["AUTH", "CHARGE"], created=utc_now())
    code, _, err = run(capsys, store_url, "sync", "--all")
    assert code == 0, err
    tokens = list(bank.tokens._access)  # every token the bank issued to the program
    assert tokens
    # A careless log line of the future: the redacting filter still keeps these out.
    logging.getLogger("halyk_desk.services.sync").warning(
        "reply was %s", {"access_token": tokens[0], "client_secret": TEST_CLIENT_SECRET,
                         "cardNumber": CARD, "email": EMAIL, "phone": PHONE})
    logging.getLogger("halyk_desk.epay.client").info("posted client_secret=%s&x=1 for %s",
                                                     TEST_CLIENT_SECRET, tokens[0][:40])
    target = tmp_path / "out" / "support.zip"
    code, out, err = run(capsys, store_url, "support-report", str(target))
    assert code == 0, err
    assert f"The support report is written: {target}" in out

    journal = (app_paths.log_dir / logs.LOG_NAME).read_text(encoding="utf-8")
    assert " INFO halyk_desk.cli [" in journal  # time, level, module, operator
    assert "halyk-desk" in journal and "sync" in journal
    assert "[hidden]" in journal and "440043******6789" in journal
    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
        assert {"versions.json", "settings.json", "db-info.json",
                f"logs/{logs.LOG_NAME}"} <= names
        contents = {name: archive.read(name).decode("utf-8") for name in names}
    info = json.loads(contents["db-info.json"])
    assert info["counts"]["orders"] == 2 and info["revision"] == info["head"]
    assert json.loads(contents["versions.json"])["halyk_desk"]
    for where, text in [("journal", journal), *contents.items()]:
        for secret in [TEST_CLIENT_SECRET, *tokens, CARD, EMAIL, "701 123 45 67"]:
            assert secret not in text, f"{secret[:6]}… in {where}"
    assert not list(target.parent.glob("*.tmp"))  # written through a temporary file


def test_a_database_password_is_not_in_the_report(capsys, tmp_path, app_paths):
    (app_paths.config_dir / "settings.json").write_text(json.dumps(
        {"database_url": "postgresql+psycopg://shop:Sup3rS3cret@127.0.0.1:1/halyk"}))
    target = tmp_path / "support.zip"
    from halyk_desk.cli import main

    assert main(["support-report", str(target)]) == 0  # the database cannot be opened: reported
    with zipfile.ZipFile(target) as archive:
        settings = archive.read("settings.json").decode()
        db_info = archive.read("db-info.json").decode()
    assert "Sup3rS3cret" not in settings + db_info
    assert "database_url" in settings  # the settings refuse a password: why, is reported


def test_an_unexpected_error_is_one_sentence_and_its_traceback_is_in_the_journal(
        capsys, store_url, shop, app_paths, monkeypatch):
    from halyk_desk.commands import lists

    def broken(*_args, **_kwargs):  # a fault of the program, as a bug would make it
        raise KeyError("invoice")

    monkeypatch.setattr(lists, "list_payments", broken)
    code, _out, err = run(capsys, store_url, "payments")
    assert code == 1
    assert "Traceback" not in err
    assert err.strip() == ("halyk-desk: Internal error of the program (KeyError); nothing was "
                           "done. The details are saved in the journal.")
    journal = (app_paths.log_dir / logs.LOG_NAME).read_text(encoding="utf-8")
    assert "ERROR halyk_desk.cli" in journal and "Traceback" in journal
    assert "KeyError: 'invoice'" in journal


@pytest.mark.parametrize("text", [
    f"card {CARD} paid", "Bearer abc.def-ghi", "password=hunter22", f"mail {EMAIL}",
    "call 8 (701) 123-45-67", "postgresql://u:pw1234@host/db",
])
def test_the_redactor_hides_what_looks_like_a_secret(text):
    hidden = logs.redact(text)
    assert hidden != text
    for piece in (CARD, "abc.def-ghi", "hunter22", EMAIL, "123-45-67", "pw1234"):
        assert piece not in hidden


def test_order_numbers_and_amounts_stay_readable():
    text = "Status of 000123456 read: 1500.00 KZT, order 80000000701"
    assert logs.redact(text) == text


@pytest.mark.parametrize("content", [b'{"shop": "yF58', b"\x00\x00\x00", b"[1, 2]"],
                         ids=["truncated", "zeros", "not an object"])
def test_a_broken_secrets_file_is_named_with_what_to_do(capsys, store_url, shop, bank,
                                                         app_paths, content):
    add_orders(shop, bank, ["AUTH"], created=utc_now())
    secrets_file = app_paths.config_dir / "secrets.json"
    assert secrets_file.exists()  # the shop's secret is there: no keyring in the tests
    secrets_file.write_bytes(content)

    code, _, err = run(capsys, store_url, "sync")

    assert code == 1
    assert "Traceback" not in err
    assert f"The secrets file {secrets_file}" in err
    assert "enter the client secret of each profile again" in err


def test_a_broken_settings_file_is_named_with_what_to_do(capsys, app_paths):
    settings_file = app_paths.config_dir / "settings.json"
    settings_file.write_text('{"language": "ru", "hold_w', encoding="utf-8")
    from halyk_desk.cli import main

    assert main(["holds"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"The settings file {settings_file} is not valid JSON" in err
    assert "move it away to start over with defaults" in err
