"""Payment links: asking a customer to pay an order by phone, WhatsApp or e-mail.

Creating a link: the operator may (managers and admins), the order number is free, the bank makes
the link (POST /invoice), and then in one transaction the order is stored as awaiting payment, the
link with who made it and why, and an audit entry. The link's callback address carries a random
secret; the store keeps only its SHA-256 (services.callbacks compares in constant time).

Following a link needs nothing of its own: the order is an order, sync reads its payment by
invoiceId. A link that expired unpaid stops being expected money (settle_expired).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from halyk_desk.domain import Money, normalize_invoice_id, utc_now
from halyk_desk.domain.links import (
    LinkError,
    LinkState,
    link_state,
    new_invoice_id,
    new_secret,
    parse_period,
)
from halyk_desk.domain.text import check_text
from halyk_desk.messages import Message, msg
from halyk_desk.services import audit, operators
from halyk_desk.services.bank import is_sandbox, open_bank
from halyk_desk.services.changes import Changes
from halyk_desk.store import links as store_links
from halyk_desk.store import repository
from halyk_desk.store.records import OrderRecord

#: A link made (a new order waiting for payment) or paid (a new hold).
CHANGES = Changes(payments=True, holds=True, links=True)

if TYPE_CHECKING:
    from halyk_desk.epay import EpayClient
    from halyk_desk.services.context import AppContext

#: The sandbox bank takes any shop id; a sandbox profile without one uses this.
SANDBOX_SHOP_ID = "00000000-0000-4000-8000-000000000001"
#: The query parameter of the callback address that carries the link's secret.
SECRET_PARAM = "secret"
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+?\d{10,15}")
LANGUAGES = ("rus", "kaz", "eng")


@dataclass(frozen=True)
class LinkInfo:
    invoice_id: str
    link_id: str | None
    url: str
    amount: Money
    description: str
    email: str | None
    phone: str | None
    expires_at: datetime
    state: LinkState
    created_by: str
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        """The documented --json shape of `link create` and `link list`."""
        return {
            "invoice_id": self.invoice_id, "link_id": self.link_id, "url": self.url,
            "amount": self.amount.to_json(), "currency": self.amount.currency,
            "expires_at": self.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "state": self.state.value,
        }


_STATE_NAMES = {
    LinkState.ACTIVE: msg("links.state_active", "активна"),
    LinkState.PAID: msg("links.state_paid", "оплачена"),
    LinkState.EXPIRED: msg("links.state_expired", "истекла"),
    LinkState.FAILED: msg("links.state_failed", "отклонена"),
}


def state_name(state: LinkState) -> Message:
    """A link's state in the reader's language."""
    return _STATE_NAMES[state]


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def callback_address(base: str, secret: str) -> str:
    """The shop's callback address with this link's secret in its query (the invoice API has no
    field for a secret of the merchant's own)."""
    parts = urlsplit(base)
    query = [*parse_qsl(parts.query, keep_blank_values=True), (SECRET_PARAM, secret)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _clean_contacts(email: str | None, phone: str | None) -> tuple[str | None, str | None]:
    email = (email or "").strip() or None
    if email is not None and not _EMAIL.fullmatch(check_text(email, "customer")):
        raise LinkError(msg("links.bad_email", "«{email}» не похоже на адрес e-mail вроде "
                            "buyer@example.kz.", email=email))
    if phone is not None and phone.strip():
        digits = re.sub(r"[\s()\-]", "", phone.strip())
        if not _PHONE.fullmatch(digits):
            raise LinkError(msg("links.bad_phone", "«{phone}» — не номер телефона вроде "
                                "+77011234567.", phone=phone))
        phone = digits
    else:
        phone = None
    return email, phone


def _invoice_for(ctx: AppContext, given: str | None, now: datetime) -> str:
    profile = ctx.profile.name
    with ctx.store.session(readonly=True) as session:
        if given is None:
            return new_invoice_id(
                lambda suffix: store_links.suffix_taken(session, profile, suffix), now)
        invoice_id = normalize_invoice_id(given)
        if store_links.order_exists(session, profile, invoice_id):
            raise LinkError(msg("links.order_exists", "Заказ {invoice_id} уже есть: для ссылки "
                                "нужен новый номер (без --invoice он будет создан сам).",
                                invoice_id=invoice_id))
        if len(invoice_id) > 6 and store_links.suffix_taken(session, profile, invoice_id[-6:]):
            raise LinkError(msg("links.suffix_taken", "Другой заказ уже оканчивается на "
                                "{suffix}, а банк требует, чтобы последние шесть цифр не "
                                "повторялись. Выберите другой номер.", suffix=invoice_id[-6:]))
        return invoice_id


def create_link(
    ctx: AppContext,
    amount: Money,
    description: str,
    *,
    email: str | None = None,
    phone: str | None = None,
    expires: str = "1d",
    invoice_id: str | None = None,
    language: str = "rus",
    client: EpayClient | None = None,
) -> LinkInfo:
    """Ask the bank for a payment link for a new order; store the order as awaiting payment.

    Raises operators.NotAllowed (nothing sent), LinkError or InvoiceIdError for bad input
    (nothing sent), an EpayError when the bank refused or did not answer (nothing stored)."""
    operators.require(ctx, operators.CREATE_LINKS)
    description = check_text(" ".join(description.split()), "link_description")
    if not description:
        raise LinkError(msg("links.no_description", "Нужно описание: за что платит покупатель."))
    if amount.minor <= 0:
        raise LinkError(msg("rules.amount_not_positive", "Сумма должна быть больше нуля."))
    if language not in LANGUAGES:
        raise LinkError(msg("links.bad_language", "Язык страницы «{language}»: выберите rus, kaz "
                            "или eng.", language=language))
    email, phone = _clean_contacts(email, phone)
    period = parse_period(expires)
    profile = ctx.profile
    shop_id = profile.shop_id or (SANDBOX_SHOP_ID if is_sandbox(ctx) else None)
    if not shop_id:
        raise LinkError(msg("links.no_shop_id", "В профиле «{profile}» нет идентификатора "
                            "магазина: скопируйте его из кабинета банка и укажите в Настройках "
                            "или командой `halyk-desk profile edit {profile} --shop-id UUID`.",
                            profile=profile.name))
    now = utc_now()
    invoice = _invoice_for(ctx, invoice_id, now)
    secret = new_secret()
    fields: dict[str, Any] = {
        "shop_id": shop_id, "account_id": "", "invoice_id": invoice,
        "amount": amount.to_decimal(), "currency": amount.currency, "language": language,
        "description": description, "expire_period": expires.strip(),
        "recipient_contact": email or "", "recipient_contact_sms": phone or "",
        "notifier_contact_sms": "",
    }
    if profile.callback_url:
        fields["post_link"] = fields["failure_post_link"] = callback_address(
            profile.callback_url, secret)
    if client is not None:
        made = client.create_invoice(fields)
    else:
        with open_bank(ctx) as bank:
            made = bank.create_invoice(fields)
    expires_at = made.expires_at or now + period
    record = store_links.LinkRecord(
        invoice_id=invoice, link_id=made.link_id, url=made.url, amount_minor=amount.minor,
        currency=amount.currency, description=description, email=email, phone=phone,
        bank_status=made.status, expires_at=expires_at, created_by=ctx.operator, created_at=now)
    with ctx.store.session() as session:
        repository.upsert_orders(session, profile.name, [OrderRecord(
            invoice_id=invoice, amount_minor=amount.minor, currency=amount.currency,
            created_at=now, customer=email or phone)], now=now)
        store_links.add_link(session, profile.name, record, secret_digest(secret))
        audit.append(session, operator=ctx.operator, action="link.create", subject=invoice,
                     profile=profile.name, details={
                         "amount": amount.to_json(), "currency": amount.currency,
                         "description": description, "link_id": made.link_id,
                         "expires_at": expires_at.isoformat(),
                         "callback": bool(profile.callback_url)})
    return _info(record, now)


#: The language a customer reads the invitation in, by the bank page's language.
_CUSTOMER_LANGUAGES = {"rus": "ru", "kaz": "kk", "eng": "en"}


def invitation(info: LinkInfo, language: str, time_zone: str) -> tuple[str, str]:
    """Subject and text of an e-mail asking the customer to pay, in the customer's language
    (the bank page's: rus, kaz or eng), whatever language the operator works in."""
    speak = _CUSTOMER_LANGUAGES.get(language, "ru")
    until = info.expires_at.astimezone(ZoneInfo(time_zone))
    subject = msg("links.mail_subject", "Оплата заказа № {invoice_id}",
                  invoice_id=info.invoice_id)
    body = msg("links.mail_body", "Здравствуйте!\n\nДля оплаты заказа № {invoice_id} на сумму "
               "{amount} ({description}) перейдите по ссылке:\n{url}\n\nСсылка действует до "
               "{until}. Оплата картой через защищённую страницу Halyk Bank (ePay).\n\nСпасибо "
               "за заказ!", invoice_id=info.invoice_id, amount=info.amount,
               description=info.description, url=info.url, until=until)
    return subject.render(speak), body.render(speak)


def _info(record: store_links.LinkRecord, now: datetime) -> LinkInfo:
    return LinkInfo(
        invoice_id=record.invoice_id, link_id=record.link_id, url=record.url,
        amount=Money(record.amount_minor, record.currency), description=record.description,
        email=record.email, phone=record.phone, expires_at=record.expires_at,
        state=link_state(record.payment_state, record.expires_at, now),
        created_by=record.created_by, created_at=record.created_at)


def list_links(ctx: AppContext, *, now: datetime | None = None) -> list[LinkInfo]:
    now = now or utc_now()
    with ctx.store.session(readonly=True) as session:
        found = store_links.list_links(session, ctx.profile.name)
    return [_info(record, now) for record in found]


def get_link(ctx: AppContext, invoice_id: str) -> LinkInfo | None:
    with ctx.store.session(readonly=True) as session:
        record = store_links.get_link(session, ctx.profile.name, invoice_id)
    return None if record is None else _info(record, utc_now())


def settle_expired(ctx: AppContext, *, now: datetime | None = None) -> int:
    """Orders whose links expired unpaid are no longer expected money (reconciliation skips
    them); how many were marked now."""
    now = now or utc_now()
    expired = [link.invoice_id for link in list_links(ctx, now=now)
               if link.state is LinkState.EXPIRED]
    if not expired:
        return 0
    with ctx.store.session() as session:
        return store_links.stop_expecting(session, ctx.profile.name, expired)
