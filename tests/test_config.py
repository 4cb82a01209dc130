"""Folders and settings: --home / HALYK_DESK_HOME, options declared once, atomic saves, and a
broken settings file stops with a message instead of being reset."""

from __future__ import annotations

import json
import os

import pytest

from halyk_desk import messages
from halyk_desk.paths import HOME_ENV, resolve_paths
from halyk_desk.services.operations import is_other
from halyk_desk.settings import (
    OPTIONS,
    SETTINGS_FILE,
    Settings,
    SettingsError,
    WindowState,
)

RUSSIAN_REASONS = ["Просьба покупателя", "Нет в наличии", "Двойная оплата",
                   "Подозрение на мошенничество", "Корректировка цены", "Другое"]


def test_home_puts_every_folder_under_one_directory(tmp_path):
    paths = resolve_paths(tmp_path / "portable")
    folders = [paths.config_dir, paths.data_dir, paths.log_dir, paths.cache_dir]
    assert all(f.is_dir() and f.parent == tmp_path / "portable" for f in folders)
    assert len(set(folders)) == 4


def test_the_environment_variable_is_used_without_home_and_home_wins(tmp_path, monkeypatch):
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "from-env"))
    assert resolve_paths(None).data_dir == tmp_path / "from-env" / "data"
    assert resolve_paths(str(tmp_path / "given")).data_dir == tmp_path / "given" / "data"


def test_without_either_the_platform_folders_are_used(tmp_path, monkeypatch):
    monkeypatch.delenv(HOME_ENV)
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    paths = resolve_paths(None)
    assert paths.config_dir == tmp_path / ".config" / "HalykDesk"
    assert paths.data_dir == tmp_path / ".local" / "share" / "HalykDesk"
    assert paths.cache_dir == tmp_path / ".cache" / "HalykDesk"
    assert paths.log_dir.is_dir() and str(paths.log_dir).startswith(str(tmp_path))


def test_defaults_without_a_file(app_paths):
    settings = Settings.load(app_paths.config_dir)
    assert settings.as_dict() == {
        "last_profile": "sandbox",
        "hold_warn_days": 5,
        "hold_expire_days": 7,
        "business_tz": "Asia/Almaty",
        "sync_concurrency": 8,
        "refund_approval_threshold": 100_000_00,
        "amount_tolerance": 0,
        "reasons": RUSSIAN_REASONS,
        "language": "auto",
        "database_url": "",
        "settle_grace_minutes": 30,
        "shared_computer": False,
        "idle_lock_minutes": 10,
    }
    assert "Просьба покупателя" in settings["reasons"] and "Другое" in settings["reasons"]
    assert all(option.title for option in OPTIONS)


def test_settings_round_trip_and_keep_keys_of_newer_versions(app_paths):
    path = app_paths.config_dir / SETTINGS_FILE
    path.write_text(json.dumps({"hold_warn_days": 4, "from_a_newer_version": [1, 2]}))
    settings = Settings.load(app_paths.config_dir)
    settings.set("hold_expire_days", 30)
    settings.set("reasons", ["Брак", "Другое"])
    settings.set("business_tz", "Asia/Aqtobe")
    settings.save()

    again = Settings.load(app_paths.config_dir)
    assert (again["hold_warn_days"], again["hold_expire_days"]) == (4, 30)
    assert (again["reasons"], again["business_tz"]) == (["Брак", "Другое"], "Asia/Aqtobe")
    assert json.loads(path.read_text(encoding="utf-8"))["from_a_newer_version"] == [1, 2]
    assert "Брак" in path.read_text(encoding="utf-8"), "Cyrillic stays readable in the file"
    assert [p.name for p in app_paths.config_dir.iterdir()] == [SETTINGS_FILE], "no temp left"


def test_a_returned_list_is_a_copy(app_paths):
    settings = Settings.load(app_paths.config_dir)
    settings["reasons"].append("changed behind its back")
    assert settings["reasons"] == RUSSIAN_REASONS


def test_default_reasons_speak_the_chosen_language_until_the_shop_edits_them(app_paths):
    """The reasons are the shop's data (the journal keeps them, scripts name them): not the
    reader's language nor the locale a script runs in, but the language chosen in the settings
    (Russian for auto), and the shop's own list once it is saved."""
    path = app_paths.config_dir / SETTINGS_FILE
    for reader in ("en", "kk", "ru"):
        messages.use(reader)
        assert Settings.load(app_paths.config_dir)["reasons"] == RUSSIAN_REASONS
    path.write_text(json.dumps({"language": "kk"}))
    kazakh = Settings.load(app_paths.config_dir)["reasons"]
    assert kazakh[0] == "Сатып алушының өтініші" and kazakh[-1] == "Басқа"
    path.write_text(json.dumps({"language": "en"}))
    english = Settings.load(app_paths.config_dir)["reasons"]
    assert english == ["Customer's request", "Out of stock", "Paid twice", "Suspected fraud",
                       "Price correction", "Other"]
    # «Другое» in each language asks for the operator's own words
    assert is_other(kazakh[-1]) and is_other(english[-1]) and is_other(RUSSIAN_REASONS[-1])
    settings = Settings.load(app_paths.config_dir)
    settings.set("reasons", ["Брак", "Другое"])
    settings.save()
    for language in ("ru", "kk"):
        settings.set("language", language)
        settings.save()
        assert Settings.load(app_paths.config_dir)["reasons"] == ["Брак", "Другое"]


