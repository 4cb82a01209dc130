"""The bearer token of one profile, cached and shared by every thread using the client."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

#: Renew this long before the bank's expiry (capped at a fifth of the lifetime for short tokens),
#: so that a request never sets off with a token that dies in flight.
RENEWAL_MARGIN = 60.0


def parse_expires_in(value: object) -> float:
    """Seconds of validity: a number in most of the bank's examples, a string ("900") in others."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        raise ValueError(f"expires_in={value!r} is not a number of seconds")
    try:
        seconds = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(f"expires_in={value!r} is not a number of seconds") from exc
    if not seconds.is_finite() or seconds < 0:
        raise ValueError(f"expires_in={value!r} is not a number of seconds")
    return float(seconds)


class TokenCache:
    """Holds one token; `fetch` returns (token, lifetime in seconds) and is called under the lock,
    so that threads arriving together wait for one token request instead of each sending one."""

    def __init__(
        self, fetch: Callable[[], tuple[str, float]], clock: Callable[[], float]
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at = 0.0

    def __repr__(self) -> str:
        return f"TokenCache(cached={self._token is not None})"

    def get(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                return self._refresh()
            return self._token

    def renew(self, stale: str) -> str:
        """A fresh token after the bank refused `stale`, unless another thread renewed it."""
        with self._lock:
            if self._token is None or self._token == stale:
                return self._refresh()
            return self._token

    def _refresh(self) -> str:
        started = self._clock()  # lifetime counted from before the request: errs on the early side
        self._token = None
        token, lifetime = self._fetch()
        self._token = token
        self._renew_at = started + lifetime - min(RENEWAL_MARGIN, lifetime / 5)
        return token
