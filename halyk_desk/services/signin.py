"""Who is acting: an operator who proved it, never a bare name.

On one computer (SQLite) the operating system's login proves the OS user: that user acts as the
operator of the same name without a password, and on a store without operators becomes its first
admin (so a fresh installation opens straight onto the sandbox). Acting as anyone else needs their
password (halyk_desk.services.passwords). Wrong passwords in a row make the next try wait longer,
and every failed or refused sign-in lands in the audit log.

On a team database (PostgreSQL) the database's own login is the operator (`current_user`); the
database itself enforces what each login may do (halyk_desk.services.team), so naming another
operator is refused.

Whoever is not a registered, active operator can do nothing, reading included: the command line
stops before reading or sending anything (exit 4) and the window asks to sign in.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from halyk_desk.domain import as_utc, utc_now
from halyk_desk.logs import default_operator
from halyk_desk.messages import Message, msg
from halyk_desk.services import audit, operators, passwords
from halyk_desk.services.operators import NotAllowed, OperatorError, OperatorInfo
from halyk_desk.store import Session, Store
from halyk_desk.store import operators as stored
from halyk_desk.store.errors import ProgrammingError
from halyk_desk.store.records import OperatorRecord

#: Wrong passwords in a row that cost nothing; each one after doubles the wait, up to the cap.
FREE_TRIES = 2
MAX_WAIT = timedelta(minutes=5)


class SignInRefused(NotAllowed):
    """Nobody proven is acting: nothing was read or sent. The message says what to do."""


def os_user() -> str:
    """The operating system's login name: who the OS login proved is at the keyboard."""
    return default_operator()


def wait_after(failures: int) -> timedelta:
    """How long the next try waits after `failures` wrong passwords in a row."""
    if failures <= FREE_TRIES:
        return timedelta(0)
    doublings = min(failures - FREE_TRIES - 1, 30)
    return min(timedelta(seconds=2 ** doublings), MAX_WAIT)


def is_team(store: Store) -> bool:
    return store.dialect == "postgresql"


def database_login(session: Session) -> str:
    return stored.database_login(session)


@dataclass(frozen=True)
class _Failure:
    message: Message
    why: str


def _refused(why: Message) -> SignInRefused:
    return SignInRefused(msg("signin.refused", "{why} Ничего не прочитано и не отправлено.",
                             why=why))


def _record_failure(store: Store, *, by: str, name: str, why: str, failures: int | None) -> None:
    """A failed or refused sign-in, in the audit log (its own transaction: it must stay)."""
    details: dict[str, object] = {"as": name, "why": why}
    if failures is not None:
        details["failures_in_a_row"] = failures
    with store.session() as session:
        audit.append(session, operator=by, action="signin.failed", subject=f"operator:{name}",
                     details=details)


def _check(row: OperatorRecord | None, name: str, password: str | None,
           now: datetime) -> _Failure | None:
    """Why `password` does not prove `name`, or None when it does."""
    if row is None:
        return _Failure(msg("signin.no_such", "Оператора «{name}» нет: операторов добавляет "
                            "администратор (`halyk-desk operator add ИМЯ --role РОЛЬ "
                            "--password-stdin`).", name=name), "not_registered")
    if not row.active:
        return _Failure(msg("signin.disabled", "Оператор «{name}» отключён: включить его "
                            "снова может администратор (`halyk-desk operator add`).", name=name),
                        "disabled")
    if row.signin_wait_until is not None and as_utc(row.signin_wait_until) > now:
        seconds = int((as_utc(row.signin_wait_until) - now).total_seconds()) + 1
        return _Failure(msg("signin.wait", "Слишком много неверных паролей для «{name}» "
                            "подряд: попробуйте снова через {seconds} с.", name=name,
                            seconds=seconds), "waiting_after_wrong_passwords")
    if not row.password_hash:
        return _Failure(msg("signin.no_password_set", "У оператора «{name}» ещё нет пароля: "
                            "его задаёт администратор (`halyk-desk operator passwd {name} "
                            "--password-stdin`).", name=name), "no_password_set")
    if password is None:
        return _Failure(msg("signin.password_needed", "Чтобы действовать как «{name}», нужен "
                            "его пароль: введите его, когда спросят, или передайте на "
                            "стандартный ввод с --password-stdin.", name=name),
                        "no_password_given")
    if not passwords.verify(password, row.password_hash):
        return _Failure(msg("signin.wrong_password", "Неверный пароль оператора «{name}».",
                            name=name), "wrong_password")
    return None


def authenticate(store: Store, name: str, password: str | None, *, by: str) -> OperatorInfo:
    """The operator `name` if `password` is theirs; else SignInRefused (and the failure audited,
    `by` being who tried). A wrong password makes the next try for `name` wait (wait_after).
    Checks no role: that is the services' business."""
    name = (name or "").strip()
    with store.session(readonly=True) as session:
        row = stored.find(session, name)
        failure = _check(row, name, password, utc_now())
        info = operators.operator_info(row) if row is not None else None
        had_failures = row is not None and row.failed_signins > 0
    if failure is None and info is not None:
        if had_failures:  # written only then: a sign-in must not wait for another writer
            with store.session() as session:
                stored.set_signin_failures(session, name, 0, None)
        return info
    failures = None
    if failure is not None and failure.why == "wrong_password":
        with store.session() as session:
            row = stored.find(session, name)
            if row is not None:
                failures = row.failed_signins + 1
                stored.set_signin_failures(session, name, failures,
                                           utc_now() + wait_after(failures))
    assert failure is not None
    _record_failure(store, by=by, name=name, why=failure.why, failures=failures)
    raise _refused(failure.message)


