"""The bank a profile talks to: the real ePay (addresses and secret from the profile), or for the
`sandbox` profile the sandbox bank started in this process on a free loopback port.

The sandbox keeps its books in data_dir/sandbox/bank.json between runs. The first time it is used
the books are filled with a month of demo payments, and the shop's matching order export is written
beside them (data_dir/sandbox/demo-orders.csv) for services.demo to import.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from halyk_desk.domain import utc_now
from halyk_desk.epay import EpayClient, EpayProfile
from halyk_desk.messages import msg
from halyk_desk.sandbox import (
    SANDBOX_CABINET_PASSWORD,
    SANDBOX_CABINET_USER,
    TEST_CLIENT_ID,
    TEST_CLIENT_SECRET,
    TEST_TERMINAL,
    SandboxBank,
    SandboxServer,
)
from halyk_desk.sandbox.demo import seed_demo, write_bitrix_csv
from halyk_desk.sandbox.invoices import DEFAULT_CARD
from halyk_desk.secrets import SecretStore, cabinet_binding, cabinet_entry, secret_binding
from halyk_desk.store import repository

if TYPE_CHECKING:
    from halyk_desk.services.workspace import AppContext

SANDBOX_KIND = "sandbox"
SANDBOX_FOLDER = "sandbox"
BANK_FILE = "bank.json"
DEMO_ORDERS_FILE = "demo-orders.csv"
#: Same demo data on every machine: screenshots, the guide and support talk about the same orders.
DEMO_SEED = 42


class BankSetupError(RuntimeError):
    """The profile cannot reach a bank yet (no secret, no address); the message says what to do."""


def sandbox_folder(ctx: AppContext) -> Path:
    return ctx.paths.data_dir / SANDBOX_FOLDER


def demo_orders_path(ctx: AppContext) -> Path:
    return sandbox_folder(ctx) / DEMO_ORDERS_FILE


def is_sandbox(ctx: AppContext) -> bool:
    return ctx.profile.kind == SANDBOX_KIND


def sandbox_books_exist(ctx: AppContext) -> bool:
    return (sandbox_folder(ctx) / BANK_FILE).exists()


def load_sandbox_bank(ctx: AppContext) -> SandboxBank:
    """The sandbox's books as saved last time; on first use, new books with demo payments (saved
    at once, with the shop's order export beside them, so the two always belong together)."""
    folder = sandbox_folder(ctx)
    books = folder / BANK_FILE
    if books.exists():
        return SandboxBank.load(books)
    bank = SandboxBank()
    orders = seed_demo(bank, now=utc_now(), seed=DEMO_SEED)
    folder.mkdir(parents=True, exist_ok=True)
    write_bitrix_csv(demo_orders_path(ctx), orders)
    bank.save(books)
    return bank


def _profile_for(ctx: AppContext) -> EpayProfile:
    profile = ctx.profile
    secret = SecretStore(ctx.paths.config_dir).get(
        profile.name, bound_to=secret_binding(profile.oauth_url, profile.client_id))
    if not (profile.oauth_url and profile.api_url and profile.client_id and profile.terminal_id):
        raise BankSetupError(str(msg(
            "bank.profile_incomplete",
            "В профиле «{profile}» не хватает адресов или идентификаторов банка: укажите их "
            "командой `halyk-desk profile add {profile} --oauth-url URL --api-url URL "
            "--client-id ID --terminal UUID --secret-stdin`.", profile=profile.name)))
    if not secret:
        raise BankSetupError(str(msg(
            "bank.no_bound_secret",
            "Для профиля «{profile}» не сохранён клиентский секрет, выданный для его адреса "
            "токенов и client id: укажите его командой `halyk-desk profile edit {profile} "
            "--secret-stdin` (или в окне: Файл → Настройки → Профили).", profile=profile.name)))
    cabinet_password = (
        SecretStore(ctx.paths.config_dir).get(
            cabinet_entry(profile.name),
            bound_to=cabinet_binding(profile.oauth_url, profile.client_id, profile.cabinet_user))
        if profile.cabinet_user else None
    )
    if profile.cabinet_user and not cabinet_password:
        raise BankSetupError(str(msg(
            "bank.no_cabinet_password",
            "Для профиля «{profile}» не сохранён пароль кабинета (пользователь {user}): "
            "добавьте его командой `halyk-desk profile edit {profile} --cabinet-password-stdin`.",
            profile=profile.name, user=profile.cabinet_user)))
    return EpayProfile(
        name=profile.name, oauth_url=profile.oauth_url, api_url=profile.api_url,
        client_id=profile.client_id, terminal_id=profile.terminal_id, secret=secret,
        cabinet_user=profile.cabinet_user, cabinet_password=cabinet_password,
        operations_paging=profile.operations_paging,
    )


class _SharedSandbox:
    """One sandbox bank per books file in this process, however many blocks use it at once.

    The window reads statuses while a manager confirms a hold: both must talk to the same books,
    or the second to save would erase what the first did. Books are saved after every use.
    """

    _lock = threading.Lock()
    _running: ClassVar[dict[Path, tuple[SandboxServer, list[int]]]] = {}

    @classmethod
    @contextmanager
    def use(cls, ctx: AppContext) -> Iterator[SandboxServer]:
        books = (sandbox_folder(ctx) / BANK_FILE).resolve()
        with cls._lock:
            if books not in cls._running:
                server = SandboxServer(load_sandbox_bank(ctx))
                server.start()
                cls._running[books] = (server, [0])
            server, users = cls._running[books]
            users[0] += 1
        try:
            yield server
        finally:
            with cls._lock:
                server.bank.save(books)
                users[0] -= 1
                if users[0] == 0:
                    server.stop()
                    del cls._running[books]


def pay_sandbox_link(ctx: AppContext, link_id: str, card: str = DEFAULT_CARD, *,
                     decline: bool = False) -> str:
    """A customer pays one of the sandbox profile's links (or is declined), as on its page; the
    callback is delivered before this returns. The link's new status (PAID or DECLINED)."""
    with _SharedSandbox.use(ctx) as server:
        link = server.bank.pay_link(link_id, card, decline=decline)
        server.bank.invoices.wait_for_deliveries()
    return link.status


@contextmanager
def open_bank(ctx: AppContext, **client_options: Any) -> Iterator[EpayClient]:
    """An EpayClient for the context's profile, closed on exit. `client_options` go to
    EpayClient (timeout, get_retries, max_connections...).

    For the sandbox profile the sandbox bank runs in this process while any block uses it, and
    its books are saved back (atomically) when each block ends, however it ends.
    """
    if not is_sandbox(ctx):
        with EpayClient(_profile_for(ctx), **client_options) as client:
            yield client
        return
    with _SharedSandbox.use(ctx) as server:
        profile = EpayProfile(
            name=ctx.profile.name, oauth_url=server.oauth_url, api_url=server.api_url,
            client_id=TEST_CLIENT_ID, terminal_id=TEST_TERMINAL, secret=TEST_CLIENT_SECRET,
            cabinet_user=SANDBOX_CABINET_USER, cabinet_password=SANDBOX_CABINET_PASSWORD,
            operations_paging=ctx.profile.operations_paging,
        )
        with EpayClient(profile, **client_options) as client:
            yield client


def keep_operations_paging(ctx: AppContext, client: EpayClient) -> None:
    """Keep with the profile how its bank pages the operations list, once a list found out (or
    forgot it after a list that did not add up), so every later list pages the same way."""
    if client.operations_paging != ctx.profile.operations_paging:
        with ctx.store.session() as session:
            repository.set_operations_paging(session, ctx.profile.name, client.operations_paging)