@pytest.mark.parametrize(("language", "said", "refused"), [
    ("ru", ["В файле настроек", "неверное значение «hold_warn_days»",
            "Предупреждать о блокировке через столько дней",
            "должно быть целым числом больше нуля", "удалите эту строку", "(5)"],
     "Блокировка истекает через столько дней: должно быть целым числом больше нуля."),
    ("kk", ["баптаулар файлында «hold_warn_days» мәні қате",
            "Бұғаттау туралы осынша күннен кейін ескерту", "нөлден үлкен бүтін сан болуы керек",
            "сол жолды өшіріңіз", "(5)"],
     "Бұғаттау осынша күннен кейін бітеді: нөлден үлкен бүтін сан болуы керек."),
    ("en", ["has a bad value for 'hold_warn_days'", "Warn about a hold after this many days",
            "must be a whole number greater than zero", "delete that line", "(5)"],
     "A hold expires after this many days: must be a whole number greater than zero."),
])
def test_a_bad_value_is_explained_in_the_readers_language(app_paths, language, said, refused):
    path = app_paths.config_dir / SETTINGS_FILE
    path.write_text(json.dumps({"hold_warn_days": 0}))
    messages.use(language)
    with pytest.raises(SettingsError) as caught:
        Settings.load(app_paths.config_dir)
    text = str(caught.value)
    assert str(path) in text and all(part in text for part in said), text
    assert caught.value.message.code == "settings.bad_value"
    path.unlink()
    with pytest.raises(SettingsError) as caught:
        Settings.load(app_paths.config_dir).set("hold_expire_days", -1)
    assert str(caught.value) == refused


@pytest.mark.parametrize(("key", "value", "message"), [
    ("hold_warn_days", 0, "greater than zero"),
    ("hold_warn_days", "5", "greater than zero"),
    ("sync_concurrency", True, "greater than zero"),
    ("refund_approval_threshold", -1, "zero or more"),
    ("amount_tolerance", 1.5, "zero or more"),
    ("business_tz", "Mars/Olympus", "not a known time zone"),
    ("reasons", [], "at least one reason"),
    ("reasons", ["Брак", " брак"], "same reason twice"),
    ("reasons", ["Брак", ""], "non-empty"),
    ("language", "fr", "one of auto, ru, kk, en"),
    ("last_profile", "", "profile name"),
])
def test_bad_values_are_refused_with_what_is_allowed(app_paths, key, value, message):
    settings = Settings.load(app_paths.config_dir)
    with pytest.raises(SettingsError, match=message):
        settings.set(key, value)
    (app_paths.config_dir / SETTINGS_FILE).write_text(json.dumps({key: value}))
    with pytest.raises(SettingsError, match=f"bad value for '{key}'.*{message}"):
        Settings.load(app_paths.config_dir)


def test_unknown_settings_are_refused(app_paths):
    with pytest.raises(KeyError, match="unknown setting 'colour'"):
        Settings.load(app_paths.config_dir)["colour"]


def test_broken_json_stops_with_the_file_and_what_to_do(app_paths):
    path = app_paths.config_dir / SETTINGS_FILE
    path.write_text('{"hold_warn_days": 4,,}')
    with pytest.raises(SettingsError) as caught:
        Settings.load(app_paths.config_dir)
    message = str(caught.value)
    assert str(path) in message and "not valid JSON (line 1, column 22" in message
    assert "Fix it in a text editor, or move it away" in message
    assert path.read_text() == '{"hold_warn_days": 4,,}', "the file is left for the user to fix"


@pytest.mark.parametrize("content", [b"[1, 2]", b"\xff\xfe{}"])
def test_other_unusable_files_are_reported_too(app_paths, content):
    (app_paths.config_dir / SETTINGS_FILE).write_bytes(content)
    with pytest.raises(SettingsError, match=str(app_paths.config_dir / SETTINGS_FILE)):
        Settings.load(app_paths.config_dir)


def test_a_failed_save_leaves_the_old_file_whole(app_paths, monkeypatch):
    settings = Settings.load(app_paths.config_dir)
    settings.set("hold_warn_days", 3)
    settings.save()
    settings.set("hold_warn_days", 2)

    def full_disk(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError, match="No space left"):
        settings.save()
    assert Settings.load(app_paths.config_dir)["hold_warn_days"] == 3
    assert [p.name for p in app_paths.config_dir.iterdir()] == [SETTINGS_FILE]


def test_window_state_is_kept_apart_and_a_broken_one_only_costs_the_layout(app_paths):
    state = WindowState.load(app_paths.config_dir)
    state.values["geometry"] = "AdnQywADAAAAAAAA"
    state.save()
    assert WindowState.load(app_paths.config_dir).values == {"geometry": "AdnQywADAAAAAAAA"}
    assert not (app_paths.config_dir / SETTINGS_FILE).exists()

    state.path.write_text("{not json")
    broken = WindowState.load(app_paths.config_dir)
    assert broken.values == {} and "not valid JSON" in (broken.problem or "")
