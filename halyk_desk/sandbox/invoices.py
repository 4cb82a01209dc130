"""The sandbox's payment links: POST /invoice, the hosted pay page, and the postLink callback.

A link is paid on its page (or by `halyk-desk sandbox pay`) with one of the bank's test cards; the
payment then exists like any other (held or captured, as the terminal is set up) and the bank
POSTs its callback to the link's post_link (failure_post_link when declined), in the background,
the way the bank does: the shop's receiver must answer, and may get the same notice again.
"""

from __future__ import annotations

import dataclasses
import html
import json
import logging
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs

from halyk_desk.domain import InvoiceIdError, Money, MoneyError, as_utc, normalize_invoice_id
from halyk_desk.domain.links import LinkError, parse_period

log = logging.getLogger(__name__)

#: Test cards the sandbox accepts (full numbers are test data, published for everyone); a card
#: not listed is declined, as the bank's test environment declines real cards.
TEST_CARDS = {
    "4405645000006150": ("VISA", "HALYK BANK"),
    "5522042410116166": ("MASTERCARD", "HALYK BANK"),
}
DEFAULT_CARD = "4405645000006150"
#: Attempts to deliver one callback, and the pause between them (the bank's policy is not
#: published; integrators see repeats, which is why receivers must deduplicate).
DELIVERY_ATTEMPTS = 3
DELIVERY_PAUSE = 0.5
PAGE_PATH = "/redirect/invoice-link/"
#: Callbacks go straight to the address given, never through a proxy from the environment.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class LinkRefused(Exception):
    """A link request or a payment the sandbox refuses; `status` is the HTTP status to send."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class SandboxLink:
    id: str
    invoice_id: str
    amount_minor: int
    currency: str
    description: str
    created_at: datetime
    expires_at: datetime
    shop_id: str
    language: str = "rus"
    email: str = ""
    phone: str = ""
    post_link: str = ""
    failure_post_link: str = ""
    back_link: str = ""
    #: ACTIVE, PAID, DECLINED (the bank's words in this emulator)
    status: str = "ACTIVE"
    #: The merchant's secret_hash when the request carried one (echoed in callbacks).
    secret_hash: str = ""


@dataclass(frozen=True)
class Delivery:
    """One callback the sandbox sent: where (without the query) and what the receiver answered."""

    url: str
    invoice_id: str
    status: int | None


class InvoiceDesk:
    """The links of one sandbox bank; thread-safe. `pay_card` makes the payment in the books."""

    def __init__(self, clock: Callable[[], datetime], two_stage: bool = True) -> None:
        self.clock = clock
        #: Payments through links are holds (AUTH) when True, captured at once when False.
        self.two_stage = two_stage
        self._lock = threading.Lock()
        self._links: dict[str, SandboxLink] = {}
        self.deliveries: list[Delivery] = []
        self._senders: list[threading.Thread] = []

    # --- POST /invoice ------------------------------------------------------------------------
    def create(self, body: Mapping[str, Any], base_url: str, invoice_taken: bool) -> dict[str, Any]:
        """The reply to POST /invoice (the shape public integrations observed)."""
        invoice_id = _invoice(body.get("invoice_id"))
        amount = _amount(body.get("amount"), str(body.get("currency") or "KZT"))
        shop_id = str(body.get("shop_id") or "").strip()
        if not shop_id:
            raise LinkRefused(400, "shop_id is required")
        try:
            period = parse_period(str(body.get("expire_period") or "1d"))
        except LinkError as exc:
            raise LinkRefused(400, f"expire_period: {exc}") from None
        language = str(body.get("language") or "rus")
        if language not in ("rus", "kaz", "eng"):
            raise LinkRefused(400, "language must be rus, kaz or eng")
        now = self.clock()
        with self._lock:
            if invoice_taken or any(x.invoice_id == invoice_id for x in self._links.values()):
                raise LinkRefused(400, f"invoice_id {invoice_id} is already used")
            link = SandboxLink(
                id=str(uuid.uuid4()), invoice_id=invoice_id, amount_minor=amount.minor,
                currency=amount.currency, description=str(body.get("description") or ""),
                created_at=now, expires_at=now + period, shop_id=shop_id, language=language,
                email=str(body.get("recipient_contact") or ""),
                phone=str(body.get("recipient_contact_sms") or ""),
                post_link=str(body.get("post_link") or ""),
                failure_post_link=str(body.get("failure_post_link") or ""),
                back_link=str(body.get("back_link") or ""),
                secret_hash=str(body.get("secret_hash") or ""),
            )
            self._links[link.id] = link
        return {
            "id": link.id,
            "invoice_id": link.invoice_id,
            "status": link.status,
            "expire_date": as_utc(link.expires_at).isoformat(),
            "invoice_url": f"{base_url}{PAGE_PATH}{link.id}",
        }

    # --- reading ------------------------------------------------------------------------------
    def get(self, link_id: str) -> SandboxLink:
        with self._lock:
            link = self._links.get(link_id)
            if link is None:
                raise LinkRefused(404, "no such payment link")
            return dataclasses.replace(link)

    def expired(self, link: SandboxLink) -> bool:
        return link.status == "ACTIVE" and self.clock() >= link.expires_at

    # --- paying -------------------------------------------------------------------------------
    def pay(
        self, link_id: str, card: str, decline: bool,
        book: Callable[[SandboxLink, str, bool], dict[str, Any]],
    ) -> SandboxLink:
        """Pay (or decline) the link with `card`; `book` records the payment in the bank's books
        and returns the callback's fields. The callback goes out in the background."""
        digits = "".join(ch for ch in card if ch.isdigit())
        with self._lock:
            link = self._links.get(link_id)
            if link is None:
                raise LinkRefused(404, "no such payment link")
            if link.status != "ACTIVE":
                raise LinkRefused(409, "this link has already been used")
            if self.clock() >= link.expires_at:
                raise LinkRefused(410, "this link has expired")
            approved = not decline and digits in TEST_CARDS
            link.status = "PAID" if approved else "DECLINED"
            callback = book(link, digits, approved)
            snapshot = dataclasses.replace(link)
        target = snapshot.post_link if approved else snapshot.failure_post_link
        if target:
            # The merchant's own value echoed back; the link request has no field for one, so
            # it is empty unless the request carried it anyway.
            callback["secret_hash"] = snapshot.secret_hash
            self._send(target, snapshot.invoice_id, callback)
        return snapshot

    def _send(self, url: str, invoice_id: str, body: dict[str, Any]) -> None:
        thread = threading.Thread(target=self._deliver, args=(url, invoice_id, body),
                                  name=f"sandbox-callback:{invoice_id}", daemon=True)
        with self._lock:
            self._senders = [t for t in self._senders if t.is_alive()]
            self._senders.append(thread)
        thread.start()

    def _deliver(self, url: str, invoice_id: str, body: dict[str, Any]) -> None:
        shown = url.split("?", 1)[0]  # the query may carry the shop's secret: never logged
        status: int | None = None
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        for attempt in range(DELIVERY_ATTEMPTS):
            request = urllib.request.Request(
                url, data=data, method="POST", headers={"Content-Type": "application/json"})
            try:
                with _DIRECT.open(request, timeout=5.0) as reply:
                    status = reply.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except (OSError, ValueError) as exc:  # refused, timed out, reset; a bad address
                log.info("callback to %s failed: %s", shown, type(exc).__name__)
                status = None
            if status is not None and status < 500:
                break
            if attempt + 1 < DELIVERY_ATTEMPTS:
                threading.Event().wait(DELIVERY_PAUSE)
        with self._lock:
            self.deliveries.append(Delivery(shown, invoice_id, status))

    def wait_for_deliveries(self, timeout: float = 10.0) -> None:
        """Wait until every callback sent so far was delivered or given up (tests, the CLI)."""
        with self._lock:
            senders = list(self._senders)
        for thread in senders:
            thread.join(timeout)

    # --- keeping the books --------------------------------------------------------------------
    def to_json(self) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {**dataclasses.asdict(link), "created_at": link.created_at.isoformat(),
                 "expires_at": link.expires_at.isoformat()}
                for link in self._links.values()
            ]

    def load(self, items: list[dict[str, Any]]) -> None:
        with self._lock:
            for item in items:
                fields = dict(item)
                for key in ("created_at", "expires_at"):
                    fields[key] = as_utc(datetime.fromisoformat(fields[key]))
                link = SandboxLink(**fields)
                self._links[link.id] = link