def _refuse_unregistered(store: Store, name: str, *, team: bool) -> SignInRefused:
    if team:
        message = msg("signin.login_not_operator", "Логин базы «{name}» — не оператор этой "
                      "базы: роль ему даёт администратор (`halyk-desk db grant {name} --role "
                      "РОЛЬ`).", name=name)
    else:
        message = msg("signin.os_user_not_operator", "Вы вошли в компьютер как «{name}», а "
                      "такого действующего оператора здесь нет (или он отключён): добавить вас "
                      "может администратор (`halyk-desk operator add {name} --role РОЛЬ`); или "
                      "действуйте как оператор с --operator ИМЯ и его паролем.", name=name)
    # A login without the right to write cannot be recorded here: the server's log has it.
    with contextlib.suppress(ProgrammingError):
        _record_failure(store, by=name, name=name, why="not_an_active_operator", failures=None)
    return _refused(message)


def owns_the_schema(session: Session) -> bool:
    """Whether the database login owns the program's tables (or is a superuser): it can do
    anything there anyway, so it is the team's admin — the one who runs `db copy` and then
    `db grant` for everyone."""
    return stored.owns_the_schema(session)


def _owner_as_admin(session: Session, name: str) -> OperatorInfo:
    row = stored.add(session, name=name, role="admin", created_at=utc_now(), created_by=None)
    audit.append(session, operator=name, action="operator.bootstrap",
                 subject=f"operator:{name}", details={"role": "admin", "why": "schema_owner"})
    return operators.operator_info(row)


def _own(store: Store, name: str, *, team: bool) -> str:
    """`name` proven by the OS or the database: registered and active, the first admin of an
    empty store, or on a team database the owner of its tables."""
    try:
        with store.session(readonly=True) as session:
            row = stored.find(session, name)
            info = operators.operator_info(row) if row is not None else None
    except ProgrammingError:  # a login the database lets in but gives no right to read
        raise _refused(msg("signin.login_without_rights", "У логина базы «{name}» нет прав в "
                           "этой базе: роль ему даёт администратор (`halyk-desk db grant {name} "
                           "--role РОЛЬ`).", name=name)) from None
    if info is None:  # maybe the first operator of an empty store: that needs a write
        with store.session() as session:
            info = operators.identify(session, name)
            if info is None and team and owns_the_schema(session):
                info = _owner_as_admin(session, name)
    if info is None or not info.active:
        raise _refuse_unregistered(store, name, team=team)
    return info.name


def resolve(store: Store, requested: str | None,
            password: Callable[[str], str | None]) -> str:
    """The proven operator for a command: the database login on PostgreSQL, the OS user on
    SQLite, or `requested` with the password `password(requested)` gives. SignInRefused when
    nobody is proven."""
    if is_team(store):
        if requested:
            raise _refused(msg("signin.operator_on_team", "--operator не принимается в общей "
                               "базе (PostgreSQL): там оператор — логин базы. Подключайтесь "
                               "под своим логином (--db postgresql://ИМЯ@сервер/база)."))
        with store.session(readonly=True) as session:
            login = database_login(session)
        return _own(store, login, team=True)
    me = os_user()
    if not requested or requested.strip() == me:
        return _own(store, me, team=False)
    return authenticate(store, requested, password(requested.strip()), by=me).name


def window_operator(store: Store, *, shared_computer: bool) -> str | None:
    """Who the window acts as without asking: on PostgreSQL the database login; on SQLite the OS
    user when an active operator (or the first admin of an empty store, so that a fresh
    installation opens straight onto the sandbox) — unless several people share this computer's
    OS account. None: the window asks who is working (authenticate)."""
    if is_team(store):
        return resolve(store, None, lambda _name: None)
    if shared_computer:
        return None
    try:
        return _own(store, os_user(), team=False)
    except SignInRefused:
        return None


def set_password(store: Store, actor: str, name: str, password: str) -> None:
    """Give `name` a new password: an admin for anyone, anyone for themselves. Audited (never
    the password)."""
    hashed = passwords.hash_password(password)
    with operators.refusals_audited(store, actor, "operator.passwd"), store.session() as session:
        if actor != name:
            operators.require_in(session, actor, operators.OPERATORS)
        if stored.change(session, name, password_hash=hashed) is None:
            raise OperatorError(msg("operators.no_such", "Оператора «{name}» нет; список "
                                    "операторов — в настройках или `halyk-desk operator list`.",
                                    name=name))
        audit.append(session, operator=actor, action="operator.passwd",
                     subject=f"operator:{name}", details={"by": actor})
