"""A store with one custom profile, "shop", on each backend."""

from __future__ import annotations

import pytest

from halyk_desk.store import Store, repository
from halyk_desk.store.records import ProfileRecord

SHOP = ProfileRecord(name="shop", kind="custom", oauth_url="http://127.0.0.1:9/oauth2/token",
                     api_url="http://127.0.0.1:9", client_id="shop-client",
                     terminal_id="67e34d63-102f-4bd1-898e-370781d0074d")


@pytest.fixture
def shop(store: Store) -> str:
    with store.session() as session:
        repository.save_profile(session, SHOP)
    return SHOP.name
