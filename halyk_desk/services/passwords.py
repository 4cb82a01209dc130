"""Operators' passwords: a slow salted hash (the standard library's scrypt), never reversible.

A stored hash reads `scrypt$N$r$p$SALT$HASH` (salt and hash in base64), so the cost can be raised
later and old hashes still check. Comparing is constant-time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from halyk_desk.messages import MessageError, msg

#: scrypt's cost: 2**14 × 8 × 128 bytes = 16 MiB and about 50 ms a check on a desktop.
N, R, P = 2**14, 8, 1
SALT_BYTES, KEY_BYTES = 16, 32
MIN_LENGTH = 8
SCHEME = "scrypt"


class PasswordError(MessageError, ValueError):
    """A password that cannot be used; the message says what to type instead."""


def check_new(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise PasswordError(msg("password.too_short", "Пароль должен быть не короче {n} знаков.",
                                n=MIN_LENGTH))
    return password


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=2 * 128 * n * r * p, dklen=KEY_BYTES)


def hash_password(password: str) -> str:
    salt = os.urandom(SALT_BYTES)
    key = _derive(check_new(password), salt, N, R, P)
    return f"{SCHEME}${N}${R}${P}${_b64(salt)}${_b64(key)}"


def verify(password: str, stored: str | None) -> bool:
    """True when `password` is the one `stored` was made from; False for no or a broken hash."""
    if not stored:
        return False
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != SCHEME:
            return False
        expected = base64.b64decode(key)
        actual = _derive(password, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)
