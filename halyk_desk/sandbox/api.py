"""The ePay endpoints: a parsed HTTP request in, the bank's reply out. No sockets here."""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs

from halyk_desk.domain import Money, parse_bank_datetime
from halyk_desk.sandbox.bank import Refusal, RefusalCode, SandboxBank, SandboxPayment
from halyk_desk.sandbox.invoices import PAGE_PATH, LinkRefused, form_fields, pay_page
from halyk_desk.sandbox.replies import (
    Reply,
    json_reply,
    operations_record,
    status_transaction,
    tenge,
)
from halyk_desk.sandbox.tokens import Token, TokenRefused

TOKEN_PATH = "/oauth2/token"
MAX_PAGE_SIZE = 1000
_MAX_AMOUNT = Decimal(10) ** 12  # tenge; anything bigger is not a card payment

_RESULT_MESSAGES = {
    "100": "SUCCESS",
    "102": "Invoice not found",
    "104": "Terminal is not specified in the token",
    "106": "Wrong terminal",
    "107": "Operation in progress, try again later",
    "109": "Terminal does not belong to this client",
}
_ROUTES: list[tuple[str, str, re.Pattern[str]]] = [
    ("token", "POST", re.compile(re.escape(TOKEN_PATH))),
    ("status", "GET", re.compile(r"/check-status/payment/transaction/(?P<invoice>[^/]+)")),
    ("money", "POST", re.compile(r"/operation/(?P<tx>[^/]+)/(?P<action>charge|cancel|refund)")),
    ("operations", "POST", re.compile(r"/operations")),
    ("invoice", "POST", re.compile(r"/invoice")),
    ("link_page", "GET", re.compile(re.escape(PAGE_PATH) + r"(?P<link>[^/]+)")),
    ("link_pay", "POST", re.compile(re.escape(PAGE_PATH) + r"(?P<link>[^/]+)/pay")),
]


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # lower-case names
    body: bytes

    @property
    def authorization(self) -> str | None:
        return self.headers.get("authorization")


class BadRequest(Exception):
    pass


def endpoint_of(path: str) -> str | None:
    """The endpoint family of a path (for fault matching); None if it is not the bank's."""
    for name, _, pattern in _ROUTES:
        if pattern.fullmatch(path):
            return name
    return None


def result(code: str) -> Reply:
    """HTTP 200 with a resultCode and no transaction: how the status endpoint says no."""
    return json_reply(200, {"resultCode": code, "resultMessage": _RESULT_MESSAGES[code]})


def unauthorized() -> Reply:
    return json_reply(
        401,
        {"error": "invalid_token", "error_description": "Token is missing, invalid or expired"},
        (("WWW-Authenticate", 'Bearer error="invalid_token"'),),
    )


def insufficient_scope() -> Reply:
    """RFC 6750's answer to a valid token of the wrong kind: the cabinet user's login is needed."""
    return json_reply(
        403,
        {"error": "insufficient_scope",
         "error_description": "This endpoint needs the merchant cabinet user's token"},
        (("WWW-Authenticate", 'Bearer error="insufficient_scope"'),),
    )


def refused(code: RefusalCode, message: str) -> Reply:
    return json_reply(400, {"code": int(code), "message": message})


