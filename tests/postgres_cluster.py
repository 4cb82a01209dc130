"""A throwaway PostgreSQL cluster for the suite, from Debian's binaries (package postgresql).

initdb refuses to run as root, so as root the cluster belongs to the `postgres` user the package
creates, and its commands run through runuser (or su). It listens on 127.0.0.1 on a free port, keeps
its socket in its own temporary folder, trusts local connections (nothing else can reach it) and
runs with fsync off: its data is thrown away at the end of the session.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

SUPERUSER = "halyk"
#: Where initdb and pg_ctl are, when not in Debian's place (a folder without them: no PostgreSQL).
BINDIR_ENV = "HALYK_DESK_PG_BINDIR"


def find_bindir() -> Path | None:
    """$HALYK_DESK_PG_BINDIR, else the newest Debian PostgreSQL bin folder, else one on PATH;
    None when there is none."""
    if BINDIR_ENV in os.environ:
        chosen = Path(os.environ[BINDIR_ENV])
        return chosen if (chosen / "initdb").exists() else None
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(re.search(r"/(\d+)/bin/", p).group(1)))  # type: ignore[union-attr]
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ClusterError(RuntimeError):
    pass


class PostgresCluster:
    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="halyk-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = 0
        self._owner: pwd.struct_passwd | None = None
        self._databases = 0
        if os.geteuid() == 0:
            try:
                self._owner = pwd.getpwnam("postgres")
            except KeyError:
                raise ClusterError("running as root, but there is no `postgres` user to own the "
                                   "test cluster (initdb refuses root); install Debian's "
                                   "postgresql package, which creates it") from None
            os.chown(self.root, self._owner.pw_uid, self._owner.pw_gid)

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self._owner is not None:
            if shutil.which("runuser"):
                command = ["runuser", "-u", "postgres", "--", *command]
            else:
                command = ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(command)]
        done = subprocess.run(command, cwd=self.root, capture_output=True, text=True, timeout=120,
                              check=False)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise ClusterError(f"{' '.join(command)} failed ({done.returncode}):\n"
                               f"{done.stdout}{done.stderr}{log}")

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust",
                  "-E", "UTF8", "--no-locale", "--no-sync")
        options = (f"-c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        last: ClusterError | None = None
        for _attempt in range(3):  # a free port can be taken between the probe and the bind
            self.port = _free_port()
            try:
                self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                          "-o", f"-p {self.port} {options}", "start")
                return
            except ClusterError as exc:
                last = exc
        raise last or ClusterError("PostgreSQL did not start")

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, hint: str) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        self._databases += 1
        name = f"t{self._databases}_{re.sub(r'[^a-z0-9]+', '_', hint.lower())}"[:60]
        with psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER,
                             dbname="postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)
