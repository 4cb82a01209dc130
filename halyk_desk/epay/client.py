"""The ePay client: one object per bank profile, shared by worker threads.

Reads (status, the operations list, the token) are retried with bounded backoff when the bank is
unavailable. Money operations (confirm, cancel, refund) are sent once: the bank promises no
idempotency, so a lost answer is reported as OutcomeUnknown and the caller reads the status.
The one exception is a 401, which means the bank did nothing: the request is repeated with a
newer token (see epay.token for when a refusal is believed).

Two logins: the client's own (client_credentials) for statuses and money operations, and the
merchant cabinet user's (grant_type=password, renewed with its refresh token) for what the bank
documents under it: the operations list and invoice links. Each has its own token cache.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from typing import Any, NoReturn, TypeVar
from urllib.parse import quote, urlsplit

import httpx

from halyk_desk import __version__, logs
from halyk_desk.domain import Money, as_utc, normalize_invoice_id
from halyk_desk.domain.states import state_name
from halyk_desk.epay import errors
from halyk_desk.epay.links import InvoiceLink
from halyk_desk.epay.models import FieldError, OperationRecord, PaymentStatus
from halyk_desk.epay.profile import EpayProfile
from halyk_desk.epay.registry import Period, Registry
from halyk_desk.epay.token import Issued, TokenCache, parse_expires_in
from halyk_desk.messages import Message, msg

log = logging.getLogger("halyk_desk.epay")

T = TypeVar("T")

SCOPE = "webapi usermanagement email_send verification statement statistics payment"
#: Longest pause between two attempts of a read, whatever `backoff` and the attempt number.
MAX_BACKOFF = 5.0
#: A request refused this many times with tokens others renewed and used up meanwhile asks for a
#: token of its own, so that it cannot starve however many threads share the tokens (issue 11).
OWN_TOKEN_AFTER = 3
#: Looked up by test_connection when no real order number is given: well-formed, never issued.
PROBE_INVOICE = "000000"

READ_STATUS_HINT = msg("epay.read_status_hint", "Банк мог это выполнить: прочитайте статус "
                       "платежа, прежде чем делать с ним что-либо ещё.")
TRY_LATER_HINT = msg("epay.try_later_hint", "Ничего не сделано; повторите через минуту.")
REFUSED_HINT = msg("epay.refused_hint", "Ничего не сделано: прочитайте статус платежа, исправьте "
                   "запрос или посмотрите в кабинете банка.")
TELL_SUPPORT_HINT = msg("registry.tell_support",
                        "Повторите позже; если повторяется, сообщите в поддержку.")
CHECK_API_HINT = msg("epay.check_api_hint", "Повторите позже; если повторяется, проверьте адрес "
                     "API в профиле.")
LIST_CHANGED_HINT = msg("epay.list_changed_hint", "Сообщите в поддержку: список операций банка "
                        "изменил форму.")

# Failures that happen before the request leaves this machine: the bank cannot have seen it.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Failures after it may have left: no answer, a dropped connection, a garbled reply.
_NO_ANSWER = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


@dataclass(frozen=True)
class _Call:
    """What is being done, for messages and logs."""

    operation: str
    invoice_id: str | None = None
    transaction_id: str | None = None

    def __str__(self) -> str:
        return errors.subject(self.operation, self.invoice_id, self.transaction_id)

    def fail(self, cls: type[errors.EpayError], message: Message | str,
             hint: Message | str) -> errors.EpayError:
        return cls(
            str(message),
            operation=self.operation,
            invoice_id=self.invoice_id,
            transaction_id=self.transaction_id,
            hint=str(hint),
        )

    def unreachable(self, exc: httpx.TransportError) -> errors.EpayError:
        return self.fail(errors.TransientError, f"{_describe_failure(exc)}.", TRY_LATER_HINT)

    def refused(
        self, code: str | None, message: str, table: errors.CodeTable = errors.RESULT_CODES
    ) -> errors.EpayError:
        """The error for a bank's no, read in `table`: busy (try later), unknown invoice, or a
        refusal."""
        if code in table.retryable:
            return self.fail(errors.TransientError, msg(
                "epay.busy_code", "{meaning} (код {code}).", meaning=table.meanings[code],
                code=code), TRY_LATER_HINT)
        cls = errors.InvoiceNotFound if code in table.not_found else errors.BankRefused
        return cls(
            code,
            message,
            operation=self.operation,
            invoice_id=self.invoice_id,
            transaction_id=self.transaction_id,
            hint=str(table.hints.get(code or "", REFUSED_HINT)),
            table=table,
        )


def _token_call() -> _Call:
    return _Call(str(msg("epay.op.token", "запрос токена")))


def _cabinet_call() -> _Call:
    return _Call(str(msg("epay.op.cabinet_token", "вход пользователя кабинета")))


def _describe_failure(exc: httpx.TransportError) -> Message:
    if isinstance(exc, httpx.TimeoutException):
        return msg("epay.no_answer_in_time", "банк не ответил вовремя ({error})",
                   error=type(exc).__name__)
    if isinstance(exc, httpx.ConnectError):
        return msg("epay.cannot_connect", "не удалось соединиться с банком")
    return msg("epay.connection_dropped", "соединение оборвалось ({error})",
               error=type(exc).__name__)


def _after_sending(exc: httpx.TransportError) -> Message:
    return msg("epay.after_sending", "{failure} после отправки.", failure=_describe_failure(exc))


def _describe_body(resp: httpx.Response) -> Message:
    """What kind of body came back, never its content (it might hold a token)."""
    text = resp.text.lstrip()
    if not text:
        return msg("epay.body_empty", "пустой ответ")
    if text[:1] == "<" or "html" in resp.headers.get("content-type", ""):
        return msg("epay.body_html", "HTML-страница")
    try:
        _load_json(text)
    except ValueError:
        return msg("epay.body_not_json", "текст не в формате JSON")
    return msg("epay.body_json", "ответ в JSON")


def _answered(resp: httpx.Response) -> Message:
    return msg("epay.answered", "банк ответил HTTP {status} ({body}).",
               status=str(resp.status_code), body=_describe_body(resp))


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not an amount")


def _load_json(text: str) -> Any:
    """Bank JSON with exact decimals: no float ever holds an amount."""
    return json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)


def _json_number(value: object) -> int | float:
    # An amount leaves as a JSON number, as in the bank's examples. A float is used only to write
    # it: tenge with two decimals below 10^13 have at most 15 significant digits, which repr
    # writes back exactly ("1500.5" for 1500.50).
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(type(value).__name__)


def _dump_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, default=_json_number).encode("utf-8")


def _amount_param(amount: Money) -> str:
    """Tenge as the bank's examples write them: "300", or "300.50" when there are tiyn."""
    if amount.minor <= 0:
        raise ValueError(str(msg("epay.amount_not_positive", "Сумма должна быть больше нуля, "
                                 "а не {amount}.", amount=amount)))
    whole, cents = divmod(amount.minor, 100)
    return f"{whole}.{cents:02d}" if cents else str(whole)


