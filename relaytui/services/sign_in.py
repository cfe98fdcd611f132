"""Passwords and signing in: hashing, one-time passwords, logging in and lockout.

Passwords are hashed with argon2id and never leave this module, never reach the audit trail.
Five failed logins in a row lock an account until an administrator unlocks it
(:func:`relaytui.services.accounts.unlock_user`). Plain Python, no Textual.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import update
from sqlmodel import Session, col, select

from relaytui.db import Store
from relaytui.errors import AccountClosed, DomainError, InvalidInput, LoginFailed, NotAllowed
from relaytui.i18n import _
from relaytui.models import Staff
from relaytui.services import access, audit, clock
from relaytui.services.access import StaffRef

#: Failed logins in a row that lock an account.
MAX_FAILED_LOGINS = 5
PASSWORD_MAX = 1024

_hasher = PasswordHasher(type=Type.ID)
_dummy_hash: str | None = None


# --- passwords ----------------------------------------------------------------------------


def set_password_hasher(hasher: PasswordHasher | None) -> None:
    """Use another argon2id hasher (tests use cheap parameters); ``None`` restores the default."""
    global _hasher, _dummy_hash
    _hasher = hasher if hasher is not None else PasswordHasher(type=Type.ID)
    _dummy_hash = None


def check_password(password: str | None) -> str:
    """Refuse an empty password; returns it unchanged otherwise."""
    if password is None or not password.strip():
        raise InvalidInput(
            _(
                "The password cannot be empty. Choose a password, preferably a long passphrase "
                "of several words."
            )
        )
    if len(password) > PASSWORD_MAX:
        raise InvalidInput(
            _("The password is too long: at most {n} characters.").format(n=PASSWORD_MAX)
        )
    return password


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (refused when empty)."""
    return _hasher.hash(check_password(password))