class Api:
    """Dispatches requests to the bank. Thread-safe because the bank is."""

    def __init__(self, bank: SandboxBank) -> None:
        self.bank = bank

    def handle(self, request: Request) -> Reply:
        for name, method, pattern in _ROUTES:
            match = pattern.fullmatch(request.path)
            if match is None:
                continue
            if request.method != method:
                return json_reply(405, {"error": "method not allowed"}, (("Allow", method),))
            handler: Callable[[Request, dict[str, str]], Reply] = getattr(self, f"_{name}")
            try:
                return handler(request, match.groupdict())
            except BadRequest as exc:
                return refused(RefusalCode.BAD_REQUEST, str(exc))
            except Refusal as exc:
                return refused(exc.code, exc.message)
            except LinkRefused as exc:
                return json_reply(exc.status, {"code": exc.status, "message": exc.message})
        return json_reply(404, {"error": "not found", "path": request.path})

    # --- POST /oauth2/token -------------------------------------------------------------------
    def _token(self, request: Request, _: dict[str, str]) -> Reply:
        form = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        try:
            return json_reply(200, self.bank.tokens.grant(form))
        except TokenRefused as exc:
            return json_reply(exc.status, exc.body)

    # --- GET /check-status/payment/transaction/{invoiceId} ------------------------------------
    def _status(self, request: Request, params: dict[str, str]) -> Reply:
        token = self.bank.tokens.lookup(request.authorization)
        if token is None:
            return unauthorized()
        problem = self.bank.tokens.terminal_problem(token)
        if problem is not None:
            return result(problem)
        payment = self.bank.find(params["invoice"])
        if payment is None:
            return result("102")
        return json_reply(
            200,
            {
                "resultCode": "100",
                "resultMessage": _RESULT_MESSAGES["100"],
                "transaction": status_transaction(payment, self.bank.terminal),
            },
        )

    # --- POST /operation/{id}/charge|cancel|refund --------------------------------------------
    def _money(self, request: Request, params: dict[str, str]) -> Reply:
        token = self.bank.tokens.lookup(request.authorization)
        if token is None:
            return unauthorized()
        self._require_own_terminal(token)
        body = _json_object(request.body) if request.body.strip() else {}
        tx_id, action = params["tx"], params["action"]
        if action == "charge":
            self.bank.charge(tx_id, _amount(request, body))
        elif action == "cancel":
            if _amount(request, body) is not None:
                raise BadRequest("A hold is always released in full: send no amount")
            self.bank.cancel(tx_id)
        else:
            external = _one(request.query, "externalID") or body.get("externalID")
            self.bank.refund(tx_id, _amount(request, body), str(external) if external else None)
        return Reply(200)  # the bank answers success with an empty body

    def _require_own_terminal(self, token: Token) -> None:
        problem = self.bank.tokens.terminal_problem(token)
        if problem is not None:
            raise Refusal(RefusalCode.TERMINAL, _RESULT_MESSAGES[problem])

    # --- POST /operations ---------------------------------------------------------------------
    def _operations(self, request: Request, _: dict[str, str]) -> Reply:
        token = self.bank.tokens.lookup(request.authorization)
        if token is None:
            return unauthorized()
        if self.bank.cabinet_only and not token.cabinet:
            return insufficient_scope()
        query = _json_object(request.body)
        first, size = _paging(query.get("paging"), self.bank.paging)
        keep = _search(query.get("searchParameters"))
        order = _order(query.get("orderParameters"))
        # A cabinet token (no terminal) sees the merchant's operations; another terminal sees none.
        own = token.terminal in (None, self.bank.terminal)

        def select(payments: list[SandboxPayment]) -> list[SandboxPayment]:
            found = [p for p in payments if keep(p)] if own else []
            for key, descending in reversed(order):
                found.sort(key=key, reverse=descending)
            return found

        what = json.dumps([query.get("searchParameters"), query.get("orderParameters"), own],
                          sort_keys=True, default=str)
        total, records = self.bank.listing(what, select, first, size)
        return json_reply(
            200,
            {
                "totalCount": total,
                "records": [{**operations_record(p, self.bank.terminal),
                             "refunds": self.bank.refunds_of(p.id)} for p in records],
            },
        )


    # --- POST /invoice: a payment link ---------------------------------------------------------
    def _invoice(self, request: Request, _: dict[str, str]) -> Reply:
        token = self.bank.tokens.lookup(request.authorization)
        if token is None:
            return unauthorized()
        if self.bank.cabinet_only and not token.cabinet:
            return insufficient_scope()
        body = _json_object(request.body)
        base = "http://" + request.headers.get("host", "127.0.0.1")
        invoice = str(body.get("invoice_id") or "")
        return json_reply(200, self.bank.invoices.create(
            body, base, invoice_taken=self.bank.find(invoice) is not None))

    # --- the hosted pay page, and paying on it --------------------------------------------------
    def _link_page(self, request: Request, params: dict[str, str]) -> Reply:
        link = self.bank.invoices.get(params["link"])
        page = pay_page(link, self.bank.invoices.expired(link), f"{PAGE_PATH}{link.id}/pay")
        return Reply(200, page, "text/html; charset=utf-8")

    def _link_pay(self, request: Request, params: dict[str, str]) -> Reply:
        """The page's form: card=PAN, action=pay|decline. 200 paid, 402 declined, 409 used,
        410 expired, 404 unknown (the command line reads the status)."""
        form = form_fields(request.body)
        link = self.bank.pay_link(params["link"], form.get("card", ""),
                                  decline=form.get("action") == "decline")
        page = pay_page(link, False, "")
        return Reply(200 if link.status == "PAID" else 402, page, "text/html; charset=utf-8")


# --- request parsing helpers -----------------------------------------------------------------
def _json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"The request body is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise BadRequest("The request body must be a JSON object")
    return value


