"""Staff accounts: the records of staff and their management.

Administrators (or the command line, as :func:`access.system_administrator`) manage accounts;
staff who work with logs may search their colleagues, to pick actors and handover receivers.
Passwords and logging in are in :mod:`relaytui.services.sign_in`. Plain Python, no Textual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from relaytui.db import Store, casefold_function
from relaytui.errors import (
    InvalidInput,
    NotAllowed,
    NotFound,
    RuleViolation,
    StaleWrite,
)
from relaytui.i18n import LANGUAGES, N_, _, known_language
from relaytui.models import Membership, ReadGrant, RelayLog, Staff, Unit
from relaytui.models.base import stored_id
from relaytui.services import access, clock, sign_in, staff_moves
from relaytui.services.access import ROLES, StaffRef
from relaytui.services.units import find_unit

USERNAME_RE = re.compile(r"[a-z0-9._-]{2,64}")
FULL_NAME_MAX = 200
PROFESSION_MAX = 100
EMAIL_MAX = 200
PHONE_MAX = 50

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
    must_change_password: bool = False

    @property
    def state(self) -> str:
        """ "disabled", "locked" or "active"."""
        if not self.active:
            return "disabled"
        if self.locked:
            return "locked"
        return "active"


def role_label(role: str) -> str:
    return _(ROLE_LABELS.get(role, role))


def state_label(state: str) -> str:
    return _(STATE_LABELS.get(state, state))


# --- validation ---------------------------------------------------------------------------


def validate_username(username: str | None) -> str:
    """The username in its stored form (lower case), or InvalidInput saying what is allowed."""
    value = (username or "").strip().lower()
    if not USERNAME_RE.fullmatch(value):
        raise InvalidInput(
            _(
                "'{username}' is not a valid username. Use 2 to 64 characters: lowercase letters "
                "a-z, digits, '.', '_' and '-'."
            ).format(username=username or "")
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
        raise InvalidInput(_('Give the person\'s full name, e.g. --name "Anna Jensen".'))
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
        _(
            "Someone else changed this account while you were working on it. Nothing was saved: "
            "reload to see their change, then make yours again."
        )
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
    result = session.exec(
        update(Staff)
        .where(col(Staff.id) == staff.id, col(Staff.version) == staff.version)
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
        id=stored_id(staff),
        username=staff.username,
        full_name=staff.full_name,
        profession=staff.profession,
        unit_id=staff.unit_id,
        unit_name=unit_name,
        role=staff.role,
        email=staff.email,
        phone=staff.phone,
        active=staff.active,
        locked=staff.locked,
        failed_logins=staff.failed_logins,
        last_login_at=staff.last_login_at,
        version=staff.version,
        must_change_password=bool(staff.must_change_password),
    )


def _other_usable_admins(session: Session, staff: Staff) -> int:
    """Active, unlocked administrators besides ``staff``; their rows stay locked (PostgreSQL)."""
    rows = session.exec(
        select(Staff.id, Staff.locked)
        .where(Staff.role == "admin", col(Staff.active).is_(True))
        .order_by(col(Staff.id))
        .with_for_update()
    ).all()
    return sum(1 for row_id, locked in rows if row_id != staff.id and not locked)


def _refuse_last_admin(session: Session, staff: Staff) -> None:
    if staff.role == "admin" and staff.active and _other_usable_admins(session, staff) == 0:
        raise RuleViolation(
            _(
                "{username} is the last active administrator. Make another person administrator "
                "first ('relaytui user set-role USERNAME admin')."
            ).format(username=staff.username)
        )


def _leads(session: Session, staff: Staff) -> Unit | None:
    return session.exec(select(Unit).where(Unit.leader_id == staff.id)).first()


def _audit(
    session: Session, actor: Staff | None, by: StaffRef, action: str, staff: Staff, extra: str = ""
) -> None:
    detail = f"user={staff.id} username={staff.username}"
    if extra:
        detail = f"{detail} {extra}"
    access.write_audit(session, actor, by, action, detail=detail)


# --- account management (administrators) --------------------------------------------------


def add_user(
    store: Store,
    by: StaffRef,
    *,
    username: str,
    full_name: str,
    password: str,
    role: str = "caseworker",
    profession: str = "",
    unit: int | str | None = None,
    email: str = "",
    phone: str = "",
    must_change_password: bool = False,
) -> StaffView:
    """Create an account (administrators only). The command line gives every new account a
    :func:`one_time_password` that the person changes at their first login."""
    name = validate_username(username)
    full = _full_name(full_name)
    role = validate_role(role)
    profession = _text(
        profession, PROFESSION_MAX, _("The profession is too long: at most {n} characters.")
    )
    email = _email(email)
    phone = _text(phone, PHONE_MAX, _("The phone number is too long: at most {n} characters."))
    # Hashing takes a moment: do it before the write transaction starts.
    hashed = sign_in.hash_password(password)
    with store.session(write=True) as session:
        actor = access.require_admin(session, by)
        if session.exec(select(Staff.id).where(Staff.username == name)).first() is not None:
            raise _taken(name)
        unit_row = None
        if unit is not None and str(unit).strip():
            unit_row = find_unit(session, unit)
        staff = Staff(
            username=name,
            full_name=full,
            profession=profession,
            unit_id=unit_row.id if unit_row is not None else None,
            role=role,
            email=email,
            phone=phone,
            password_hash=hashed,
            created_at=clock.now(),
            must_change_password=must_change_password,
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


def disable_user(
    store: Store, by: StaffRef, username: str, *, version: int | None = None
) -> StaffView:
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


def enable_user(
    store: Store, by: StaffRef, username: str, *, version: int | None = None
) -> StaffView:
    """Enable a disabled account again."""
    with store.session(write=True) as session:
        actor = access.require_admin(session, by)
        staff = _find_staff(session, username)
        _check_version(staff, version)
        if not staff.active:
            _guarded_update(session, staff, active=True)
            _audit(session, actor, by, "user_enabled", staff)
        return _view(session, staff)


def unlock_user(
    store: Store, by: StaffRef, username: str, *, version: int | None = None
) -> StaffView:
    """Unlock an account locked by failed logins, and reset its counter."""
    with store.session(write=True) as session:
        actor = access.require_admin(session, by)
        staff = _find_staff(session, username)
        _check_version(staff, version)
        if staff.locked or staff.failed_logins:
            _guarded_update(session, staff, locked=False, failed_logins=0)
            _audit(session, actor, by, "user_unlocked", staff)
        return _view(session, staff)


@dataclass(frozen=True)
class PasswordReset:
    """A reset account and its one-time password, to hand to the person (shown once)."""

    view: StaffView
    password: str
    #: How many children's access reports now show the reset.
    subjects: int


def reset_password(
    store: Store, by: StaffRef, username: str, *, version: int | None = None
) -> PasswordReset:
    """Give an account a one-time password, to be changed at its next login.

    A locked account stays locked until unlocked. Whoever has the new password can read what
    the account reads, so the reset is an event in the access report of every child whose log
    the account holds or reads (GDPR art. 15).
    """
    password = sign_in.one_time_password()
    hashed = sign_in.hash_password(password)
    with store.session(write=True) as session:
        actor = access.require_admin(session, by)
        staff = _find_staff(session, username)
        _check_version(staff, version)
        _guarded_update(session, staff, password_hash=hashed, must_change_password=True)
        _audit(session, actor, by, "password_reset", staff)
        reached = _logs_reached_by(session, stored_id(staff))
        for log_id, subject_id in reached:
            access.write_audit(
                session,
                actor,
                by,
                "reader_password_reset",
                log_id=log_id,
                subject_id=subject_id,
                detail=f"user={staff.id} username={staff.username}",
            )
        return PasswordReset(_view(session, staff), password, len({s for _l, s in reached}))


def _logs_reached_by(session: Session, staff_id: int) -> list[tuple[int, int]]:
    """(log, subject) of every log the account holds, is an actor of or may read by a grant."""
    held = select(RelayLog.id, RelayLog.subject_id).where(
        RelayLog.holder_id == staff_id, RelayLog.status != "closed"
    )
    member = (
        select(RelayLog.id, RelayLog.subject_id)
        .join(Membership, col(Membership.log_id) == col(RelayLog.id))
        .where(
            Membership.staff_id == staff_id,
            col(Membership.removed_at).is_(None),
            RelayLog.status != "closed",
        )
    )
    granted = (
        select(RelayLog.id, RelayLog.subject_id)
        .join(ReadGrant, col(ReadGrant.log_id) == col(RelayLog.id))
        .where(ReadGrant.staff_id == staff_id, col(ReadGrant.expires_at) > clock.now())
    )
    found: dict[int, int] = {}
    for statement in (held, member, granted):
        for log_id, subject_id in session.exec(statement):
            assert log_id is not None, "a log's id read from the store"
            found[log_id] = subject_id
    return sorted(found.items())


def set_role(
    store: Store, by: StaffRef, username: str, role: str, *, version: int | None = None
) -> StaffView:
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
                        _(
                            "{username} leads {unit}, and administrators do not read relay logs. "
                            "Name another leader for {unit} first."
                        ).format(username=staff.username, unit=led.name)
                    )
            before = staff.role
            _guarded_update(session, staff, role=role)
            _audit(session, actor, by, "role_changed", staff, f"from={before} to={role}")
        return _view(session, staff)


def set_unit(
    store: Store, by: StaffRef, username: str, unit: int | str | None, *, version: int | None = None
) -> StaffView:
    """Move an account to another unit (``None`` or "" for no unit).

    What a consent to the former unit gave the person ends at the move, in each log's trail,
    and those logs are flagged for their holders (:func:`staff_moves.end_access_after_move`).
    """
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
            staff_moves.lock_logs_before_move(session, stored_id(staff))
            _guarded_update(session, staff, unit_id=new_id)
            ended = staff_moves.end_access_after_move(session, staff, actor=actor, by=by)
            _audit(session, actor, by, "user_unit_changed", staff, f"unit={new_id} ended={ended}")
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
            statement = statement.where(
                or_(
                    fold(Staff.full_name).like(pattern, escape="\\"),
                    fold(Staff.username).like(pattern, escape="\\"),
                    fold(Staff.profession).like(pattern, escape="\\"),
                )
            )
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
                _(
                    "The command line has no account of its own: choose its language with --lang "
                    "or RELAYTUI_LANG."
                )
            )
        session.execute(
            update(Staff)
            .where(col(Staff.id) == staff.id)
            .values(language=code)
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
            select(Staff.id)
            .where(or_(col(Staff.role) == "admin", col(Staff.username) == username))
            .limit(1)
        ).first()
    return found is not None
