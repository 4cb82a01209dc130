"""The bank's callbacks (postLink): kept as received, checked against the bank, never trusted.

A callback carries no signature. The program's own links put a random secret in the callback
address; a callback whose secret matches its order's link (compared in constant time) is
"verified", any other is kept as "unverified" and shown. Either way the only thing a callback does
is make the program read the payment's status from the bank and store what the bank says
(operations.read_status): a callback never moves the store's money state by itself.

Callbacks about orders the profile does not have are kept but checked with nobody: a stranger
cannot make the program query the bank for arbitrary numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from halyk_desk.domain import InvoiceIdError, normalize_invoice_id, utc_now
from halyk_desk.epay.errors import EpayError, InvoiceNotFound
from halyk_desk.messages import Message, MessageError, msg
from halyk_desk.services.bank import open_bank
from halyk_desk.services.links import SECRET_PARAM, secret_digest
from halyk_desk.services.operations import read_status
from halyk_desk.store import links as store_links

if TYPE_CHECKING:
    from halyk_desk.epay import EpayClient
    from halyk_desk.services.context import AppContext

log = logging.getLogger(__name__)

#: Largest callback body kept; the bank's are a few hundred bytes.
MAX_BODY = 64 * 1024
NOT_FOUND = "NOT_FOUND"


class CallbackImportError(MessageError, ValueError):
    """A log file that cannot be imported as a whole; nothing was stored."""

#: Why a callback is unverified: stored by code, shown in the reader's language (problem_text).
PROBLEMS: dict[str, Message] = {
    "not_json": msg("callbacks.not_json", "не JSON"),
    "no_invoice": msg("callbacks.no_invoice", "нет верного invoiceId"),
    "no_link": msg("callbacks.no_link", "у этого заказа нет ссылки, созданной программой"),
    "no_secret": msg("callbacks.no_secret", "нет секрета"),
    "wrong_secret": msg("callbacks.wrong_secret", "неверный секрет"),
}


def problem_text(problem: str | None) -> str | None:
    """A stored problem code in the current language."""
    return None if problem is None else str(PROBLEMS.get(problem, problem))


@dataclass(frozen=True)
class Receipt:
    """What storing one callback did."""

    callback_id: int | None
    #: False when the same body was stored before (a repeat delivery).
    new: bool
    invoice_id: str | None
    verified: bool
    problem: str | None
    #: Whether a status check is due: the body names an order of this profile.
    check: bool


@dataclass(frozen=True)
class _Parsed:
    invoice_id: str | None
    code: str | None
    secret: str | None
    problem: str | None


def _parse(body: bytes, query_secret: str | None) -> _Parsed:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _Parsed(None, None, query_secret, "not_json")
    if not isinstance(data, dict):
        return _Parsed(None, None, query_secret, "not_json")
    raw_invoice = next((data[k] for k in ("invoiceId", "invoiceID", "invoice_id")
                        if data.get(k) not in (None, "")), None)
    try:
        invoice = normalize_invoice_id(raw_invoice) if raw_invoice is not None else None
    except InvoiceIdError:
        invoice = None
    code = data.get("code")
    secret = query_secret or (str(data["secret_hash"]) if data.get("secret_hash") else None)
    problem = None if invoice is not None else "no_invoice"
    return _Parsed(invoice, None if code is None else str(code)[:32], secret, problem)


def _verify(stored_digest: str | None, secret: str | None) -> str | None:
    """Why the callback is not verified, or None when its secret is the link's."""
    if stored_digest is None:
        return "no_link"
    if not secret:
        return "no_secret"
    # Compared in constant time: a wrong guess takes as long however close it was.
    if not hmac.compare_digest(secret_digest(secret), stored_digest):
        return "wrong_secret"
    return None


def receive(ctx: AppContext, body: bytes, query: Mapping[str, str] | None = None, *,
            source: str = "http", received_at: datetime | None = None) -> Receipt:
    """Store one callback as received (once per distinct body) and say whether to check it."""
    if len(body) > MAX_BODY:
        raise ValueError(f"callback body over {MAX_BODY} bytes")  # the receiver refuses it first
    parsed = _parse(body, (query or {}).get(SECRET_PARAM))
    text = body.decode("utf-8", "replace")
    digest = hashlib.sha256(body).hexdigest()
    profile = ctx.profile.name
    with ctx.store.session() as session:
        known = parsed.invoice_id is not None and store_links.order_exists(
            session, profile, parsed.invoice_id)
        problem = parsed.problem
        if parsed.invoice_id is not None and problem is None:
            problem = _verify(store_links.link_secret(session, profile, parsed.invoice_id),
                              parsed.secret)
        callback_id = store_links.add_callback(
            session, profile, received_at=received_at or utc_now(), source=source, body=text,
            body_sha256=digest, invoice_id=parsed.invoice_id, code=parsed.code,
            verified=problem is None, problem=problem)
    if problem is not None:
        # Info, not a warning: a flood of forged notices must not flood the journal; each one is
        # stored and shown anyway.
        log.info("Unverified callback for order %s: %s", parsed.invoice_id, problem)
    return Receipt(callback_id, callback_id is not None, parsed.invoice_id, problem is None,
                   problem, check=callback_id is not None and known)


