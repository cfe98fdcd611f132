"""Staff accounts: passwords, logging in, lockout, and account management.

Passwords are hashed with argon2id and never leave this module, never reach the audit trail.
Five failed logins in a row lock an account until an administrator unlocks it. Administrators
(or the command line, as :func:`access.system_administrator`) manage accounts; staff who work
with logs may search their colleagues, to pick actors and handover receivers. Plain Python,
no Textual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from relaytui.db import Store, casefold_function
from relaytui.errors import (
    AccountClosed,
    InvalidInput, LoginFailed, NotAllowed, NotFound, RuleViolation, StaleWrite,
)
from relaytui.i18n import LANGUAGES, N_, _, known_language
from relaytui.models import Staff, Unit
from relaytui.services import access, audit, clock
from relaytui.services.access import ROLES, StaffRef
from relaytui.services.units import find_unit

#: Failed logins in a row that lock an account.
MAX_FAILED_LOGINS = 5
USERNAME_RE = re.compile(r"[a-z0-9._-]{2,64}")
FULL_NAME_MAX = 200
PROFESSION_MAX = 100
EMAIL_MAX = 200
PHONE_MAX = 50
PASSWORD_MAX = 1024

ROLE_LABELS = {
    "caseworker": N_("caseworker"),
    "leader": N_("leader"),
    "admin": N_("administrator"),
}
STATE_LABELS = {
    "active": N_("active"),
    "locked": N_("locked"),
    "disabled": N_("disabled"),
}

_hasher = PasswordHasher(type=Type.ID)
_dummy_hash: str | None = None


@dataclass(frozen=True)
class StaffView:
    """One staff account as screens and the command line show it (never the password hash)."""

    id: int
    username: str
    full_name: str
    profession: str
    unit_id: int | None
    unit_name: str | None
    role: str
    email: str
    phone: str
    active: bool
    locked: bool
    failed_logins: int
    last_login_at: datetime | None
    version: int

    @property
    def state(self) -> str:
        """"disabled", "locked" or "active"."""
        if not self.active:
            return "disabled"
        if self.locked:
            return "locked"
        return "active"


def role_label(role: str) -> str:
    return _(ROLE_LABELS.get(role, role))


def state_label(state: str) -> str:
    return _(STATE_LABELS.get(state, state))


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
            _("The password cannot be empty. Choose a password, preferably a long passphrase "
              "of several words.")
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


def _dummy_verify(password: str) -> None:
    """As much work as a real check, so a missing username does not answer faster."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("relaytui: no such user")
    verify_password(_dummy_hash, password)


# --- validation ---------------------------------------------------------------------------


def validate_username(username: str | None) -> str:
    """The username in its stored form (lower case), or InvalidInput saying what is allowed."""
    value = (username or "").strip().lower()
    if not USERNAME_RE.fullmatch(value):
        raise InvalidInput(
            _("'{username}' is not a valid username. Use 2 to 64 characters: lowercase letters "
              "a-z, digits, '.', '_' and '-'.").format(username=username or "")
        )
    return value


def validate_role(role: str | None) -> str:
    value = (role or "").strip().lower()
    if value not in ROLES:
        raise InvalidInput(
            _("Unknown role '{role}'. Choose one of: {roles}.").format(
                role=role or "", roles=", ".join(ROLES)
            )
        )
    return value


def _text(value: str | None, limit: int, too_long: str) -> str:
    """``value`` stripped; ``too_long`` (with {n}) is the message when it is too long."""
    clean = (value or "").strip()
    if len(clean) > limit:
        raise InvalidInput(too_long.format(n=limit))
    return clean


def _full_name(value: str | None) -> str:
    clean = _text(value, FULL_NAME_MAX, _("The name is too long: at most {n} characters."))
    if not clean:
        raise InvalidInput(_("Give the person's full name, e.g. --name \"Anna Jensen\"."))
    return clean