def _bank_time(moment: datetime) -> str:
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def _count(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


class EpayClient:
    """Talks to one profile's bank endpoints. Thread-safe: share one instance among workers."""

    def __init__(
        self,
        profile: EpayProfile,
        *,
        timeout: float = 10.0,
        max_connections: int = 32,
        get_retries: int = 3,
        backoff: float = 0.2,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`timeout` applies to each request (connect, send, wait, read); a read that fails
        transiently is tried again up to `get_retries` more times, pausing `backoff` seconds and
        doubling (with jitter, at most MAX_BACKOFF). `clock` times the token's lifetime."""
        self.profile = profile
        self._retries = max(0, get_retries)
        self._backoff = max(0.0, backoff)
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": f"halyk-desk/{__version__}"},
        )
        self._tokens = TokenCache(self._fetch_client_token, clock)
        self._cabinet = TokenCache(self._fetch_cabinet_token, clock)
        #: How the bank reads the operations list's paging.page: "zero", "one", "skip", or None
        #: until the first list finds out (the caller may keep it with the profile).
        self.operations_paging = profile.operations_paging

    def __repr__(self) -> str:
        return f"EpayClient(profile={self.profile.name!r}, api={self.profile.api_url!r})"

    def __enter__(self) -> EpayClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- public operations --------------------------------------------------------------------
    def get_token(self) -> str:
        """The current bearer token, fetched or renewed when needed (retried like a read)."""
        return self._retrying(_token_call(), self._tokens.token)

    def get_cabinet_token(self) -> str:
        """The cabinet user's bearer token (errors.CabinetLoginNeeded when the profile has no
        cabinet login)."""
        call = _cabinet_call()
        if not self.profile.has_cabinet_login:
            raise self._cabinet_login_needed(call, msg(
                "epay.no_cabinet_login", "в профиле нет входа кабинета"))
        return self._retrying(call, self._cabinet.token)

    def get_status(self, invoice_id: str) -> PaymentStatus:
        """The payment for one order number; errors.InvoiceNotFound when the bank has none."""
        invoice_id = normalize_invoice_id(invoice_id)
        call = _Call(str(msg("epay.op.status", "проверка статуса")), invoice_id)
        url = self.profile.api(f"check-status/payment/transaction/{quote(invoice_id, safe='')}")
        reply = self._read(call, "GET", url)
        if not isinstance(reply, dict) or "resultCode" not in reply:
            raise call.fail(
                errors.MalformedReply,
                msg("epay.no_result_code", "в ответе банка нет resultCode."),
                CHECK_API_HINT,
            )
        try:
            return PaymentStatus.from_reply(reply, invoice_id)
        except FieldError as exc:
            raise call.fail(errors.MalformedReply, f"{exc}.", TELL_SUPPORT_HINT) from exc

    def confirm(
        self, transaction_id: str, amount: Money | None = None, *, invoice_id: str | None = None
    ) -> None:
        """Debit a hold: all of it, or `amount` of it (partial confirmation)."""
        params = {"amount": _amount_param(amount)} if amount is not None else {}
        self._move(_Call(str(msg("epay.op.confirm", "подтверждение списания")), invoice_id,
                         transaction_id), "charge", params)

    def cancel(self, transaction_id: str, *, invoice_id: str | None = None) -> None:
        """Release a hold in full."""
        self._move(_Call(str(msg("epay.op.cancel", "отмена блокировки")), invoice_id,
                         transaction_id), "cancel", {})

    def refund(
        self,
        transaction_id: str,
        amount: Money | None,
        external_id: str,
        *,
        invoice_id: str | None = None,
    ) -> None:
        """Return `amount` (None: everything left) under our own refund id `external_id`."""
        if not external_id.strip():
            raise ValueError("A refund needs our own refund id (externalID).")
        params = {"externalID": external_id}
        if amount is not None:
            params = {"amount": _amount_param(amount), **params}
        self._move(_Call(str(msg("epay.op.refund", "возврат")), invoice_id, transaction_id),
                   "refund", params)

    def create_invoice(self, fields: dict[str, Any]) -> InvoiceLink:
        """A payment link (POST {api}/invoice) for the documented `fields` (epay.links).

        Sent once, like a money operation: the bank promises no idempotency, and a second
        request for the same invoice_id would be a second link. When no answer comes the link may
        exist; the caller says so and the order stays unsent. The bank documents this API under
        the cabinet user's login: used when the profile has one; else the client's own token is
        tried, and when refused the error says which login to add.
        """
        invoice_id = str(fields.get("invoice_id") or "")
        call = _Call(str(msg("epay.link_call", "ссылка на оплату")), invoice_id or None)
        may_exist = str(msg("epay.link_may_exist", "Ссылка могла появиться у банка: найдите её "
                            "в кабинете банка, прежде чем создавать другую для этого заказа."))
        url = self.profile.api("invoice")
        cabinet = self.profile.has_cabinet_login
        # Token trouble is retried here, while nothing has been sent.
        if cabinet:
            self.get_cabinet_token()
        else:
            self.get_token()
        try:
            resp = self._send(call, "POST", url, cabinet=cabinet, content=_dump_json(fields),
                              headers={"Content-Type": "application/json"})
        except errors.AuthenticationFailed as exc:  # a 401 or 403: the bank made no link
            if cabinet:
                raise
            raise self._cabinet_login_needed(call, msg(
                "epay.client_token_refused",
                "в профиле его нет (токен самого клиента банк не принял)")) from exc
        except _NOT_SENT as exc:
            raise call.unreachable(exc) from exc
        except _NO_ANSWER as exc:
            raise call.fail(errors.OutcomeUnknown, _after_sending(exc), may_exist) from exc
        if resp.status_code >= 500:
            raise call.fail(errors.OutcomeUnknown, _answered(resp), may_exist)
        reply = self._verdict(call, resp, need_json=True)
        try:
            return InvoiceLink.from_reply(reply)
        except FieldError as exc:
            raise call.fail(errors.MalformedReply, f"{exc}.", may_exist) from exc

    def iter_operations(
        self,
        start: datetime,
        end: datetime,
        *,
        page_size: int = 100,
        invoice_ids: Iterable[str] | None = None,
        workers: int = 1,
        zone: tzinfo = UTC,
    ) -> Iterator[OperationRecord]:
        """Every payment created in the half-open period [start, end), oldest first, each once.

        The whole list is read before the first record is given: every page until the bank's
        totalCount records are in (errors.RegistryIncomplete, naming the period in `zone` and
        both counts, when they never are). `workers` pages are asked for at once once the count
        is known. How the bank reads `paging.page` is found out on first use (see
        `operations_paging`) and kept for this client's later lists.
        """
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        if as_utc(end) < as_utc(start):
            raise ValueError(str(msg("epay.period_reversed",
                                     "Период заканчивается раньше, чем начинается.")))
        # The bank's "between" includes both ends: ask for [start, end] and drop what is at end.
        search: list[dict[str, Any]] = [
            {
                "name": "created_date",
                "method": "between",
                "searchParameter": [_bank_time(start), _bank_time(end)],
            }
        ]
        if invoice_ids is not None:
            wanted = [normalize_invoice_id(i) for i in invoice_ids]
            if not wanted:
                return iter(())
            search.append({"name": "invoice_id", "method": "in", "searchParameter": wanted})
        period = Period(as_utc(start), as_utc(end), zone)
        records = Registry(self, search, page_size, max(1, workers), period).read()
        inside = [r for r in records if r.created_at is None or period.holds(r.created_at)]
        inside.sort(key=lambda r: (r.created_at is None, r.created_at or period.start))
        return iter(inside)

    def test_connection(self, invoice_id: str | None = None) -> str:
        """Fetch a token and read one status; a sentence for a person, or an EpayError."""
        self.get_token()
        probe = normalize_invoice_id(invoice_id or PROBE_INVOICE)
        try:
            status = self.get_status(probe)
        except errors.InvoiceNotFound:
            found = str(msg("epay.probe_unknown", "проверка статуса работает (заказ {invoice} "
                            "банку неизвестен)", invoice=probe))
        else:
            found = str(msg("epay.probe_found", "заказ {invoice} в статусе {status} ({state})",
                            invoice=probe, status=status.status_name or "",
                            state=state_name(status.state)))
        if self.profile.has_cabinet_login:
            self.get_cabinet_token()
            found += "; " + str(msg("epay.cabinet_signed_in",
                                    "пользователь кабинета вошёл в кабинет банка"))
        host = urlsplit(self.profile.api_url).netloc
        return str(msg("epay.connected", "Связь с профилем {profile} на {host} есть: банк выдал "
                       "токен, и {found}.", profile=self.profile.name, host=host, found=found))

    # --- tokens --------------------------------------------------------------------------------
    def _fetch_client_token(self, refresh: str | None) -> Issued:
        # A client_credentials token comes without a refresh token: `refresh` is always None.
        return self._token_grant(_token_call(), {
            "grant_type": "client_credentials",
            "client_id": self.profile.client_id,
            "client_secret": self.profile.secret,
            "terminal": self.profile.terminal_id,
            "scope": SCOPE,
        }, str(msg("epay.check_client_credentials", "Проверьте client id, секрет и терминал "
                   "профиля «{profile}».", profile=self.profile.name)))

    def _fetch_cabinet_token(self, refresh: str | None) -> Issued:
        call = _cabinet_call()
        client = {"client_id": self.profile.client_id, "client_secret": self.profile.secret}
        if refresh:
            try:
                return self._token_grant(call, {
                    "grant_type": "refresh_token", "refresh_token": refresh, **client,
                }, "", errors.CabinetLoginFailed)
            except errors.AuthenticationFailed:
                log.info("%s: the refresh token was refused; signing in again", call)
        return self._token_grant(call, {
            "grant_type": "password",
            "username": self.profile.cabinet_user or "",
            "password": self.profile.cabinet_password or "",
            **client,
            "scope": SCOPE,
        }, str(msg("epay.check_cabinet_login",
                   "Проверьте пользователя и пароль кабинета в профиле «{profile}» (с ними входят "
                   "в кабинет мерчанта банка), а также его client id и секрет.",
                   profile=self.profile.name)), errors.CabinetLoginFailed)

    def _token_grant(
        self, call: _Call, form: dict[str, str], hint: str,
        refused: type[errors.EpayError] = errors.AuthenticationFailed,
    ) -> Issued:
        for name in ("client_secret", "password", "refresh_token"):
            logs.secret(form.get(name))
        try:
            resp = self._http.post(self.profile.oauth_url, data=form)
        except _NO_ANSWER as exc:
            raise call.unreachable(exc) from exc
        self._log_reply(resp)
        if resp.status_code >= 500 or resp.status_code == 429:
            raise call.fail(
                errors.TransientError,
                msg("epay.token_service_answered", "служба токенов ответила HTTP {status} "
                    "({body}).", status=str(resp.status_code), body=_describe_body(resp)),
                TRY_LATER_HINT,
            )
        if resp.status_code >= 400:
            raise call.fail(refused, msg(
                "epay.credentials_refused", "банк не принял учётные данные (HTTP {status}).",
                status=str(resp.status_code)), hint)
        try:
            reply = _load_json(resp.text)
            token = reply["access_token"]
            if not isinstance(token, str) or not token:
                raise ValueError("empty access_token")
            logs.secret(token)
            lifetime = parse_expires_in(reply["expires_in"])
            refresh = reply.get("refresh_token")
            logs.secret(refresh if isinstance(refresh, str) else None)
        except (ValueError, KeyError, TypeError, AttributeError):
            # The message describes the reply's shape only: the body itself may hold a token.
            raise call.fail(
                errors.MalformedReply,
                msg("epay.token_reply_unusable", "служба токенов ответила HTTP {status} ({body}), "
                    "но без годных access_token и expires_in.", status=str(resp.status_code),
                    body=_describe_body(resp)),
                msg("epay.check_token_address", "Проверьте адрес токенов в профиле."),
            ) from None
        log.info("%s for profile %r: valid %.0f s", call, self.profile.name, lifetime)
        return Issued(token, lifetime, refresh if isinstance(refresh, str) else None)

    def _cabinet_login_needed(self, call: _Call, why: Message) -> errors.EpayError:
        return call.fail(
            errors.CabinetLoginNeeded,
            str(msg("epay.cabinet_only", "банк разрешает это только пользователю кабинета "
                    "мерчанта, а {why}.", why=why)),
            str(msg("epay.add_cabinet_login",
                    "Добавьте пользователя и пароль кабинета в профиль «{profile}»: `halyk-desk "
                    "profile edit {profile} --cabinet-user USER --cabinet-password-stdin` или "
                    "Настройки → Профили банка.", profile=self.profile.name)),
        )

    # --- requests ------------------------------------------------------------------------------
    def _log_reply(self, resp: httpx.Response) -> None:
        # Path only: the query of a refund is harmless, but nothing else of a request is logged.
        log.debug(
            "%s %s -> HTTP %d in %.0f ms",
            resp.request.method,
            resp.request.url.path,
            resp.status_code,
            resp.elapsed.total_seconds() * 1000,
        )

    def _request(self, method: str, url: str, token: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        resp = self._http.request(method, url, headers=headers, **kwargs)
        self._log_reply(resp)
        return resp

    def _send(
        self, call: _Call, method: str, url: str, *, cabinet: bool = False, **kwargs: Any
    ) -> httpx.Response:
        """One authorised request (with the cabinet user's token when `cabinet`). A 401 means the
        bank did nothing: the request is repeated with a newer token, until a token fetched for
        this very request is refused on its first use (errors.AuthenticationFailed). After
        OWN_TOKEN_AFTER refusals the request gets a token of its own, so the loop always ends."""
        tokens = self._cabinet if cabinet else self._tokens
        lease = tokens.lease()
        refusals = 0
        while True:
            try:
                resp = self._request(method, url, lease.token, **kwargs)
            finally:
                tokens.used(lease)
            if resp.status_code == 403:
                raise call.fail(
                    errors.AuthenticationFailed,
                    str(msg("epay.forbidden", "банк не разрешает этому входу такой запрос "
                            "(HTTP 403); ничего не сделано.")),
                    str(msg("epay.forbidden_hint", "Что разрешено этому входу, видно в кабинете "
                            "мерчанта банка.")),
                )
            if resp.status_code != 401:
                return resp
            if lease.first:
                break
            refusals += 1
            log.info("%s: the bank refused an older token (HTTP 401); repeating with a newer one",
                     call)
            lease = tokens.renew(lease, own=refusals >= OWN_TOKEN_AFTER)
        raise call.fail(
            errors.AuthenticationFailed,
            str(msg("epay.fresh_token_refused", "банк отказал токену, выданному для этого самого "
                    "запроса (HTTP 401); ничего не сделано.")),
            msg("epay.check_terminal_client", "Проверьте, что терминал и client id профиля "
                "«{profile}» относятся друг к другу.", profile=self.profile.name),
        )

    def _verdict(self, call: _Call, resp: httpx.Response, *, need_json: bool) -> Any:
        """The reply's JSON (None when empty) if the bank said yes; else the matching error.

        Expects 401 and 5xx to be handled by the caller. Every reply is read as JSON whatever its
        status: refusals come as HTTP 400 {code, message} or as a resultCode other than "100".
        """
        try:
            body = _load_json(resp.text) if resp.text.strip() else None
            readable = True
        except ValueError:
            body, readable = None, False
        if resp.status_code == 429:
            raise call.fail(errors.TransientError, msg(
                "epay.slow_down", "банк попросил присылать запросы реже (HTTP 429)."),
                TRY_LATER_HINT)
        if resp.status_code >= 400:
            code = message = None
            table = errors.RESULT_CODES
            if isinstance(body, dict):
                if body.get("resultCode") is None:
                    # {code, message}: a money operation's refusal, in its own table.
                    code, message, table = body.get("code"), body.get("message"), errors.MONEY_CODES
                else:
                    code, message = body.get("resultCode"), body.get("resultMessage")
            raise call.refused(
                None if code is None else str(code),
                str(message or msg("epay.http_unexplained", "HTTP {status} без объяснения",
                                   status=str(resp.status_code))),
                table,
            )
        if not resp.is_success:  # a redirect or other oddity: not an answer from the API itself
            raise call.fail(
                errors.MalformedReply, _answered(resp),
                msg("epay.check_api_address", "Проверьте адрес API в профиле (схему, хост и "
                    "путь)."),
            )
        if not readable:
            if not need_json:
                return None  # a money operation's success body is undocumented
            raise call.fail(
                errors.MalformedReply,
                msg("epay.answered_not_json", "банк ответил HTTP {status} ({body}) вместо JSON.",
                    status=str(resp.status_code), body=_describe_body(resp)),
                CHECK_API_HINT,
            )
        if isinstance(body, dict) and body.get("resultCode") is not None:
            code = str(body["resultCode"]).strip()
            if code != "100":
                raise call.refused(code, str(body.get("resultMessage") or ""))
        return body

    def _read_once(self, call: _Call, method: str, url: str, **kwargs: Any) -> Any:
        try:
            resp = self._send(call, method, url, **kwargs)
        except _NO_ANSWER as exc:
            raise call.unreachable(exc) from exc
        if resp.status_code >= 500:
            raise call.fail(errors.TransientError, _answered(resp), TRY_LATER_HINT)
        return self._verdict(call, resp, need_json=True)

    def _read(self, call: _Call, method: str, url: str, **kwargs: Any) -> Any:
        """A request that changes nothing at the bank, retried while the failure is transient."""
        return self._retrying(call, lambda: self._read_once(call, method, url, **kwargs))

    def _retrying(self, call: _Call, attempt: Callable[[], T]) -> T:
        attempts = self._retries + 1
        number = 1
        while True:
            try:
                return attempt()
            except errors.TransientError as exc:
                if number == attempts:
                    raise call.fail(
                        errors.TransientError,
                        msg("epay.gave_up", "{failure}; попытки прекращены (всего попыток: "
                            "{attempts}).", failure=exc.detail.rstrip("."), attempts=attempts),
                        msg("epay.gave_up_hint", "Повторите через несколько минут; если "
                            "повторяется, проверьте связь и состояние банка."),
                    ) from exc
                delay = min(MAX_BACKOFF, self._backoff * 2 ** (number - 1))
                delay *= random.uniform(0.5, 1.0)  # spread out threads that failed together
                log.warning(
                    "%s: %s Attempt %d of %d, next in %.2f s.",
                    call, exc.detail, number, attempts, delay,
                )
                time.sleep(delay)
                number += 1

    def _move(self, call: _Call, action: str, params: dict[str, str]) -> None:
        """Send a money operation exactly once."""
        tx = (call.transaction_id or "").strip()
        if not tx:
            raise ValueError(str(msg("epay.no_transaction_id", "{call}: нет идентификатора "
                                     "транзакции банка.", call=str(call))))
        url = self.profile.api(f"operation/{quote(tx, safe='')}/{action}")
        self.get_token()  # token trouble is retried here, while nothing has been sent
        try:
            resp = self._send(call, "POST", url, params=params)
        except _NOT_SENT as exc:
            raise call.unreachable(exc) from exc
        except _NO_ANSWER as exc:
            log.warning("%s: outcome unknown, %s", call, _describe_failure(exc))
            raise call.fail(errors.OutcomeUnknown, _after_sending(exc), READ_STATUS_HINT) from exc
        if resp.status_code >= 500:
            log.warning("%s: outcome unknown, HTTP %d", call, resp.status_code)
            raise call.fail(errors.OutcomeUnknown, _answered(resp), READ_STATUS_HINT)
        self._verdict(call, resp, need_json=False)
        log.info("%s: accepted by the bank", call)

    def _cabinet_read(self, call: _Call, url: str, body: dict[str, Any]) -> Any:
        """POST `body` to an endpoint the bank documents under the cabinet user's login: with
        that login when the profile has one; else with the client's own token, which some banks
        accept, and when refused, an error that says which login to add."""
        if self.profile.has_cabinet_login:
            return self._read(call, "POST", url, json=body, cabinet=True)
        try:
            return self._read(call, "POST", url, json=body)
        except errors.AuthenticationFailed as exc:
            raise self._cabinet_login_needed(call, msg(
                "epay.client_token_refused",
                "в профиле его нет (токен самого клиента банк не принял)")) from exc

    def operations_page(
        self, search: list[dict[str, Any]], page: int, size: int
    ) -> tuple[list[OperationRecord], int | None]:
        """One /operations request as asked (see epay.registry for the whole list): its records,
        typed, and the totalCount the bank announced (None without one)."""
        call = _Call(str(msg("epay.op.operations_list", "список операций")))
        body = {
            "paging": {"page": page, "size": size},
            "searchParameters": search,
            # Oldest first: payments created while we page land at the end, not between pages.
            "orderParameters": [{"field": "created_date", "typeOrder": "ASC"}],
        }
        raw, total = self._page(call, self._cabinet_read(call, self.profile.api("operations"),
                                                         body))
        try:
            return [OperationRecord.from_record(r) for r in raw], total
        except FieldError as exc:
            raise call.fail(errors.MalformedReply, f"{exc}.", TELL_SUPPORT_HINT) from exc

    def _page(self, call: _Call, reply: Any) -> tuple[list[dict[str, Any]], int | None]:
        """The records of one /operations page and the total the bank announced, if any."""
        if reply is None:
            return [], 0  # the bank answers an empty 200 when nothing matches
        records: list[Any] | None
        if isinstance(reply, list):
            records, total = reply, None
        elif isinstance(reply, dict):
            records = reply.get("records")
            total = _count(reply.get("totalCount"))
            if records is None:
                # An unknown shape that may hold records must not read as "no payments".
                if total or any(isinstance(v, list) for v in reply.values()):
                    raise call.fail(
                        errors.MalformedReply,
                        msg("epay.list_no_records", "в списке банка нет поля records."),
                        LIST_CHANGED_HINT,
                    )
                return [], total
        else:
            records, total = None, None
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise call.fail(
                errors.MalformedReply,
                msg("epay.list_not_records", "список банка — не список записей."),
                LIST_CHANGED_HINT,
            )
        return records, total

