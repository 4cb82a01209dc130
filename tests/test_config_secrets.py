"""Client secrets: in the keyring when there is a usable one, else in a private file, loudly."""

from __future__ import annotations

import json
import stat

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.errors import KeyringError

from halyk_desk.secrets import (
    FALLBACK_FILE,
    PUBLISHED,
    SERVICE,
    SecretStore,
    SharedSecretsFile,
    usable_backend,
)


class BrokenKeyring(KeyringBackend):
    """A keyring that is there but fails, as a locked or crashed desktop keyring does."""

    priority = 1  # type: ignore[assignment]

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringError("the keyring daemon did not answer")

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringError("the keyring daemon did not answer")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringError("the keyring daemon did not answer")


class EmptyChain(chainer.ChainerBackend):
    """keyring's chain when it found no backend to chain."""

    backends = []  # type: ignore[assignment]  # noqa: RUF012


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_usable_keyring_keeps_the_secret_and_no_file_is_written(app_paths, memory_keyring):
    secrets = SecretStore(app_paths.config_dir)
    saved = secrets.set("shop", "s3cret")
    assert saved.warning is None and saved.location == "system keyring (MemoryKeyring)"
    assert memory_keyring.items == {(SERVICE, "shop"): "s3cret"}
    assert not (app_paths.config_dir / FALLBACK_FILE).exists()
    assert (secrets.get("shop"), secrets.location("shop")) == ("s3cret", "keyring")
    secrets.delete("shop")
    assert (secrets.get("shop"), secrets.location("shop")) == (None, None)


def test_without_a_keyring_the_secret_goes_to_a_private_file_and_says_where(app_paths):
    secrets = SecretStore(app_paths.config_dir)  # the suite's keyring is keyring's null backend
    first = secrets.set("shop", "s3cret")
    secrets.set("branch", "other")
    path = app_paths.config_dir / FALLBACK_FILE
    assert first.location == str(path)
    assert first.warning is not None and str(path) in first.warning
    assert "No usable system keyring" in first.warning and "readable only by" in first.warning
    assert "s3cret" not in first.warning
    assert mode(path) == 0o600
    assert json.loads(path.read_text()) == {"shop": "s3cret", "branch": "other"}
    assert (secrets.get("shop"), secrets.location("shop")) == ("s3cret", str(path))
    secrets.delete("shop")
    assert json.loads(path.read_text()) == {"branch": "other"} and mode(path) == 0o600


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring(), BrokenKeyring()],
                         ids=["fail", "null", "broken"])
def test_every_kind_of_missing_keyring_falls_back(app_paths, backend):
    secrets = SecretStore(app_paths.config_dir, backend=backend)
    saved = secrets.set("shop", "s3cret")
    assert saved.warning is not None and saved.location.endswith(FALLBACK_FILE)
    assert secrets.get("shop") == "s3cret"


def test_a_failing_keyring_is_named_in_the_message(app_paths):
    saved = SecretStore(app_paths.config_dir, backend=BrokenKeyring()).set("shop", "s3cret")
    assert "BrokenKeyring failed: KeyringError" in (saved.warning or "")


def test_which_backends_count_as_usable(memory_keyring):
    assert usable_backend(memory_keyring)
    assert not usable_backend(fail.Keyring()) and not usable_backend(null.Keyring())
    assert not usable_backend(EmptyChain())


def test_a_secret_moves_out_of_the_file_once_a_keyring_exists(app_paths, memory_keyring):
    path = app_paths.config_dir / FALLBACK_FILE
    SecretStore(app_paths.config_dir, backend=null.Keyring()).set("shop", "old")
    SecretStore(app_paths.config_dir).set("shop", "new")
    assert json.loads(path.read_text()) == {}
    assert SecretStore(app_paths.config_dir).get("shop") == "new"


def test_the_banks_published_test_secret_is_built_in_and_fixed(app_paths):
    secrets = SecretStore(app_paths.config_dir)
    assert secrets.get("halyk-test") == PUBLISHED["halyk-test"]
    assert secrets.location("halyk-test") == "published by the bank"
    with pytest.raises(ValueError, match="built in"):
        secrets.set("halyk-test", "mine")


def test_an_empty_secret_is_refused(app_paths):
    with pytest.raises(ValueError, match="empty"):
        SecretStore(app_paths.config_dir).set("shop", "")


# --- data at rest (issue 9) -----------------------------------------------------------------------

def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_secrets_file_others_can_read_is_refused_naming_the_fix(app_paths):
    secrets = SecretStore(app_paths.config_dir, backend=null.Keyring())
    secrets.set("shop", "s3cret")
    assert _mode(secrets.fallback_path) == 0o600
    secrets.fallback_path.chmod(0o644)  # restored from a backup, or saved by an editor
    with pytest.raises(SharedSecretsFile) as refused:
        secrets.get("shop")
    message = str(refused.value)
    assert str(secrets.fallback_path) in message and f"chmod 600 '{secrets.fallback_path}'" in \
        message and "s3cret" not in message
    secrets.fallback_path.chmod(0o600)
    assert secrets.get("shop") == "s3cret"


def test_the_data_folders_database_and_backups_are_owner_only(tmp_path, capsys):
    from halyk_desk.cli import main
    from halyk_desk.paths import resolve_paths
    from halyk_desk.store import DB_FILE

    paths = resolve_paths(tmp_path / "fresh-home")
    assert main(["--home", str(tmp_path / "fresh-home"), "db", "backup"]) == 0
    capsys.readouterr()
    for folder in (paths.config_dir, paths.data_dir, paths.data_dir / "backups"):
        assert _mode(folder) == 0o700, folder
    database = paths.data_dir / DB_FILE
    assert _mode(database) == 0o600
    [backup] = (paths.data_dir / "backups").iterdir()
    assert _mode(backup) == 0o600
    for extra in database.parent.glob(f"{DB_FILE}-*"):  # -wal, -shm while open
        assert _mode(extra) == 0o600