def _one(query: Mapping[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _decimal(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise BadRequest(f"amount {value!r} is not a number")
    try:
        dec = Decimal(str(value).strip())
    except InvalidOperation:
        raise BadRequest(f"amount {value!r} is not a number") from None
    if not dec.is_finite() or dec <= 0:
        raise BadRequest(f"amount {value!r} must be a positive number of tenge")
    if dec > _MAX_AMOUNT or dec != dec.quantize(Decimal("0.01")):
        raise BadRequest(f"amount {value!r} has more than two decimals or is too large")
    return dec


def _amount(request: Request, body: dict[str, Any]) -> int | None:
    """The amount in minor units from ?amount= and/or JSON {"amount"}; they must agree if both."""
    raw_query = _one(request.query, "amount")
    in_query = _decimal(raw_query) if raw_query not in (None, "") else None
    in_body = _decimal(body["amount"]) if body.get("amount") is not None else None
    if in_query is not None and in_body is not None and in_query != in_body:
        raise BadRequest(f"amount in the query ({in_query}) and in the body ({in_body}) differ")
    amount = in_query if in_query is not None else in_body
    return None if amount is None else Money.from_decimal(amount).minor


def _paging(paging: object, convention: str) -> tuple[int, int]:
    """(index of the first record, page size) as a bank of this paging convention reads them."""
    lowest = 1 if convention == "one" else 0
    if paging is None:
        return 0, 100
    if not isinstance(paging, dict):
        raise BadRequest("paging must be an object {page, size}")
    page, size = paging.get("page", lowest), paging.get("size", 100)
    if not isinstance(page, int) or isinstance(page, bool) or page < lowest:
        raise BadRequest(f"paging.page must be an integer from {lowest}")
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_PAGE_SIZE:
        raise BadRequest(f"paging.size must be an integer from 1 to {MAX_PAGE_SIZE}")
    if convention == "skip":
        return page, size
    return (page - lowest) * size, size


def _when(text: str) -> datetime:
    try:
        return parse_bank_datetime(text)
    except (ValueError, AttributeError):
        raise BadRequest(f"{text!r} is not a date-time such as 2026-11-01T00:00:00Z") from None


# Fields a filter can name, with how to read them from a payment and which methods they allow.
_COMPARE = ("=", "<", ">", "<=", ">=", "between")
_Field = tuple[Callable[[SandboxPayment], Any], Callable[[str], Any], tuple[str, ...]]
_FIELDS: dict[str, _Field] = {
    "created_date": (lambda p: p.created_at, _when, _COMPARE),
    "invoice_id": (lambda p: p.invoice_id, str, ("=", "in", "like")),
    "reference": (lambda p: p.reference, str, ("=", "in", "like")),
    "card_mask": (lambda p: p.card_mask, str, ("=", "in", "like")),
    "amount": (lambda p: tenge(p.amount_minor), _decimal, _COMPARE),
}


def _search(params: object) -> Callable[[SandboxPayment], bool]:
    if not isinstance(params, list):
        raise BadRequest("searchParameters must be a list and include created_date between")
    tests: list[Callable[[SandboxPayment], bool]] = []
    has_period = False
    for item in params:
        if not isinstance(item, dict):
            raise BadRequest("a search parameter is an object {name, method, searchParameter}")
        name, method = str(item.get("name", "")), str(item.get("method", ""))
        if name not in _FIELDS:
            raise BadRequest(f"search by {name!r} is not supported; use {', '.join(_FIELDS)}")
        read, convert, methods = _FIELDS[name]
        if method not in methods:
            raise BadRequest(f"method {method!r} is not for {name}: use {', '.join(methods)}")
        raw = item.get("searchParameter")
        values = [raw] if isinstance(raw, str) else raw
        if not (isinstance(values, list) and values and all(isinstance(v, str) for v in values)):
            raise BadRequest(f"searchParameter of {name} must be a non-empty list of strings")
        if method == "between" and len(values) != 2:
            raise BadRequest(f"{name} between needs exactly two values")
        has_period = has_period or (name == "created_date" and method == "between")
        operands = values if method == "like" else [convert(v) for v in values]
        tests.append(_predicate(read, method, operands))
    if not has_period:
        raise BadRequest("searchParameters must include created_date with method between")
    return lambda p: all(test(p) for test in tests)


def _predicate(
    read: Callable[[SandboxPayment], Any], method: str, values: list[Any]
) -> Callable[[SandboxPayment], bool]:
    first = values[0]
    return {
        "=": lambda p: read(p) == first,
        "in": lambda p: read(p) in values,
        "like": lambda p: fnmatch.fnmatchcase(read(p), first.replace("%", "*").replace("_", "?")),
        "<": lambda p: read(p) < first,
        ">": lambda p: read(p) > first,
        "<=": lambda p: read(p) <= first,
        ">=": lambda p: read(p) >= first,
        "between": lambda p: values[0] <= read(p) <= values[1],  # inclusive, as SQL's BETWEEN
    }[method]


def _order(params: object) -> list[tuple[Callable[[SandboxPayment], Any], bool]]:
    """Sort keys, most significant first; ties are broken by the transaction id for stable pages."""
    if params is None:
        params = [{"field": "created_date", "typeOrder": "DESC"}]
    if not isinstance(params, list):
        raise BadRequest("orderParameters must be a list of {field, typeOrder}")
    keys: list[tuple[Callable[[SandboxPayment], Any], bool]] = []
    for item in params:
        field = item.get("field") if isinstance(item, dict) else None
        direction = str(item.get("typeOrder", "ASC")).upper() if isinstance(item, dict) else ""
        if field not in _FIELDS or direction not in ("ASC", "DESC"):
            raise BadRequest(
                f"cannot order by {item!r}: give a field of {', '.join(_FIELDS)} and ASC or DESC"
            )
        keys.append((_FIELDS[field][0], direction == "DESC"))
    return [*keys, (lambda p: p.id, False)]