def _email(value: str | None) -> str:
    clean = _text(value, EMAIL_MAX, _("The e-mail address is too long: at most {n} characters."))
    if clean and ("@" not in clean or any(ch.isspace() for ch in clean)):
        raise InvalidInput(
            _("'{email}' is not an e-mail address. Use the form name@example.dk.").format(
                email=clean
            )
        )
    return clean


# --- helpers ------------------------------------------------------------------------------


def _stale() -> StaleWrite:
    return StaleWrite(
        _("Someone else changed this account while you were working on it. Nothing was saved: "
          "reload to see their change, then make yours again.")
    )


def _find_staff(session: Session, username: str | None, *, lock: bool = False) -> Staff:
    name = (username or "").strip().lower()
    query = select(Staff).where(Staff.username == name)
    if lock:
        query = query.with_for_update()
    staff = session.exec(query).first()
    if staff is None:
        raise NotFound(
            _("There is no user '{username}'. See 'relaytui user list'.").format(
                username=username or ""
            )
        )
    return staff


def _check_version(staff: Staff, version: int | None) -> None:
    if version is not None and staff.version != version:
        raise _stale()


def _guarded_update(session: Session, staff: Staff, **values: Any) -> None:
    """``UPDATE staff SET ... WHERE id = :id AND version = :read``; a lost race is refused."""
    result = session.execute(
        update(Staff)
        .where(Staff.id == staff.id, Staff.version == staff.version)
        .values(version=staff.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise _stale()
    session.refresh(staff)


def _view(session: Session, staff: Staff, unit_name: str | None = None) -> StaffView:
    if unit_name is None and staff.unit_id is not None:
        unit = session.get(Unit, staff.unit_id)
        unit_name = unit.name if unit is not None else None
    return StaffView(
        id=staff.id, username=staff.username, full_name=staff.full_name,
        profession=staff.profession, unit_id=staff.unit_id, unit_name=unit_name,
        role=staff.role, email=staff.email, phone=staff.phone, active=staff.active,
        locked=staff.locked, failed_logins=staff.failed_logins,
        last_login_at=staff.last_login_at, version=staff.version,
    )


def _other_usable_admins(session: Session, staff: Staff) -> int:
    """Active, unlocked administrators besides ``staff``; their rows stay locked (PostgreSQL)."""
    rows = session.exec(
        select(Staff.id, Staff.locked)
        .where(Staff.role == "admin", col(Staff.active).is_(True))
        .order_by(Staff.id)
        .with_for_update()
    ).all()
    return sum(1 for row_id, locked in rows if row_id != staff.id and not locked)


def _refuse_last_admin(session: Session, staff: Staff) -> None:
    if staff.role == "admin" and staff.active and _other_usable_admins(session, staff) == 0:
        raise RuleViolation(
            _("{username} is the last active administrator. Make another person administrator "
              "first ('relaytui user set-role USERNAME admin').").format(username=staff.username)
        )


def _leads(session: Session, staff: Staff) -> Unit | None:
    return session.exec(select(Unit).where(Unit.leader_id == staff.id)).first()


def _audit(session: Session, actor: Staff | None, by: StaffRef, action: str, staff: Staff,
           extra: str = "") -> None:
    detail = f"user={staff.id} username={staff.username}"
    if extra:
        detail = f"{detail} {extra}"
    access.write_audit(session, actor, by, action, detail=detail)


# --- logging in ---------------------------------------------------------------------------


def _wrong_login() -> str:
    return _("Wrong username or password. Check both and try again.")


def _locked_login() -> str:
    return _("This account is locked after too many failed logins. Ask an administrator to "
             "unlock it.")


def _disabled_login() -> str:
    return _("This account is disabled. Ask an administrator if you need access again.")


def authenticate(store: Store, username: str, password: str) -> StaffRef:
    """Log in; returns the acting person, or raises LoginFailed.

    A wrong username and a wrong password get the same message. Each failure counts; the
    fifth in a row locks the account. The counter and the audit events are committed even
    though the login fails.
    """
    name = (username or "").strip().lower()
    if not name or not password:
        raise LoginFailed(_("Type your username and your password."))
    # The slow password check runs before the write transaction, so that it holds no lock.
    with store.session() as session:
        seen = session.exec(select(Staff.password_hash).where(Staff.username == name)).first()
    if seen is None:
        _dummy_verify(password)
        correct = False
    else:
        correct = verify_password(seen, password)
    new_hash = _hasher.hash(password) if correct and _hasher.check_needs_rehash(seen) else None

    failure: LoginFailed | None = None
    ref: StaffRef | None = None
    with store.session(write=True) as session:
        staff = session.exec(
            select(Staff).where(Staff.username == name).with_for_update()
        ).first()
        if staff is not None and staff.password_hash != seen:
            # The password was reset in between: check against the new one.
            correct = verify_password(staff.password_hash, password)
            new_hash = None
        if staff is None:
            # The typed name is not kept: it may be a password typed in the wrong field.
            audit.record(session, staff_id=None, username="", action="login_failed",
                         detail="unknown username")
            failure = LoginFailed(_wrong_login())
        elif staff.locked:
            audit.record(session, staff_id=staff.id, username=staff.username,
                         action="login_failed", detail="account locked")
            failure = AccountClosed(_locked_login())
        elif not staff.active:
            audit.record(session, staff_id=staff.id, username=staff.username,
                         action="login_failed", detail="account disabled")
            # Only someone who knows the password learns that the account is disabled.
            failure = AccountClosed(_disabled_login()) if correct else LoginFailed(_wrong_login())
        elif correct:
            if new_hash is not None:
                staff.password_hash = new_hash
            staff.failed_logins = 0
            staff.last_login_at = clock.now()
            session.add(staff)
            audit.record(session, staff_id=staff.id, username=staff.username, action="login")
            session.flush()
            ref = access.to_ref(staff)
        else:
            staff.failed_logins = (staff.failed_logins or 0) + 1
            audit.record(session, staff_id=staff.id, username=staff.username,
                         action="login_failed",
                         detail=f"wrong password ({staff.failed_logins} in a row)")
            if staff.failed_logins >= MAX_FAILED_LOGINS:
                staff.locked = True
                staff.version += 1
                audit.record(session, staff_id=staff.id, username=staff.username,
                             action="account_locked",
                             detail=f"{staff.failed_logins} failed logins in a row")
                failure = AccountClosed(_locked_login())
            else:
                failure = LoginFailed(_wrong_login())
            session.add(staff)
            session.flush()
    # Raised only now, so that the counter and the audit events above are committed.
    if failure is not None:
        raise failure
    assert ref is not None
    return ref


# --- account management (administrators) --------------------------------------------------


def add_user(store: Store, by: StaffRef, *, username: str, full_name: str, password: str,
             role: str = "caseworker", profession: str = "", unit: int | str | None = None,
             email: str = "", phone: str = "") -> StaffView:
    """Create an account (administrators only)."""
    name = validate_username(username)
    full = _full_name(full_name)
    role = validate_role(role)
    profession = _text(profession, PROFESSION_MAX,
                       _("The profession is too long: at most {n} characters."))
    email = _email(email)
    phone = _text(phone, PHONE_MAX, _("The phone number is too long: at most {n} characters."))
    # Hashing takes a moment: do it before the write transaction starts.
    hashed = hash_password(password)
    with store.session(write=True) as session:
        actor = access.require_admin(session, by)
        if session.exec(select(Staff.id).where(Staff.username == name)).first() is not None:
            raise _taken(name)
        unit_row = None
        if unit is not None and str(unit).strip():
            unit_row = find_unit(session, unit)
        staff = Staff(
            username=name, full_name=full, profession=profession,
            unit_id=unit_row.id if unit_row is not None else None, role=role, email=email,
            phone=phone, password_hash=hashed, created_at=clock.now(),
        )
        session.add(staff)
        try:
            session.flush()
        except IntegrityError:
            raise _taken(name) from None
        _audit(session, actor, by, "user_added", staff, f"role={role}")
        return _view(session, staff, unit_row.name if unit_row is not None else None)


def _taken(name: str) -> InvalidInput:
    return InvalidInput(
        _("The username '{username}' is already taken. Choose another.").format(username=name)
    )


def check_username_free(store: Store, by: StaffRef, username: str) -> str:
    """The username in its stored form if it is valid and not taken (administrators only)."""
    name = validate_username(username)
    with store.session() as session:
        access.require_admin(session, by)
        if session.exec(select(Staff.id).where(Staff.username == name)).first() is not None:
            raise _taken(name)
    return name


def list_users(store: Store, by: StaffRef) -> list[StaffView]:
    """All accounts, by username (administrators only)."""
    with store.session() as session:
        access.require_admin(session, by)
        rows = session.exec(
            select(Staff, Unit.name)
            .join(Unit, col(Unit.id) == col(Staff.unit_id), isouter=True)
            .order_by(Staff.username)
        ).all()
        return [_view(session, staff, unit_name) for staff, unit_name in rows]


def get_user(store: Store, by: StaffRef, username: str) -> StaffView:
    """One account (administrators only)."""
    with store.session() as session:
        access.require_admin(session, by)
        return _view(session, _find_staff(session, username))


def disable_user(store: Store, by: StaffRef, username: str, *,
                 version: int | None = None) -> StaffView:
    """Disable an account: it can no longer log in, and loses its access at once."""
    with store.session(write=True) as session:
        actor = access.require_admin(session, by)
        staff = _find_staff(session, username)
        _check_version(staff, version)
        if staff.active:
            _refuse_last_admin(session, staff)
            _guarded_update(session, staff, active=False)
            _audit(session, actor, by, "user_disabled", staff)
        return _view(session, staff)


def enable_user(store: Store, by: StaffRef, username: str, *,
                version: int | None = None) -> StaffView:
    """Enable a disabled account again."""
    with store.session(write=True) as session:
        actor = access.require_admin(session, by)
        staff = _find_staff(session, username)
        _check_version(staff, version)
        if not staff.active:
            _guarded_update(session, staff, active=True)
            _audit(session, actor, by, "user_enabled", staff)
        return _view(session, staff)


def unlock_user(store: Store, by: StaffRef, username: str, *,
                version: int | None = None) -> StaffView:
    """Unlock an account locked by failed logins, and reset its counter."""
    with store.session(write=True) as session:
        actor = access.require_admin(session, by)
        staff = _find_staff(session, username)
        _check_version(staff, version)
        if staff.locked or staff.failed_logins:
            _guarded_update(session, staff, locked=False, failed_logins=0)
            _audit(session, actor, by, "user_unlocked", staff)
        return _view(session, staff)


def reset_password(store: Store, by: StaffRef, username: str, password: str, *,
                   version: int | None = None) -> StaffView:
    """Give an account a new password (a locked account stays locked until unlocked)."""
    hashed = hash_password(password)
    with store.session(write=True) as session:
        actor = access.require_admin(session, by)
        staff = _find_staff(session, username)
        _check_version(staff, version)
        _guarded_update(session, staff, password_hash=hashed)
        _audit(session, actor, by, "password_reset", staff)
        return _view(session, staff)


def set_role(store: Store, by: StaffRef, username: str, role: str, *,
             version: int | None = None) -> StaffView:
    """Make an account a caseworker, a leader or an administrator."""
    role = validate_role(role)
    with store.session(write=True) as session:
        actor = access.require_admin(session, by)
        staff = _find_staff(session, username)
        _check_version(staff, version)
        if staff.role != role:
            if staff.role == "admin":
                _refuse_last_admin(session, staff)
            if role == "admin":
                led = _leads(session, staff)
                if led is not None:
                    raise InvalidInput(
                        _("{username} leads {unit}, and administrators do not read relay logs. "
                          "Name another leader for {unit} first.").format(
                              username=staff.username, unit=led.name
                        )
                    )
            before = staff.role
            _guarded_update(session, staff, role=role)
            _audit(session, actor, by, "role_changed", staff, f"from={before} to={role}")
        return _view(session, staff)


def set_unit(store: Store, by: StaffRef, username: str, unit: int | str | None, *,
             version: int | None = None) -> StaffView:
    """Move an account to another unit (``None`` or "" for no unit)."""
    with store.session(write=True) as session:
        actor = access.require_admin(session, by)
        staff = _find_staff(session, username)
        _check_version(staff, version)
        unit_row = None
        if unit is not None and str(unit).strip():
            unit_row = find_unit(session, unit)
        new_id = unit_row.id if unit_row is not None else None
        if new_id != staff.unit_id:
            led = _leads(session, staff)
            if led is not None:
                raise InvalidInput(
                    _("{username} leads {unit}. Name another leader for {unit} first.").format(
                        username=staff.username, unit=led.name
                    )
                )
            _guarded_update(session, staff, unit_id=new_id)
            _audit(session, actor, by, "user_unit_changed", staff, f"unit={new_id}")
        return _view(session, staff)


# --- for everyone logged in ---------------------------------------------------------------


def _like_pattern(query: str) -> str:
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_staff(store: Store, by: StaffRef, query: str, limit: int = 20) -> list[StaffView]:
    """Active colleagues (not administrators) whose name, username or profession contains
    ``query``, ignoring case; '%' and '_' match themselves."""
    limit = max(1, min(int(limit), 200))
    text = (query or "").strip()
    with store.session() as session:
        access.require_staff(session, by)
        statement = (
            select(Staff, Unit.name)
            .join(Unit, col(Unit.id) == col(Staff.unit_id), isouter=True)
            .where(col(Staff.active).is_(True), Staff.role != "admin")
        )
        if text:
            fold = casefold_function(session)
            pattern = _like_pattern(text.lower())
            statement = statement.where(or_(
                fold(Staff.full_name).like(pattern, escape="\\"),
                fold(Staff.username).like(pattern, escape="\\"),
                fold(Staff.profession).like(pattern, escape="\\"),
            ))
        statement = statement.order_by(Staff.full_name, Staff.username).limit(limit)
        return [_view(session, staff, unit_name) for staff, unit_name in session.exec(statement)]


def set_language(store: Store, by: StaffRef, language: str | None) -> str | None:
    """Store the acting person's own language (``None`` or "" follows the installation)."""
    given = (language or "").strip() or None
    code = known_language(given) if given is not None else None
    if given is not None and code is None:
        raise InvalidInput(
            _("Unknown language '{language}'. Choose one of: {languages}.").format(
                language=language, languages=", ".join(LANGUAGES)
            )
        )
    with store.session(write=True) as session:
        staff = access.acting(session, by)
        if staff is None:
            raise NotAllowed(
                _("The command line has no account of its own: choose its language with --lang "
                  "or RELAYTUI_LANG.")
            )
        session.execute(
            update(Staff).where(Staff.id == staff.id).values(language=code)
            .execution_options(synchronize_session=False)
        )
    return code


# --- for setting an installation up (before anyone can log in) -----------------------------


def account_count(store: Store) -> int:
    """How many accounts there are: the demo and ``init`` only fill an empty installation."""
    with store.session() as session:
        return session.exec(select(func.count()).select_from(Staff)).one()


def admin_or_user_exists(store: Store, username: str) -> bool:
    """Whether ``init`` has already made an administrator (or this account)."""
    with store.session() as session:
        found = session.exec(
            select(Staff.id).where(or_(Staff.role == "admin", Staff.username == username)).limit(1)
        ).first()
    return found is not None
