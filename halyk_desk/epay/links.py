"""The bank's reply to POST /invoice (a payment link), read defensively.

The bank's page for the invoice-link API documents only the request fields; the reply is not
documented. What is read here was observed by public integrations: `id`, `status` ("ACTIVE"),
`expire_date` and `invoice_url` (a `.../redirect/invoice-link/{uuid}` address). Other spellings
(camelCase, `url`) are accepted too because nothing promises the snake_case ones; only the URL is
required, since a link without one is useless to the shop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from halyk_desk.epay.models import FieldError, Fields
from halyk_desk.messages import msg

#: Request fields named on the bank's page (documented), in the order it lists them.
DOCUMENTED_FIELDS = (
    "shop_id", "account_id", "invoice_id", "amount", "currency", "language", "description",
    "expire_period", "recipient_contact", "recipient_contact_sms", "notifier_contact_sms",
    "post_link", "failure_post_link", "back_link", "failure_back_link",
)
#: Payment-page languages the bank knows.
LANGUAGES = ("rus", "kaz", "eng")


@dataclass(frozen=True)
class InvoiceLink:
    """A link the bank created. Every field but `url` may be missing from the bank's reply."""

    url: str
    #: observed `id`
    link_id: str | None
    #: observed `status` ("ACTIVE")
    status: str | None
    #: observed `expire_date`
    expires_at: datetime | None

    @classmethod
    def from_reply(cls, reply: Any) -> InvoiceLink:
        where = str(msg("epay.link_reply", "ответ банка на запрос ссылки"))
        if not isinstance(reply, dict):
            raise FieldError(str(msg("epay.link_reply_not_object", "ответ банка на запрос "
                                     "ссылки — не объект JSON")))
        fields = Fields(reply, where)
        url = fields.required_text("invoice_url", "invoiceUrl", "invoiceURL", "url")
        if not url.startswith(("https://", "http://")):
            raise FieldError(str(msg("epay.link_not_url", "ссылка банка «{url}» — не веб-адрес",
                                     url=url)))
        return cls(
            url=url,
            link_id=fields.text("id", "invoice_link_id", "invoiceLinkId"),
            status=fields.text("status", "statusName"),
            expires_at=fields.when("expire_date", "expireDate"),
        )
