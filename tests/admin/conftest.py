"""A shop's database with rows in every table, made by the program itself (in-process CLI on the
built-in sandbox profile): a sync, a confirm, refunds (one waiting for approval), a
reconciliation with a discrepancy marked resolved, a second operator, a payment link and a
callback about it. Made once per module and copied into each test's home."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import keyring
import pytest
from admin_helpers import fill_shop
from keyring.backends import null

from halyk_desk.paths import AppPaths
from halyk_desk.store import DB_FILE


@pytest.fixture(scope="module")
def shop_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("shop-home")
    with pytest.MonkeyPatch.context() as patch:  # the per-test isolation is not set up yet
        patch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
        patch.delenv("HALYK_DESK_DB", raising=False)
        previous = keyring.get_keyring()
        keyring.set_keyring(null.Keyring())
        try:
            fill_shop(home)
        finally:
            keyring.set_keyring(previous)
    return home


@pytest.fixture
def shop(shop_home: Path, app_paths: AppPaths) -> Path:
    """This test's home (HALYK_DESK_HOME) holding a copy of the shop's database and sandbox
    bank; returns the database file."""
    shutil.copytree(shop_home / "data" / "sandbox", app_paths.data_dir / "sandbox")
    shutil.copytree(shop_home / "config", app_paths.config_dir, dirs_exist_ok=True)
    database = app_paths.data_dir / DB_FILE
    source = sqlite3.connect(shop_home / "data" / DB_FILE)
    target = sqlite3.connect(database)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    return database
