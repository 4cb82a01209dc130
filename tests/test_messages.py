"""Messages as codes with parameters (halyk_desk.messages): one catalogue, three languages, the
command line without Qt, --lang and the system's language, stable codes for scripts."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime

import pytest

from halyk_desk import messages
from halyk_desk.domain import Money, RuleViolation, State, check_refund
from halyk_desk.domain.states import state_name
from halyk_desk.messages import Message, msg


def refusal() -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        check_refund(State.CAPTURED, Money(1_000_00), Money(400_00), Money(600_01))
    return caught.value


def test_a_refusal_reads_in_each_language_with_its_amounts_written_that_way():
    message = refusal().message
    assert message.render("ru") == ("Нельзя вернуть 600,01\u00a0₸: списано 1\u00a0000,00\u00a0₸, "
                                    "уже возвращено 400,00\u00a0₸, так что вернуть можно не больше "
                                    "600,00\u00a0₸.")
    assert message.render("en") == ("Cannot refund KZT 600.01: KZT 1,000.00 was captured and "
                                    "KZT 400.00 already refunded, so at most KZT 600.00 can be "
                                    "refunded.")
    assert message.render("kk").startswith("600,01\u00a0₸ қайтару мүмкін емес")


def test_str_follows_the_current_language():
    error = refusal()
    messages.use("kk")
    assert "қайтару мүмкін емес" in str(error)
    messages.use("ru")
    assert str(error).startswith("Нельзя вернуть")
    assert error.code == "above_remaining" and error.message.code == "rules.above_remaining"


def test_a_message_inside_a_message_is_rendered_in_the_same_language():
    with pytest.raises(RuleViolation) as caught:
        check_refund(State.HELD, Money(100_00), Money(0))
    assert "«блокировка (холд)»" in caught.value.message.render("ru")
    assert "«hold»" in caught.value.message.render("en")
    assert "«бұғаттау (холд)»" in caught.value.message.render("kk")


def test_json_keeps_the_code_and_plain_parameters_beside_the_text():
    messages.use("ru")
    data = refusal().message.to_json()
    assert data["code"] == "rules.above_remaining"
    assert data["params"] == {"amount": "600.01", "captured": "1000.00", "refunded": "400.00",
                              "remaining": "600.00"}
    assert data["message"].startswith("Нельзя вернуть")
    json.dumps(data)


def test_a_stored_message_comes_back_whole_and_old_text_as_itself():
    message = msg("test.stored", "{who}: {amount}, {day}, {at}, {state}, {n}", who="anna",
                  amount=Money(5_000_00, "USD"), day=date(2026, 11, 30),
                  at=datetime(2026, 11, 30, 9, 5), state=state_name(State.HELD), n=12_345)
    back = Message.load(message.dump())
    assert back == message
    assert back.render("en") == "anna: USD 5,000.00, 30/11/2026, 30/11/2026 09:05, hold, 12,345"
    assert Message.load("The bank accepted it").render("kk") == "The bank accepted it"


@pytest.mark.parametrize(("language", "counts"), [
    ("ru", {1: 0, 2: 1, 4: 1, 5: 2, 11: 2, 12: 2, 21: 0, 22: 1, 111: 2, 1001: 0}),
    ("en", {0: 1, 1: 0, 2: 1, 21: 1}),
    ("kk", {1: 0, 2: 1, 21: 1}),
])
def test_plural_forms_follow_qts_rules(language, counts):
    assert {n: messages.plural_form(language, n) for n in counts} == counts


@pytest.mark.parametrize(("setting", "system", "language"), [
    ("en", "ru", "en"), ("kk", "en", "kk"), ("ru", "de", "ru"),
    ("auto", "ru", "ru"), ("auto", "kk", "ru"), ("auto", "c", "ru"), ("auto", "", "ru"),
    ("auto", "en", "en"), ("auto", "de", "en"), (None, "posix", "ru"),
])
def test_the_language_follows_the_setting_else_the_system(setting, system, language):
    assert messages.resolve(setting, system) == language


def test_the_system_language_is_read_from_the_locale_variables():
    assert messages.system_language({"LANG": "kk_KZ.UTF-8"}) == "kk"
    assert messages.system_language({"LC_ALL": "de_DE@euro", "LANG": "ru_RU.UTF-8"}) == "de"
    assert messages.system_language({"LC_MESSAGES": "C.UTF-8"}) == "c"
    assert messages.system_language({}) == ""


def _cli(*argv: str, env_lang: str = "en_GB.UTF-8", home) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "LC_MESSAGES": env_lang, "HALYK_DESK_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "halyk_desk", *argv], capture_output=True,
                          text=True, encoding="utf-8", env=env, timeout=120)


def test_the_command_line_speaks_lang_else_the_setting_else_the_system(tmp_path):
    home = tmp_path / "home"
    argv = ("payments", "--from", "2026-11-02", "--to", "2026-11-01")
    russian = _cli(*argv, env_lang="ru_RU.UTF-8", home=home)
    english = _cli(*argv, home=home)
    kazakh = _cli("--lang", "kk", *argv, home=home)
    assert russian.returncode == english.returncode == kazakh.returncode != 0
    assert "--from 2026-11-02 is after --to 2026-11-01" in english.stderr
    assert "--from 2026-11-02 позже, чем --to 2026-11-01" in russian.stderr
    assert kazakh.stderr not in (english.stderr, russian.stderr)
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "settings.json").write_text('{"language": "kk"}', encoding="utf-8")
    assert _cli(*argv, home=home).stderr == kazakh.stderr


def test_the_command_line_does_not_load_qt(tmp_path):
    code = ("import sys; from halyk_desk.cli import main; main(['--lang', 'kk', 'operator', "
            "'list']); print(sorted(m for m in sys.modules if m.startswith('PySide6')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"HALYK_DESK_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
                          timeout=120)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stderr