def verify_password(password_hash: str, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


#: Letters and digits that cannot be mistaken for one another when read aloud or from paper.
ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def one_time_password() -> str:
    """A password for a new account or a reset: three groups of four (about 59 bits), to be
    handed to the person and changed by them at their first login."""
    return "-".join(
        "".join(secrets.choice(ONE_TIME_ALPHABET) for _i in range(4)) for _g in range(3)
    )


def _dummy_verify(password: str) -> None:
    """As much work as a real check, so a missing username does not answer faster."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("relaytui: no such user")
    verify_password(_dummy_hash, password)


# --- logging in ---------------------------------------------------------------------------


def _refused_login() -> str:
    """The one answer to an unknown username, a wrong password and a locked account: a
    different one would tell anyone which usernames exist."""
    return _(
        "Wrong username or password, or the account is locked. Check both; after five "
        "failed tries, ask an administrator to unlock it."
    )


def _locked_login() -> str:
    return _(
        "This account is locked after too many failed logins. Ask an administrator to unlock it."
    )


def _disabled_login() -> str:
    return _("This account is disabled. Ask an administrator if you need access again.")


def authenticate(store: Store, username: str, password: str, *, via: str = "") -> StaffRef:
    """Log in; returns the acting person, or raises LoginFailed.

    An unknown username, a wrong password and a locked account get the same message, so that
    no answer tells which usernames exist (a locked account raises AccountClosed, which ends a
    session that is open); a disabled account says so only to whoever typed its password.
    Each failure counts; the fifth in a row locks the account. The counter and the audit events are committed even
    though the login fails. ``via`` says where from ("ssh 10.0.0.7", "web", "command line")
    and is kept with the login's audit event.
    """
    via = " ".join(str(via).split())[:120]
    name = (username or "").strip().lower()
    if not name or not password:
        raise LoginFailed(_("Type your username and your password."))
    # The slow password check runs before the write transaction, so that it holds no lock.
    seen, correct, new_hash = _check_before_locking(store, name, password)

    failure: LoginFailed | None = None
    ref: StaffRef | None = None
    with store.session(write=True) as session:
        staff = session.exec(select(Staff).where(Staff.username == name).with_for_update()).first()
        if staff is not None and staff.password_hash != seen:
            # The password was reset in between: check against the new one.
            correct = verify_password(staff.password_hash, password)
            new_hash = None
        if staff is None:
            # The typed name is not kept: it may be a password typed in the wrong field.
            audit.record(
                session,
                staff_id=None,
                username="",
                action="login_failed",
                detail=_with_via("unknown username", via),
            )
            failure = LoginFailed(_refused_login())
        elif staff.locked or not staff.active:
            failure = _refuse_closed_account(session, staff, correct, via)
        elif correct:
            ref = _log_in(session, staff, new_hash, via)
        else:
            failure = _count_failed_login(session, staff, via)
    # Raised only now, so that the counter and the audit events above are committed.
    if failure is not None:
        raise failure
    assert ref is not None
    return ref


def _check_before_locking(
    store: Store, name: str, password: str
) -> tuple[str | None, bool, str | None]:
    """The stored hash as read, whether the password matches it, and a new hash when the
    hasher's parameters changed; a missing username costs as much work as a wrong password."""
    with store.session() as session:
        seen = session.exec(select(Staff.password_hash).where(Staff.username == name)).first()
    if seen is None:
        _dummy_verify(password)
        correct = False
    else:
        correct = verify_password(seen, password)
    rehash = correct and seen is not None and _hasher.check_needs_rehash(seen)
    new_hash = _hasher.hash(password) if rehash else None
    return seen, correct, new_hash


def _refuse_closed_account(session: Session, staff: Staff, correct: bool, via: str) -> LoginFailed:
    """The refusal of a locked or disabled account, in the audit trail."""
    if staff.locked:
        audit.record(
            session,
            staff_id=staff.id,
            username=staff.username,
            action="login_failed",
            detail=_with_via("account locked", via),
        )
        return AccountClosed(_refused_login())
    audit.record(
        session,
        staff_id=staff.id,
        username=staff.username,
        action="login_failed",
        detail=_with_via("account disabled", via),
    )
    # Only someone who knows the password learns that the account is disabled.
    return AccountClosed(_disabled_login()) if correct else LoginFailed(_refused_login())


def _log_in(session: Session, staff: Staff, new_hash: str | None, via: str) -> StaffRef:
    """A correct password: the failure count starts again and the login is in the trail."""
    if new_hash is not None:
        staff.password_hash = new_hash
    staff.failed_logins = 0
    staff.last_login_at = clock.now()
    session.add(staff)
    audit.record(session, staff_id=staff.id, username=staff.username, action="login", detail=via)
    session.flush()
    return access.to_ref(staff)


def _count_failed_login(session: Session, staff: Staff, via: str) -> LoginFailed:
    """A wrong password counts; the fifth in a row locks the account (both in the trail)."""
    staff.failed_logins = (staff.failed_logins or 0) + 1
    audit.record(
        session,
        staff_id=staff.id,
        username=staff.username,
        action="login_failed",
        detail=_with_via(f"wrong password ({staff.failed_logins} in a row)", via),
    )
    if staff.failed_logins >= MAX_FAILED_LOGINS:
        staff.locked = True
        staff.version += 1
        audit.record(
            session,
            staff_id=staff.id,
            username=staff.username,
            action="account_locked",
            detail=f"{staff.failed_logins} failed logins in a row",
        )
        failure: LoginFailed = AccountClosed(_refused_login())
    else:
        failure = LoginFailed(_refused_login())
    session.add(staff)
    session.flush()
    return failure


def _with_via(detail: str, via: str) -> str:
    return f"{detail}; {via}" if via else detail


def session_ref(store: Store, staff_id: int) -> StaffRef:
    """The person a server session was opened for, read again from the database.

    ``relaytui serve`` authenticates (password or key) before it starts the session's own
    process; that process starts from here, and is refused if the account was disabled or
    locked in the meantime.
    """
    with store.session() as session:
        staff = session.get(Staff, staff_id)
        if staff is None or not staff.active:
            raise AccountClosed(_disabled_login())
        if staff.locked:
            raise AccountClosed(_locked_login())
        return access.to_ref(staff)


def command_line_login(
    store: Store, username: str, password: str, *, command: str, arguments: str = "", admin: bool
) -> StaffRef:
    """Log in at the server's command line to run ``command`` ("user list", "export
    minutes") with ``arguments`` (kept in the trail, never a password); ``admin``: only an
    administrator may run it.

    The login and the command are both in the audit trail, a refusal too. A one-time password
    is changed first (``relaytui password``), as at the app's login.
    """
    ref = authenticate(store, username, password, via="command line")
    detail = " ".join(f"{command} {arguments}".split())[:300]
    failure: DomainError | None = None
    with store.session(write=True) as session:
        staff = access.acting(session, ref)
        assert staff is not None
        if staff.must_change_password:
            failure = LoginFailed(
                _(
                    "{username} has a one-time password. Choose your own first: relaytui password "
                    "--user {username}"
                ).format(username=staff.username)
            )
        elif admin and staff.role != "admin":
            failure = NotAllowed(
                _(
                    "Only an administrator can run 'relaytui {command}'. Log in as an administrator "
                    "with --user."
                ).format(command=command)
            )
        audit.record(
            session,
            staff_id=staff.id,
            username=staff.username,
            action="command_refused" if failure is not None else "command",
            detail=detail,
        )
    if failure is not None:
        raise failure
    return ref


def change_password(
    store: Store, username: str, current: str, new: str, *, via: str = "password change"
) -> StaffRef:
    """A person chooses a new password, proving who they are with the one they have (a
    one-time password included). A wrong current password counts toward the lockout like a
    failed login. Returns the person as now logged in."""
    check_password(new)
    if new == current:
        raise InvalidInput(_("Choose a password that differs from the one you have now."))
    me = authenticate(store, username, current, via=via)
    hashed = hash_password(new)
    with store.session(write=True) as session:
        staff = access.acting(session, me)
        assert staff is not None
        session.execute(
            update(Staff)
            .where(col(Staff.id) == staff.id)
            .values(password_hash=hashed, must_change_password=False, version=staff.version + 1)
            .execution_options(synchronize_session=False)
        )
        audit.record(session, staff_id=staff.id, username=staff.username, action="password_changed")
        session.refresh(staff)
        return access.to_ref(staff)
