"""What can go wrong talking to ePay, as a few classes a caller can act on.

For a money operation (confirm, cancel, refund) the class says what the bank did:
  BankRefused, TransientError, AuthenticationFailed — nothing was done; the request may be
      corrected or tried again later;
  OutcomeUnknown, MalformedReply — the bank may have done it: read the payment's status before
      doing anything else to it.
Messages name the operation, the payment and what to do; they never carry the secret or a token.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from halyk_desk.domain.text import neutralise
from halyk_desk.messages import Message, msg

#: resultCode meanings from epay-api.md; the codes arrive as strings.
RESULT_MEANINGS = {
    "101": msg("epay.code_101", "банк отклонил запрос"),
    "102": msg("epay.code_102", "у банка нет платежа с таким invoiceId"),
    "103": msg("epay.code_103", "у банка внутренняя ошибка"),
    "104": msg("epay.code_104", "в токене нет терминала"),
    "106": msg("epay.code_106", "платёж относится к другому терминалу"),
    "107": msg("epay.code_107", "по этому платежу в банке уже идёт другая операция"),
    "109": msg("epay.code_109", "терминал не относится к этому client id"),
}

#: What a person should do about each refusal code.
RESULT_HINTS = {
    "101": msg("epay.hint_101", "Посмотрите статус платежа в кабинете банка; этот запрос банк "
               "не примет."),
    "102": msg("epay.hint_102", "Проверьте номер заказа; покупатель мог не заплатить или "
               "заплатить под другим номером."),
    "103": msg("epay.hint_103", "Повторите через несколько минут."),
    "104": msg("epay.hint_104", "Проверьте идентификатор терминала в настройках профиля."),
    "106": msg("epay.hint_106", "Проверьте, что этот заказ оплачен через терминал этого "
               "профиля."),
    "107": msg("epay.hint_107", "Подождите минуту и повторите."),
    "109": msg("epay.hint_109", "Client id и терминал в профиле не относятся друг к другу; "
               "скопируйте оба из кабинета мерчанта банка."),
}

#: Codes that mean "try again later": the bank did nothing this time.
RETRYABLE_CODES = frozenset({"103", "107"})


@dataclass(frozen=True)
class CodeTable:
    """What the bank's refusal codes of one kind of reply mean, and what to do about them."""

    meanings: Mapping[str, Message]
    hints: Mapping[str, Message]
    retryable: frozenset[str]
    not_found: frozenset[str]


#: The status check's `resultCode` (epay-api.md).
RESULT_CODES = CodeTable(RESULT_MEANINGS, RESULT_HINTS, RETRYABLE_CODES, frozenset({"102"}))

#: The `code` of HTTP 400 {code, message} replies to confirm, cancel and refund: their own table,
#: never the status check's (102 there is "no such invoice"; here it could be anything). The bank
#: publishes no list of these codes, so no code is given a meaning, a retry or "not found" by its
#: number: a person reads the bank's own message with its code. The sandbox's codes
#: (sandbox.bank.RefusalCode) are invented by the sandbox and are deliberately not listed here.
MONEY_CODES = CodeTable({}, {}, frozenset(), frozenset())


def subject(operation: str, invoice_id: str | None, transaction_id: str | None) -> str:
    """E.g. "Refund for invoice 000123456"; names the transaction when the invoice is unknown."""
    if invoice_id:
        text = str(msg("epay.subject_invoice", "{operation} по заказу {invoice}",
                       operation=operation, invoice=invoice_id))
    elif transaction_id:
        text = str(msg("epay.subject_transaction", "{operation}, транзакция {transaction}",
                       operation=operation, transaction=transaction_id))
    else:
        text = operation
    return text[:1].upper() + text[1:]


class EpayError(Exception):
    """Base of every ePay failure. `operation` is e.g. "status check", `hint` what to do next."""

    def __init__(
        self,
        message: str,
        *,
        operation: str,
        invoice_id: str | None = None,
        transaction_id: str | None = None,
        hint: str = "",
    ) -> None:
        self.operation = operation
        self.invoice_id = invoice_id
        self.transaction_id = transaction_id
        self.hint = hint
        self.detail = message
        text = f"{subject(operation, invoice_id, transaction_id)}: {message} {hint}"
        super().__init__(text.strip())


class BankRefused(EpayError):
    """The bank answered and said no (HTTP 400 {code, message} or a resultCode other than 100)."""

    def __init__(
        self,
        code: str | None,
        bank_message: str,
        *,
        operation: str,
        invoice_id: str | None = None,
        transaction_id: str | None = None,
        hint: str = "",
        table: CodeTable | None = None,
    ) -> None:
        self.code = code
        self.bank_message = bank_message = neutralise(bank_message) or ""
        table = table or RESULT_CODES
        meaning = table.meanings.get(code or "")
        quoted = bank_message.strip().rstrip(".")
        said = str(msg("epay.refused_code", "банк отказал (код {code}): {said}", code=code,
                       said=quoted) if code else msg("epay.refused", "банк отказал: {said}",
                                                     said=quoted))
        if meaning:
            said += f" — {meaning}"
        known_hint = table.hints.get(code or "")
        super().__init__(
            said + ".",
            operation=operation,
            invoice_id=invoice_id,
            transaction_id=transaction_id,
            hint=hint or (str(known_hint) if known_hint else ""),
        )


class InvoiceNotFound(BankRefused):
    """resultCode 102: the bank knows no payment for this invoiceId."""


class TransientError(EpayError):
    """The bank was unavailable or busy and did nothing; trying again later is safe."""


class OutcomeUnknown(EpayError):
    """A money operation was sent but no answer came back: the bank may or may not have done it."""


class AuthenticationFailed(EpayError):
    """The token endpoint refused the credentials, or the API refused a fresh token."""


class CabinetLoginNeeded(AuthenticationFailed):
    """The bank lets only the merchant cabinet's user do this, and the profile has no such login
    (or the bank refused the one it has)."""


class CabinetLoginFailed(AuthenticationFailed):
    """The bank refused the cabinet user's login (user, password, or the client with them)."""


class MalformedReply(EpayError):
    """The bank's reply could not be read (HTML, not JSON, fields missing or garbled)."""


class RegistryIncomplete(MalformedReply):
    """The operations list never reached the count the bank announced for it."""