def _invoice(value: object) -> str:
    try:
        return normalize_invoice_id(value)
    except InvoiceIdError as exc:
        raise LinkRefused(400, f"invoice_id: {exc}") from None


def _amount(value: object, currency: str) -> Money:
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise LinkRefused(400, "amount must be a number of tenge")
    try:
        money = Money.from_decimal(Decimal(str(value)), currency.strip().upper() or "KZT")
    except (InvalidOperation, MoneyError) as exc:
        raise LinkRefused(400, f"amount {value!r}: {exc}") from None
    if money.minor <= 0:
        raise LinkRefused(400, "amount must be more than zero")
    return money


def card_mask(digits: str) -> str:
    return f"{digits[:6]}...{digits[-4:]}" if len(digits) >= 10 else "******...****"


#: The hosted page's words in the link's language (the bank's page speaks the customer's).
_PAGE_WORDS = {
    "rus": {"lang": "ru", "title": "Оплата заказа", "order": "Заказ №", "card": "Номер карты",
            "cards": "Тестовые карты", "pay": "Оплатить", "decline": "Отклонить (проверка отказа)",
            "PAID": "Оплачено", "DECLINED": "Платёж отклонён", "EXPIRED": "Срок ссылки истёк",
            "note": "Песочница Halyk Desk: деньги не списываются."},
    "kaz": {"lang": "kk", "title": "Тапсырысты төлеу", "order": "Тапсырыс №",
            "card": "Карта нөмірі", "cards": "Тестілік карталар", "pay": "Төлеу",
            "decline": "Бас тарту (қабылданбауды тексеру)", "PAID": "Төленді",
            "DECLINED": "Төлем қабылданбады", "EXPIRED": "Сілтеменің мерзімі өтті",
            "note": "Halyk Desk құмсалғышы: ақша есептен шығарылмайды."},
    "eng": {"lang": "en", "title": "Order payment", "order": "Order No.", "card": "Card number",
            "cards": "Test cards", "pay": "Pay", "decline": "Decline (test a refusal)",
            "PAID": "Paid", "DECLINED": "Payment declined", "EXPIRED": "This link has expired",
            "note": "Halyk Desk sandbox: no money moves."},
}


