"""Fixtures shared by the whole suite.

Isolation (autouse): every test runs with HALYK_DESK_HOME in its own temporary folder, no
HALYK_DESK_DB, and keyring's null backend (it stores nothing), so no test touches the real home,
database or keyring. `memory_keyring` gives a test a working keyring instead.

Language (autouse): the system speaks British English (LC_MESSAGES=en_GB.UTF-8, for commands run as
child processes too) and services' messages render in English, so a test's expected text does not
depend on the machine; the window's tests (tests/ui) switch messages to Russian, the window's own
language, and a test of another language chooses it (`--lang`, messages.use, ui.i18n.install).

Stores: `store` is an open Store, once on SQLite (a temporary file) and once on PostgreSQL
(marker `postgres`); `store_url` is the same database's URL, at the latest schema and empty, for
tests that open it themselves (other processes, the CLI); `empty_db_url` is a database with no
schema at all. PostgreSQL is a throwaway cluster started once per session from Debian's binaries;
each test module gets a database of its own, emptied before each test. Without the binaries those
tests do not run, the summary says so loudly, and HALYK_DESK_REQUIRE_POSTGRES=1 (CI) makes that an
error instead.

Bank: `bank` is a sandbox bank (seed 0) and `server` serves it over real HTTP on 127.0.0.1.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import keyring
import psycopg
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import null
from keyring.errors import PasswordDeleteError
from postgres_cluster import ClusterError, PostgresCluster, find_bindir

from halyk_desk import messages
from halyk_desk.paths import AppPaths, resolve_paths
from halyk_desk.sandbox import SandboxBank, SandboxServer
from halyk_desk.store import Store

REQUIRE_POSTGRES_ENV = "HALYK_DESK_REQUIRE_POSTGRES"
#: When the sandbox's "slow" fault answers: well after the tests' client timeouts (0.5 s), soon
#: enough to keep fault tests fast.
SANDBOX_SLOW_SECONDS = 1.5
_PG_MISSING = pytest.StashKey[str]()


# --- isolation --------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HALYK_DESK_HOME", str(tmp_path / "halyk-home"))
    monkeypatch.delenv("HALYK_DESK_DB", raising=False)
    # Also for subprocesses: the variable names a backend that stores nothing.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    keyring.set_keyring(null.Keyring())


@pytest.fixture(autouse=True)
def _english_system(monkeypatch) -> Iterator[None]:
    for variable in ("LC_ALL", "LANGUAGE"):
        monkeypatch.delenv(variable, raising=False)
    # Messages in English; characters as UTF-8 in a locale every system has (a child such as
    # LibreOffice would otherwise fall back to ASCII file names where en_GB is not installed).
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("LC_MESSAGES", "en_GB.UTF-8")
    messages.use("en")
    yield
    messages.use("en")


class MemoryKeyring(KeyringBackend):
    """A working keyring that lives in memory, for tests of the keyring path."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.items.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


@pytest.fixture
def app_paths() -> AppPaths:
    """The folders of the isolated home."""
    return resolve_paths(None)


# --- the sandbox bank ----------------------------------------------------------------------------

@pytest.fixture
def bank() -> SandboxBank:
    return SandboxBank(seed=0)


@pytest.fixture
def server(bank: SandboxBank) -> Iterator[SandboxServer]:
    with SandboxServer(bank, port=0, slow_seconds=SANDBOX_SLOW_SECONDS) as srv:
        yield srv


# --- PostgreSQL -----------------------------------------------------------------------------------

def _postgres_missing(config: pytest.Config, why: str) -> None:
    config.stash[_PG_MISSING] = why
    if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
        pytest.fail(f"PostgreSQL store tests cannot run: {why} ({REQUIRE_POSTGRES_ENV}=1)",
                    pytrace=False)
    pytest.skip(f"PostgreSQL store tests need a PostgreSQL server: {why}")


@pytest.fixture(scope="session")
def pg_cluster(request) -> Iterator[PostgresCluster]:
    bindir = find_bindir()
    if bindir is None:
        _postgres_missing(request.config, "no PostgreSQL binaries (/usr/lib/postgresql/*/bin)")
    try:
        cluster = PostgresCluster(bindir)  # type: ignore[arg-type]
    except ClusterError as exc:
        _postgres_missing(request.config, str(exc))
    try:
        cluster.start()
    except ClusterError:
        cluster.stop()
        raise
    yield cluster
    cluster.stop()


@pytest.fixture(scope="module")
def pg_module_url(pg_cluster, request, tmp_path_factory) -> str:
    """A database for this test module, brought to the latest schema."""
    url = pg_cluster.create_database(request.module.__name__)
    Store.open(url, resolve_paths(tmp_path_factory.mktemp("pg-home"))).close()
    return url


def _empty_pg_tables(url: str) -> None:
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'")]
        if tables:
            names = ", ".join(f'"{t}"' for t in tables)
            conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")  # type: ignore[arg-type]


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def store_url(request, app_paths) -> str:
    """An empty database at the latest schema, on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{app_paths.data_dir / 'halyk-desk.sqlite3'}"
        Store.open(url, app_paths).close()
        return url
    url = request.getfixturevalue("pg_module_url")
    _empty_pg_tables(url)
    return url


@pytest.fixture
def store(store_url, app_paths) -> Iterator[Store]:
    with Store.open(store_url, app_paths) as opened:
        yield opened


@pytest.fixture(params=BACKENDS)
def empty_db_url(request, tmp_path) -> str:
    """A database without any schema, on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    return request.getfixturevalue("pg_cluster").create_database(request.node.name)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    why = config.stash.get(_PG_MISSING, None)
    if why is None:
        return
    terminalreporter.write_sep("!", "PostgreSQL store tests did NOT run", red=True, bold=True)
    terminalreporter.write_line(
        f"Reason: {why}. The store is only tested on SQLite in this run. To test PostgreSQL too, "
        f"install Debian's server binaries (apt-get install postgresql); the suite starts a "
        f"throwaway cluster by itself. CI sets {REQUIRE_POSTGRES_ENV}=1, which makes this an "
        f"error.", red=True)
