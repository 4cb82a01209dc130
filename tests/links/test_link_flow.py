"""A phone order end to end over real HTTP: link → pay in the sandbox → callback → status check →
the hold confirmed → reconciled; and what a forged or repeated callback may not do."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from epay_helpers_links import cabinet_client
from money_helpers import PROFILE, REASON, picture

from halyk_desk.domain import Money, State, utc_now
from halyk_desk.domain.links import LinkError, LinkState
from halyk_desk.domain.timeutil import ALMATY
from halyk_desk.epay import errors
from halyk_desk.sandbox import SandboxBank, SandboxServer
from halyk_desk.sandbox.invoices import DEFAULT_CARD, LinkRefused
from halyk_desk.services import audit, callbacks, links, operations, reconciliation
from halyk_desk.services.operators import NotAllowed
from halyk_desk.store import links as store_links

pytestmark = pytest.mark.slow


def pay(url: str, *, card: str = DEFAULT_CARD, decline: bool = False) -> int:
    """What the customer does on the bank's page: submit the card form."""
    form = {"card": card, "action": "decline" if decline else "pay"}
    return httpx.post(url + "/pay", data=form, timeout=5.0).status_code


def stored_callbacks(ctx, invoice_id=None):
    return callbacks.list_callbacks(ctx, invoice_id)


def test_phone_order_from_link_to_reconciliation(linked_ctx, server, receiver, client):
    ctx = linked_ctx
    link = links.create_link(ctx, Money(15_000_00), "Диван «Алма», доставка",
                             phone="+7 701 123 45 67", client=client)

    assert link.url.startswith(server.base_url) and link.state is LinkState.ACTIVE
    assert len(link.invoice_id) == 12 and link.invoice_id.isdigit()
    sent = server.bank.invoices.get(link.link_id)
    assert sent.post_link.startswith(f"http://127.0.0.1:{receiver.port}/halyk/callback?secret=")
    assert sent.phone == "+77011234567" and sent.shop_id == ctx.profile.shop_id
    [entry] = [e for e in audit.entries(ctx) if e.action == "link.create"]
    assert entry.operator == "anna" and entry.subject == link.invoice_id

    assert pay(link.url) == 200
    server.bank.invoices.wait_for_deliveries()
    assert receiver.checker.wait_idle(10)

    [notice] = stored_callbacks(ctx, link.invoice_id)
    assert notice.verified and notice.code == "ok" and notice.checked_status == "AUTH"
    assert json.loads(notice.body)["secret_hash"] == ""  # the field is there; ours is in the URL
    assert picture(ctx, link.invoice_id).state is State.HELD  # from the bank's status, read
    assert links.get_link(ctx, link.invoice_id).state is LinkState.PAID

    outcome = operations.confirm(ctx, link.invoice_id, reason=REASON, client=client)
    assert outcome.result == "done"
    assert picture(ctx, link.invoice_id).state is State.CAPTURED

    today = utc_now().astimezone(ALMATY).date()
    recon = reconciliation.run_reconciliation(ctx, today, today, use_operations_list=False)
    assert [d for d in recon.result.discrepancies if d.invoice_id == link.invoice_id] == []
    assert recon.result.categories["matched"].count == 1
    assert recon.result.captured == Money(15_000_00)


def test_a_forged_callback_changes_nothing(linked_ctx, server, receiver, client):
    ctx = linked_ctx
    link = links.create_link(ctx, Money(9_900_00), "Чайник", email="buyer@example.kz",
                             client=client)
    base = f"http://127.0.0.1:{receiver.port}/halyk/callback"
    forged = {"invoiceId": link.invoice_id, "amount": "9900.00", "currency": "KZT", "code": "ok",
              "reference": "000000000000", "cardMask": "440043...0000"}
    assert httpx.post(base + "?secret=guessed", json=forged).status_code == 200
    # The right secret (as a thief of the address would have it) with a payment the bank has not
    # seen: verified, still only a status check.
    right = server.bank.invoices.get(link.link_id).post_link
    assert httpx.post(right, json={**forged, "reference": "1"}).status_code == 200
    assert receiver.checker.wait_idle(10)

    kept = stored_callbacks(ctx, link.invoice_id)
    assert sorted((c.verified, c.problem) for c in kept) == [(False, "wrong_secret"),
                                                            (True, None)]
    assert {c.checked_status for c in kept} == {callbacks.NOT_FOUND}
    assert picture(ctx, link.invoice_id) is None  # the bank has no payment: nothing to keep
    assert links.get_link(ctx, link.invoice_id).state is LinkState.ACTIVE
    assert server.bank.find(link.invoice_id) is None


def test_the_same_callback_twice_is_stored_once(linked_ctx, server, receiver, client):
    ctx = linked_ctx
    link = links.create_link(ctx, Money(500_00), "Доставка", client=client)
    body = b'{"invoiceId": "%s", "code": "ok"}' % link.invoice_id.encode()
    for _ in range(2):
        assert httpx.post(f"http://127.0.0.1:{receiver.port}/cb", content=body).status_code == 200
    assert receiver.checker.wait_idle(10)
    assert len(stored_callbacks(ctx, link.invoice_id)) == 1


def test_a_declined_payment_goes_to_the_failure_address(linked_ctx, server, receiver, client):
    ctx = linked_ctx
    link = links.create_link(ctx, Money(2_000_00), "Книга", client=client)
    assert pay(link.url, decline=True) == 402
    server.bank.invoices.wait_for_deliveries()
    assert receiver.checker.wait_idle(10)
    [notice] = stored_callbacks(ctx, link.invoice_id)
    assert notice.code == "error" and notice.verified and notice.checked_status == "REJECT"
    assert links.get_link(ctx, link.invoice_id).state is LinkState.FAILED


