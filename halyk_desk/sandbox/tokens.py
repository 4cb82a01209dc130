"""The sandbox's OAuth desk: issues, renews and checks bearer tokens like ePay's token server."""

from __future__ import annotations

import secrets
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

FULL_SCOPE = "webapi usermanagement email_send verification statement statistics payment"

# resultCode for a token that cannot reach the merchant's payments (epay-api.md).
NO_TERMINAL = "104"
WRONG_TERMINAL = "106"
FOREIGN_TERMINAL = "109"

#: Grants of the merchant cabinet's user (epay-api.md: the password grant, renewed by refresh).
CABINET_GRANTS = frozenset({"password", "refresh_token"})


@dataclass
class Token:
    client_id: str
    terminal: str | None
    expires_at: datetime
    grant: str
    revoked: bool = False
    #: Requests this token was presented with (for a bank that accepts each token only so often).
    uses: int = 0

    @property
    def cabinet(self) -> bool:
        return self.grant in CABINET_GRANTS

    def __repr__(self) -> str:  # the token string is never part of it
        return f"Token({self.grant!r}, terminal={self.terminal!r}, expires_at={self.expires_at})"


class TokenRefused(Exception):
    """The token server said no; `status` and `body` are what goes on the wire."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.body = {"error": error, "error_description": description}


class TokenDesk:
    """Thread-safe store of issued access and refresh tokens for one merchant."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        terminal: str,
        ttl: int,
        clock: Callable[[], datetime],
        cabinet_user: str,
        cabinet_password: str,
        token_uses: int | None = None,
        revoke_on_issue: bool = False,
    ) -> None:
        """`token_uses`: each access token is accepted for that many requests, then refused as
        expired; `revoke_on_issue`: issuing a token revokes every older token of its grant kind.
        Both are habits some banks have; the real ePay documents neither."""
        if ttl <= 0:
            raise ValueError("token_ttl must be a positive number of seconds")
        if token_uses is not None and token_uses <= 0:
            raise ValueError("token_uses must be a positive number of requests")
        self.client_id = client_id
        self._secret = client_secret
        self.terminal = terminal
        self.ttl = ttl
        self.cabinet_user = cabinet_user
        self._cabinet_password = cabinet_password
        self.token_uses = token_uses
        self.revoke_on_issue = revoke_on_issue
        self._clock = clock
        self._lock = threading.Lock()
        self._access: dict[str, Token] = {}
        self._refresh: dict[str, tuple[str, str | None]] = {}
        self._issued = 0
        #: The grant of every token issued, in order (for tests: which login was used).
        self.grants: list[str] = []

    def __repr__(self) -> str:
        return f"TokenDesk(client_id={self.client_id!r}, terminal={self.terminal!r})"

    # --- the token endpoint -------------------------------------------------------------------
    def grant(self, form: Mapping[str, str]) -> dict[str, object]:
        """The reply to POST /oauth2/token, or TokenRefused."""
        grant_type = form.get("grant_type", "")
        terminal = form.get("terminal") or None
        if grant_type == "client_credentials":
            self._check_client(form.get("client_id", ""), form.get("client_secret", ""))
            return self._issue(grant_type, terminal, form.get("scope"), with_refresh=False)
        if grant_type == "password":
            # The cabinet user signs in on behalf of the merchant: the client and the user both.
            self._check_client(form.get("client_id", ""), form.get("client_secret", ""))
            self._check_user(form.get("username", ""), form.get("password", ""))
            return self._issue(grant_type, terminal, form.get("scope"), with_refresh=True)
        if grant_type == "refresh_token":
            with self._lock:
                binding = self._refresh.pop(form.get("refresh_token", ""), None)
            if binding is None:
                raise TokenRefused(401, "invalid_grant", "Invalid refresh token")
            return self._issue(grant_type, binding[1], form.get("scope"), with_refresh=True)
        if not grant_type:
            raise TokenRefused(400, "invalid_request", "Missing grant_type")
        raise TokenRefused(400, "unsupported_grant_type", "Unsupported grant type")

    def _check_client(self, client_id: str, secret: str) -> None:
        # Compare both in constant time so a wrong id and a wrong secret look the same.
        ok_id = secrets.compare_digest(client_id.encode(), self.client_id.encode())
        ok_secret = secrets.compare_digest(secret.encode(), self._secret.encode())
        if not (ok_id and ok_secret):
            raise TokenRefused(401, "invalid_client", "Client authentication failed")

    def _check_user(self, username: str, password: str) -> None:
        ok_user = secrets.compare_digest(username.encode(), self.cabinet_user.encode())
        ok_password = secrets.compare_digest(password.encode(), self._cabinet_password.encode())
        if not (ok_user and ok_password):
            raise TokenRefused(401, "invalid_grant", "Bad user credentials")

    def _issue(
        self, grant: str, terminal: str | None, scope: str | None, *, with_refresh: bool
    ) -> dict[str, object]:
        access = secrets.token_urlsafe(32)
        refresh = secrets.token_urlsafe(32) if with_refresh else ""
        now = self._clock()
        with self._lock:
            if self.revoke_on_issue:
                cabinet = grant in CABINET_GRANTS
                for old in self._access.values():
                    if old.cabinet == cabinet:
                        old.revoked = True
            self._access[access] = Token(
                self.client_id, terminal, now + timedelta(seconds=self.ttl), grant
            )
            if refresh:
                self._refresh[refresh] = (self.client_id, terminal)
            self._issued += 1
            self.grants.append(grant)
            # The bank sends expires_in as a number in some replies and as a string in others.
            as_text = self._issued % 2 == 0
        return {
            "access_token": access,
            "expires_in": str(self.ttl) if as_text else self.ttl,
            "refresh_token": refresh,
            "scope": scope or FULL_SCOPE,
            "token_type": "Bearer",
        }

    # --- checking bearer tokens ---------------------------------------------------------------
    def lookup(self, authorization: str | None) -> Token | None:
        """The live token behind an Authorization header; None when missing, unknown or expired."""
        access = _bearer(authorization)
        if access is None:
            return None
        with self._lock:
            token = self._access.get(access)
            if token is None or token.revoked or self._clock() >= token.expires_at:
                return None
            token.uses += 1
            if self.token_uses is not None and token.uses > self.token_uses:
                token.revoked = True
                return None
            return token

    def expire(self, authorization: str | None) -> None:
        """Make the presented token expired now (the token_expiry fault)."""
        access = _bearer(authorization)
        with self._lock:
            token = self._access.get(access or "")
            if token is not None:
                token.revoked = True

    def terminal_problem(self, token: Token) -> str | None:
        """The resultCode a token earns on the status endpoint when its terminal is not usable."""
        if token.terminal is None:
            return NO_TERMINAL
        if token.terminal == self.terminal:
            return None
        try:
            uuid.UUID(token.terminal)
        except ValueError:
            return WRONG_TERMINAL
        return FOREIGN_TERMINAL


def _bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
