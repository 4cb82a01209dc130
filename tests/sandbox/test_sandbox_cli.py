"""`halyk-desk sandbox serve`: argument checks, and a real run stopped with Ctrl-C."""

from __future__ import annotations

import csv
import io
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from sandbox_helpers import get_token, status

from halyk_desk.cli import main
from halyk_desk.sandbox import SandboxBank

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fault", "teapot:0.5"],
         "unknown fault kind 'teapot': choose from latency, http5xx, html502, drop, lost_reply, "
         "slow, late_apply, busy107, token_expiry"),
        (["--fault", "http5xx:1.5"], "out of range: give a probability from 0 to 1"),
        (["--fault", "http5xx:-0.1"], "out of range"),
        (["--fault", "http5xx:lots"], "'lots' is not a number"),
        (["--fault", "http5xx"], "write KIND:RATE"),
        (["--latency-ms", "-5"], "negative"),
        (["--port", "70000"], "out of range"),
        (["--port", "eighty"], "whole number"),
        (["--token-ttl", "0"], "more than zero"),
        (["--slow-seconds", "nan"], "not a finite number"),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_message(capsys, args, message):
    with pytest.raises(SystemExit) as exit_:
        main(["sandbox", "serve", *args])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_serve_speaks_kazakh_in_its_help_and_refusals(capsys):
    with pytest.raises(SystemExit):
        main(["--lang", "kk", "sandbox", "serve", "--help"])
    out = " ".join(capsys.readouterr().out.split())  # as one line, whatever argparse wrapped
    assert "тыңдайтын мекенжай (әдепкіде 127.0.0.1: тек осы компьютер)" in out
    assert "әр жауапты N миллисекундқа кешіктіру" in out
    assert "default" not in out and "fault into" not in out
    with pytest.raises(SystemExit) as exit_:
        main(["--lang", "kk", "sandbox", "serve", "--port", "70000"])
    assert exit_.value.code == 2
    assert "70000 порты ауқымнан тыс: 0-ден 65535-ке дейінгі санды жазыңыз" in (
        capsys.readouterr().err)


def test_sandbox_needs_an_action(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["sandbox"])
    assert exit_.value.code == 2 and "serve" in capsys.readouterr().err


def test_a_busy_port_is_reported_and_exits_1(capsys):
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        assert main(["sandbox", "serve", "--port", str(port)]) == 1
    assert "choose another --port" in capsys.readouterr().err.lower()


class _Run:
    """`python -m halyk_desk sandbox serve ...` in a child process, its output read line by line."""

    def __init__(self, *args: str, cwd: Path) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "halyk_desk", "sandbox", "serve", "--port", "0", *args],
            cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            encoding="utf-8",
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def until(self, marker: str) -> list[str]:
        seen: list[str] = []
        while not any(marker in line for line in seen):
            seen.append(self.lines.get(timeout=60))
        return seen

    def interrupt(self) -> tuple[int, list[str]]:
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=60)
        rest = []
        while not self.lines.empty():
            rest.append(self.lines.get())
        return code, rest

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


def _url(lines: list[str]) -> str:
    found = re.search(r"listening on (http://127\.0\.0\.1:\d+)", "\n".join(lines))
    assert found, lines
    return found.group(1)


def test_serve_demo_writes_the_orders_answers_and_saves_on_ctrl_c(tmp_path, http):
    orders, state = tmp_path / "out" / "orders.csv", tmp_path / "bank.json"
    run = _Run("--demo", "--seed", "4", "--orders-out", str(orders), "--state", str(state),
               "--latency-ms", "1", "--fault", "http5xx:0", cwd=tmp_path)
    try:
        lines = run.until("Press Ctrl-C")
        text = "\n".join(lines)
        assert f"{_url(lines)}/oauth2/token" in text and str(orders) in text
        assert "payments: 320" in text and "fault: http5xx on 0%" in text
        rows = list(csv.DictReader(io.StringIO(orders.read_bytes().decode("cp1251")),
                                   delimiter=";"))
        assert len(rows) >= 300
        running = SimpleNamespace(oauth_url=f"{_url(lines)}/oauth2/token", api_url=_url(lines))
        token = get_token(http, running)
        answers = {status(http, running, token, row["ID"]).json()["resultCode"]
                   for row in rows[:20]}
        assert answers <= {"100", "102"} and "100" in answers
        code, rest = run.interrupt()
    finally:
        run.kill()
    assert code == 0
    assert any("Saved the sandbox bank" in line for line in rest)
    assert len(SandboxBank.load(state).payments()) == 320

    again = _Run("--demo", "--state", str(state), cwd=tmp_path)
    try:
        text = "\n".join(again.until("Press Ctrl-C"))
        assert "payments: 320, loaded from" in text and "no new demo data" in text
        code, _ = again.interrupt()
    finally:
        again.kill()
    assert code == 0


def test_a_broken_state_file_is_reported(tmp_path, capsys):
    state = tmp_path / "bank.json"
    state.write_text("{broken", encoding="utf-8")
    assert main(["sandbox", "serve", "--port", "0", "--state", str(state)]) == 1
    assert "Cannot read the sandbox state" in capsys.readouterr().err