def test_an_expired_link_is_not_expected_money(ctx, server, client):
    link = links.create_link(ctx, Money(3_000_00), "Торт", expires="1h", client=client)
    later = utc_now() + timedelta(hours=2)
    [listed] = links.list_links(ctx, now=later)
    assert listed.state is LinkState.EXPIRED
    assert links.settle_expired(ctx, now=later) == 1

    today = utc_now().astimezone(ALMATY).date()
    recon = reconciliation.run_reconciliation(ctx, today, today, use_operations_list=False)
    assert recon.result.orders_expecting_payment == 0
    assert [d for d in recon.result.discrepancies if d.invoice_id == link.invoice_id] == []


def test_without_the_link_expiring_the_unpaid_order_is_missing_money(ctx, client):
    """The other side of the test above: an active unpaid link is still expected."""
    link = links.create_link(ctx, Money(3_000_00), "Торт", client=client)
    today = utc_now().astimezone(ALMATY).date()
    recon = reconciliation.run_reconciliation(ctx, today, today, use_operations_list=False)
    assert [d.invoice_id for d in recon.open_discrepancies] == [link.invoice_id]


def test_the_sandbox_refuses_to_pay_an_expired_link(ctx, server, client):
    link = links.create_link(ctx, Money(100_00), "Тест", expires="30m", client=client)
    now = utc_now()
    server.bank.invoices.clock = lambda: now + timedelta(minutes=31)
    assert pay(link.url) == 410
    assert "Срок ссылки истёк" in httpx.get(link.url).text


def test_an_accountant_may_not_create_links_and_nothing_is_sent(ctx, server, client):
    with pytest.raises(NotAllowed):
        links.create_link(ctx.as_("alla"), Money(100_00), "Тест", client=client)
    assert not any(path == "/invoice" for _, path in server.bank.requests)


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"email": "not-an-address"}, "links.bad_email"),
    ({"phone": "12"}, "links.bad_phone"),
    ({"expires": "1y"}, "links.bad_period"),
    ({"expires": "31d"}, "links.period_too_long"),
    ({"invoice_id": "12"}, None),
])
def test_bad_input_is_refused_before_anything_is_sent(ctx, server, client, kwargs, code):
    with pytest.raises(ValueError) as refused:
        links.create_link(ctx, Money(100_00), "Тест", client=client, **kwargs)
    if code is not None:
        assert refused.value.message.code == code
    assert not any(path == "/invoice" for _, path in server.bank.requests)


def test_a_given_order_number_must_be_new_in_its_last_six_digits(ctx, client):
    first = links.create_link(ctx, Money(100_00), "Первый", invoice_id="000123456",
                              client=client)
    with pytest.raises(LinkError, match="123456") as refused:
        links.create_link(ctx, Money(100_00), "Второй", invoice_id="999123456", client=client)
    assert refused.value.message.code == "links.suffix_taken"
    with pytest.raises(LinkError) as refused:
        links.create_link(ctx, Money(100_00), "Третий", invoice_id=first.invoice_id,
                          client=client)
    assert refused.value.message.code == "links.order_exists"


def test_generated_order_numbers_avoid_taken_last_six_digits(ctx, client):
    made = {links.create_link(ctx, Money(100_00), f"№{n}", client=client).invoice_id[-6:]
            for n in range(20)}
    assert len(made) == 20
    with ctx.store.session(readonly=True) as session:
        assert all(store_links.suffix_taken(session, PROFILE, s) for s in made)


def test_a_bank_that_wants_the_cabinet_login_gets_it_or_says_what_to_add(tmp_path):
    """The bank documents POST /invoice under the cabinet user's login: a profile with one uses
    it; one without is told which login to add, and no link is made."""
    bank = SandboxBank(cabinet_only=True)
    fields = {"shop_id": "s", "invoice_id": "261202000001", "amount": 100, "currency": "KZT",
              "description": "Тест", "expire_period": "1d"}
    with SandboxServer(bank, port=0) as server:
        with cabinet_client(server, with_login=True) as client:
            made = client.create_invoice(fields)
        assert made.url.startswith(server.base_url) and made.status == "ACTIVE"
        with cabinet_client(server, with_login=False) as client, \
                pytest.raises(errors.EpayError) as refused:
            client.create_invoice({**fields, "invoice_id": "261202000002"})
    assert "profile edit" in str(refused.value)
    assert bank.tokens.grants.count("password") == 1
    with pytest.raises(LinkRefused):
        bank.invoices.get("no-such-link")
    assert len(bank.invoices.to_json()) == 1


def test_a_description_with_a_control_character_or_too_long_is_refused(ctx, server, client):
    for text, code in (("Диван\x1b[2J", "text.control_character"),
                       ("Д" * 501, "text.too_long")):
        with pytest.raises(ValueError) as refused:
            links.create_link(ctx, Money(100_00), text, client=client)
        assert refused.value.message.code == code
    assert not any(path == "/invoice" for _, path in server.bank.requests)


def test_on_a_one_stage_terminal_a_paid_link_is_captured_and_sync_follows_it(ctx, server,
                                                                             client):
    from halyk_desk.services.sync import sync_statuses

    server.bank.invoices.two_stage = False
    link = links.create_link(ctx, Money(7_000_00), "Букет", language="kaz", client=client)
    page = httpx.get(link.url).text
    assert "Тапсырысты төлеу" in page and "7 000,00" in page.replace("\u00a0", " ")
    assert pay(link.url) == 200
    summary = sync_statuses(ctx, client=client)
    assert summary.errors == 0
    assert picture(ctx, link.invoice_id).state is State.CAPTURED
    assert links.get_link(ctx, link.invoice_id).state is LinkState.PAID
