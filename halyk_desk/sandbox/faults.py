"""Fault injection: which misbehaviour hits which request, drawn reproducibly from a seed."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from halyk_desk.messages import MessageError, msg

FAULT_KINDS = (
    "latency",  # an extra delay (spike_ms) before the reply
    "http5xx",  # 503 with a plain-text body; nothing applied
    "html502",  # 502 with a proxy's HTML page; nothing applied
    "drop",  # the connection closes before any reply; nothing applied
    "lost_reply",  # the operation is applied, then the connection closes without a reply
    "slow",  # the operation is applied, the reply comes after slow_seconds
    "late_apply",  # a refund is queued and its reply lost; the bank applies it later (see bank)
    "busy107",  # the status endpoint answers resultCode "107" (operation in progress)
    "token_expiry",  # the presented token expires now: HTTP 401
)

# Which endpoint families each fault can hit. The token endpoint is hit only when a fault's
# `match` names its path, so a plain "http5xx" exercises the API and not the login.
_APPLIES_TO = {
    "latency": {"token", "status", "money", "operations"},
    "http5xx": {"token", "status", "money", "operations"},
    "html502": {"token", "status", "money", "operations"},
    "drop": {"token", "status", "money", "operations"},
    "lost_reply": {"token", "status", "money", "operations"},
    "slow": {"token", "status", "money", "operations"},
    "late_apply": {"money"},
    "busy107": {"status"},
    "token_expiry": {"status", "money", "operations"},
}


class FaultError(MessageError, ValueError):
    """A fault the sandbox cannot inject; `sandbox serve --fault` shows it to the person."""


def check_kind(kind: str) -> str:
    if kind not in FAULT_KINDS:
        raise FaultError(msg("sandbox.unknown_fault", "неизвестный вид сбоя «{kind}»: выберите "
                             "из {kinds}", kind=kind, kinds=", ".join(FAULT_KINDS)))
    return kind


def check_rate(rate: float) -> float:
    if not 0.0 <= rate <= 1.0:
        raise FaultError(msg("sandbox.fault_rate", "доля сбоев {rate} вне диапазона: укажите "
                             "вероятность от 0 до 1", rate=str(rate)))
    return rate


@dataclass
class FaultRule:
    kind: str
    rate: float
    times: int | None = None  # injections left; None = unlimited
    match: str | None = None  # substring of the request path


@dataclass(frozen=True)
class Draw:
    """Faults chosen for one request: at most one that changes the reply, and a latency spike."""

    outcome: str | None = None
    spike: bool = False


class FaultPlan:
    """The faults configured on a server; `draw` decides for each request, thread-safely."""

    def __init__(self, seed: int = 0) -> None:
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._rules: dict[str, FaultRule] = {}
        self.injected: list[tuple[str, str]] = []  # (kind, path) of every fault injected

    def set(
        self, kind: str, rate: float = 1.0, *, times: int | None = None, match: str | None = None
    ) -> None:
        check_kind(kind)
        check_rate(rate)
        if times is not None and times < 1:
            raise FaultError("times must be at least 1 (or None for no limit)")
        with self._lock:
            self._rules.pop(kind, None)  # re-setting a fault moves it to the end of the order
            self._rules[kind] = FaultRule(kind, rate, times, match)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules.values())

    def draw(self, endpoint: str, path: str) -> Draw:
        outcome: str | None = None
        spike = False
        with self._lock:
            for rule in list(self._rules.values()):
                if endpoint not in _APPLIES_TO[rule.kind]:
                    continue
                if rule.match is not None and rule.match not in path:
                    continue
                if endpoint == "token" and rule.match is None:
                    continue
                is_spike = rule.kind == "latency"
                if not is_spike and outcome is not None:
                    continue  # one reply-changing fault per request
                if self._rng.random() >= rule.rate:
                    continue
                if is_spike:
                    spike = True
                else:
                    outcome = rule.kind
                self.injected.append((rule.kind, path))
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times == 0:
                        del self._rules[rule.kind]
        return Draw(outcome, spike)
