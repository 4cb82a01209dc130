"""A client of the sandbox with or without the sandbox's cabinet login."""

from __future__ import annotations

from halyk_desk.epay import EpayClient, EpayProfile
from halyk_desk.sandbox import (
    SANDBOX_CABINET_PASSWORD,
    SANDBOX_CABINET_USER,
    TEST_CLIENT_ID,
    TEST_CLIENT_SECRET,
    TEST_TERMINAL,
    SandboxServer,
)


def cabinet_client(server: SandboxServer, *, with_login: bool) -> EpayClient:
    login = {"cabinet_user": SANDBOX_CABINET_USER,
             "cabinet_password": SANDBOX_CABINET_PASSWORD} if with_login else {}
    profile = EpayProfile(name="shop", oauth_url=server.oauth_url, api_url=server.api_url,
                          client_id=TEST_CLIENT_ID, terminal_id=TEST_TERMINAL,
                          secret=TEST_CLIENT_SECRET, **login)
    return EpayClient(profile, timeout=5.0, backoff=0.0, get_retries=1)