def pay_page(link: SandboxLink, expired: bool, pay_path: str) -> bytes:
    """The hosted page at the link's URL, in the link's language: what is being paid, and a card
    form (test cards)."""
    words = _PAGE_WORDS.get(link.language, _PAGE_WORDS["rus"])
    amount = Money(link.amount_minor, link.currency).format(words["lang"])
    if link.status != "ACTIVE" or expired:
        said = words.get(link.status, words["EXPIRED"])
        form = f"<p><b>{html.escape(said)}</b></p>"
    else:
        form = (
            f'<form method="post" action="{html.escape(pay_path)}">'
            f'<label>{words["card"]} <input name="card" value="{DEFAULT_CARD}" size="22"></label>'
            f'<p>{words["cards"]}: {", ".join(TEST_CARDS)}</p>'
            f'<button name="action" value="pay">{words["pay"]}</button> '
            f'<button name="action" value="decline">{words["decline"]}</button>'
            "</form>"
        )
    page = (
        f"<!doctype html><html lang={words['lang']}><meta charset=utf-8>"
        f"<title>ePay — {words['title']}</title>"
        "<body style='font-family:sans-serif;max-width:32em;margin:2em auto'>"
        f"<h1>{words['title']}</h1>"
        f"<p>{words['order']} {html.escape(link.invoice_id)}</p>"
        f"<p>{html.escape(link.description)}</p>"
        f"<p style='font-size:150%'><b>{html.escape(amount)}</b></p>"
        f"{form}<p><small>{words['note']}</small></p>"
        "</body></html>"
    )
    return page.encode("utf-8")


def form_fields(body: bytes) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}


def callback_body(link: SandboxLink, payment: Any, terminal: str, approved: bool,
                  when: datetime) -> dict[str, Any]:
    """The postLink JSON the bank sends (epay-api.md): note `invoiceId` and a string `secure`."""
    amount = Decimal(link.amount_minor) / 100
    return {
        "id": payment.id,
        "dateTime": as_utc(when).isoformat(),
        "invoiceId": link.invoice_id,
        "amount": f"{amount:.2f}",
        "currency": link.currency,
        "terminal": terminal,
        "accountId": "",
        "description": link.description,
        "language": link.language,
        "cardMask": payment.card_mask,
        "cardType": payment.card_type,
        "issuer": payment.issuer,
        "reference": payment.reference,
        "secure": "true",
        "email": link.email,
        "phone": link.phone,
        "approvalCode": payment.approval_code,
        "code": "ok" if approved else "error",
        "reason": "" if approved else "Declined by issuer",
        "reasonCode": "0" if approved else "05",
    }

