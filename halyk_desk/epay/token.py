"""The bearer tokens of one profile, cached and shared by every thread using the client.

A bank may stop accepting a token early: after a few requests, or as soon as it issues the next
one. So a refused token is not proof of wrong credentials. The cache keeps three promises that let
the client tell the difference (design: issue 11):
- one renewal at a time: threads refused together wait for one token request;
- a thread refused with a token older than the current one just takes the current one;
- a token is first used by the thread that fetched it, alone: the others wait until that first
  request is answered. A token refused on its very first use is a real refusal; one refused after
  others used it may simply have been used up;
- no thread is left to lose forever: one refused again and again while others use up each new
  token asks for a token of its own (`renew(..., own=True)`), fetched once the current one's
  first request is answered, and so is its first user.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

#: Renew this long before the bank's expiry (capped at a fifth of the lifetime for short tokens),
#: so that a request never sets off with a token that dies in flight.
RENEWAL_MARGIN = 60.0
#: How long others wait for a new token's first request before using it anyway (seconds): a
#: request that hangs must not hold every other thread.
FIRST_USE_WAIT = 30.0


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


@dataclass(frozen=True)
class Issued:
    """What the token endpoint gave: the token, its lifetime in seconds, a refresh token if any."""

    token: str = field(repr=False)
    lifetime: float
    refresh_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Lease:
    """A token handed to one request. `first`: this request fetched it and is its first user
    (it must call TokenCache.used when answered)."""

    token: str = field(repr=False)
    generation: int
    first: bool


class TokenCache:
    """Holds one token. `fetch(refresh_token)` returns an Issued and is called under the lock;
    it gets the refresh token of the previous token (None when there is none) to renew with."""

    def __init__(
        self, fetch: Callable[[str | None], Issued], clock: Callable[[], float]
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._refresh: str | None = None
        self._generation = 0
        self._renew_at = 0.0
        #: Set once the current token's first request is answered.
        self._first_use = threading.Event()
        self._first_use.set()

    def __repr__(self) -> str:
        return f"TokenCache(cached={self._token is not None}, generation={self._generation})"

    def lease(self) -> Lease:
        """The current token, fetched first when there is none or it is about to expire."""
        with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                return self._renewed()
        return self._after_first_use()

    def renew(self, refused: Lease, *, own: bool = False) -> Lease:
        """A token to repeat a request with after the bank refused `refused`: the current one if
        it is newer, else a fresh one. `own`: always a fresh one, used first by this caller."""
        if own:
            return self._own()
        with self._lock:
            if self._token is None or self._generation == refused.generation:
                return self._renewed()
        return self._after_first_use()

    def used(self, lease: Lease) -> None:
        """The first request with a freshly fetched token was answered: others may use it now."""
        if lease.first:
            with self._lock:
                if lease.generation == self._generation:
                    self._first_use.set()

    def token(self) -> str:
        """The current token for a caller that sends nothing with it (a connection check)."""
        lease = self.lease()
        self.used(lease)
        return lease.token

    def _after_first_use(self) -> Lease:
        """The current token once its first request is answered. Waking up, the token may be a
        newer one whose first request is still out: then wait for that one too."""
        deadline = time.monotonic() + FIRST_USE_WAIT
        while True:
            self._first_use.wait(max(0.0, deadline - time.monotonic()))
            with self._lock:
                if self._token is None:  # the fetch failed meanwhile: fetch again
                    return self._renewed()
                if self._first_use.is_set() or time.monotonic() >= deadline:
                    return Lease(self._token, self._generation, first=False)

    def _own(self) -> Lease:
        """A fresh token for this caller alone. Fetched only once the current token's first
        request is answered: a bank that revokes older tokens on issue would otherwise refuse
        that request and make a real refusal of a token that did nothing wrong. Like
        _after_first_use, it waits no longer than FIRST_USE_WAIT for a request that hangs."""
        deadline = time.monotonic() + FIRST_USE_WAIT
        while True:
            self._first_use.wait(max(0.0, deadline - time.monotonic()))
            with self._lock:
                if (self._first_use.is_set() or self._token is None
                        or time.monotonic() >= deadline):
                    return self._renewed()

    def _renewed(self) -> Lease:
        """Fetch a token (under the lock). A failed fetch leaves no token behind."""
        started = self._clock()  # lifetime counted from before the request: errs on the early side
        refresh, self._refresh = self._refresh, None
        self._token = None
        issued = self._fetch(refresh)
        self._generation += 1
        self._token = issued.token
        self._refresh = issued.refresh_token or None
        self._renew_at = started + issued.lifetime - min(RENEWAL_MARGIN, issued.lifetime / 5)
        self._first_use.clear()
        return Lease(issued.token, self._generation, first=True)