def check(ctx: AppContext, client: EpayClient, invoice_id: str) -> str | None:
    """Read the payment's status from the bank because of callbacks about this order, keep it
    (like a sync read) and note on them what the bank said; the bank's statusName, or None on
    failure (they stay unchecked and are checked again later)."""
    try:
        status: str | None = read_status(ctx, client, invoice_id).status_name
        error = None
    except InvoiceNotFound:
        status, error = NOT_FOUND, None
    except EpayError as exc:
        status, error = None, str(exc)[:500]
    with ctx.store.session() as session:
        store_links.mark_checked(session, ctx.profile.name, invoice_id,
                                 at=utc_now() if status else None, status=status, error=error)
    return status


def unchecked(ctx: AppContext) -> list[store_links.CallbackRecord]:
    with ctx.store.session(readonly=True) as session:
        return store_links.unchecked_callbacks(session, ctx.profile.name)


def list_callbacks(ctx: AppContext, invoice_id: str | None = None) -> list[
        store_links.CallbackRecord]:
    with ctx.store.session(readonly=True) as session:
        return store_links.list_callbacks(session, ctx.profile.name, invoice_id)


@dataclass(frozen=True)
class ImportSummary:
    lines: int
    stored: int
    repeats: int
    unverified: int
    checked: int
    check_failures: int


def _log_entries(lines: Iterable[str]) -> list[tuple[bytes, dict[str, str]]]:
    """Each line: a callback body (a JSON object), or {"body": <object or text>, "query": "..."}
    as a web server's log writes it. Every bad line is listed; none is taken unless all are good.
    """
    entries: list[tuple[bytes, dict[str, str]]] = []
    problems: list[Message] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError:
            problems.append(msg("callbacks.line_not_json", "строка {line}: не JSON", line=number))
            continue
        if not isinstance(item, dict):
            problems.append(msg("callbacks.line_not_object", "строка {line}: не объект JSON",
                                line=number))
            continue
        query: dict[str, str] = {}
        if "body" in item:
            body = item["body"]
            raw_query = item.get("query") or ""
            if isinstance(raw_query, str):
                query = dict(parse_qsl(raw_query.lstrip("?")))
            data = body.encode("utf-8") if isinstance(body, str) else json.dumps(
                body, ensure_ascii=False).encode("utf-8")
        else:
            data = line.strip().encode("utf-8")
        if len(data) > MAX_BODY:
            problems.append(msg("callbacks.line_too_long", "строка {line}: длиннее {limit} байт",
                                line=number, limit=MAX_BODY))
            continue
        entries.append((data, query))
    if problems:
        listed = "; ".join(str(p) for p in problems[:20]) + ("; …" if len(problems) > 20 else "")
        raise CallbackImportError(msg(
            "callbacks.bad_log", "Ничего не загружено: {problems}. Каждая строка — одно "
            "уведомление в JSON (или объект с полями body и query).", problems=listed))
    return entries


def import_file(ctx: AppContext, path: Path | str) -> ImportSummary:
    """Read a JSON-lines log of callbacks and take each the same way the receiver does: kept
    once, verified or not, then the bank's status read for each new one about a known order."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CallbackImportError(msg(
            "callbacks.unreadable", "Не удаётся прочитать {path}: {error}. Нужен файл JSON Lines "
            "в UTF-8.", path=str(path), error=str(exc))) from exc
    entries = _log_entries(text.splitlines())
    receipts = [receive(ctx, body, query, source="import") for body, query in entries]
    due = list(dict.fromkeys(r.invoice_id for r in receipts if r.check and r.invoice_id))
    checked = failures = 0
    if due:
        with open_bank(ctx) as client:
            for invoice_id in due:
                if check(ctx, client, invoice_id) is None:
                    failures += 1
                else:
                    checked += 1
    return ImportSummary(
        lines=len(entries), stored=sum(r.new for r in receipts),
        repeats=sum(not r.new for r in receipts),
        unverified=sum(r.new and not r.verified for r in receipts),
        checked=checked, check_failures=failures)


def describe(record: store_links.CallbackRecord) -> Message:
    """Whether the callback was verified and what the bank said when it was checked."""
    trust = msg("callbacks.verified", "проверено") if record.verified else msg(
        "callbacks.unverified", "НЕ ПРОВЕРЕНО ({problem})", problem=problem_text(record.problem))
    if record.checked_status == NOT_FOUND:
        bank = msg("callbacks.bank_has_none", "у банка нет платежа")
    elif record.checked_status:
        bank = msg("callbacks.bank_says", "банк: {status}", status=record.checked_status)
    else:
        bank = msg("callbacks.not_checked", "статус у банка ещё не прочитан")
    return msg("callbacks.describe", "{trust}; {bank}", trust=trust, bank=bank)


def to_json(record: store_links.CallbackRecord) -> dict[str, Any]:
    return {
        "id": record.id, "received_at": record.received_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "source": record.source, "invoice_id": record.invoice_id, "code": record.code,
        "verified": record.verified, "problem": record.problem,
        "problem_text": problem_text(record.problem),
        "checked_at": record.checked_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        if record.checked_at else None,
        "bank_status": record.checked_status, "check_error": record.check_error,
    }
