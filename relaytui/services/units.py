"""Units: daycares, schools, health services, the family department, and their leaders (R3).

Administrators add units and name each unit's nearest leader; every logged-in person may list
them (to see where a colleague works). Plain Python, no Textual.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from relaytui.db import Store
from relaytui.errors import InvalidInput, NotFound, StaleWrite
from relaytui.i18n import N_, _
from relaytui.models import Staff, Unit
from relaytui.models.base import stored_id
from relaytui.services import access, staff_moves
from relaytui.services.access import StaffRef

KINDS = ("daycare", "school", "health", "ppr", "family", "other")
KIND_LABELS = {
    "daycare": N_("daycare"),
    "school": N_("school"),
    "health": N_("health service"),
    "ppr": N_("educational psychology (PPR)"),
    "family": N_("family department"),
    "other": N_("other"),
}
NAME_MAX = 200
PHONE_MAX = 50


@dataclass(frozen=True)
class UnitView:
    id: int
    name: str
    kind: str
    phone: str
    leader_id: int | None
    leader_username: str | None
    leader_name: str | None
    staff_count: int


def kind_label(kind: str) -> str:
    """The unit kind in the user's language."""
    return _(KIND_LABELS.get(kind, kind))


def validate_kind(kind: str) -> str:
    value = (kind or "").strip().lower()
    if value not in KINDS:
        raise InvalidInput(
            _("Unknown kind of unit '{kind}'. Choose one of: {kinds}.").format(
                kind=kind, kinds=", ".join(KINDS)
            )
        )
    return value


def find_unit(session: Session, unit: int | str, *, lock: bool = False) -> Unit:
    """A unit by id or by name (names compare case-insensitively); NotFound names it."""
    if isinstance(unit, int) and not isinstance(unit, bool):
        row = _first(session, Unit.id == unit, lock=lock)
    else:
        text = str(unit).strip()
        row = _first(session, Unit.name == text, lock=lock)
        if row is None and text:
            # SQLite's lower() folds ASCII only: compare the few unit names in Python.
            folded = text.casefold()
            for unit_id, unit_name in session.exec(select(Unit.id, Unit.name)).all():
                if unit_name.casefold() == folded:
                    row = _first(session, Unit.id == unit_id, lock=lock)
                    break
        if row is None and text.isdigit():
            row = _first(session, Unit.id == int(text), lock=lock)
    if row is None:
        raise NotFound(_("There is no unit '{unit}'. See 'relaytui unit list'.").format(unit=unit))
    return row


def _first(session: Session, condition, *, lock: bool) -> Unit | None:
    query = select(Unit).where(condition)
    if lock:
        query = query.with_for_update()
    return session.exec(query).first()


def _name_taken(session: Session, name: str) -> bool:
    folded = name.casefold()
    return any(existing.casefold() == folded for existing in session.exec(select(Unit.name)).all())


def _stale() -> StaleWrite:
    return StaleWrite(
        _(
            "Someone else changed this while you were working on it. Nothing was saved: "
            "reload to see their change, then make yours again."
        )
    )


def _view(session: Session, unit: Unit) -> UnitView:
    leader = session.get(Staff, unit.leader_id) if unit.leader_id is not None else None
    count = session.exec(
        select(func.count())
        .select_from(Staff)
        .where(Staff.unit_id == unit.id, col(Staff.active).is_(True))
    ).one()
    return UnitView(
        id=stored_id(unit),
        name=unit.name,
        kind=unit.kind,
        phone=unit.phone,
        leader_id=unit.leader_id,
        leader_username=leader.username if leader is not None else None,
        leader_name=leader.full_name if leader is not None else None,
        staff_count=int(count),
    )


def add_unit(
    store: Store, by: StaffRef, *, name: str, kind: str = "other", phone: str = ""
) -> UnitView:
    """Add a unit (administrators only)."""
    clean = (name or "").strip()
    if not clean:
        raise InvalidInput(_("A unit needs a name, e.g. 'Solsikken Daycare'."))
    if len(clean) > NAME_MAX:
        raise InvalidInput(
            _("The unit name is too long: at most {n} characters.").format(n=NAME_MAX)
        )
    kind = validate_kind(kind)
    phone = (phone or "").strip()
    if len(phone) > PHONE_MAX:
        raise InvalidInput(
            _("The phone number is too long: at most {n} characters.").format(n=PHONE_MAX)
        )
    with store.session(write=True) as session:
        staff = access.require_admin(session, by)
        if _name_taken(session, clean):
            raise InvalidInput(
                _("A unit named '{name}' already exists. Choose another name.").format(name=clean)
            )
        unit = Unit(name=clean, kind=kind, phone=phone)
        session.add(unit)
        try:
            session.flush()
        except IntegrityError:
            raise InvalidInput(
                _("A unit named '{name}' already exists. Choose another name.").format(name=clean)
            ) from None
        access.write_audit(session, staff, by, "unit_added", detail=f"unit={unit.id} kind={kind}")
        return _view(session, unit)


def list_units(store: Store, by: StaffRef) -> list[UnitView]:
    """All units, by name (any logged-in person, and administrators)."""
    with store.session() as session:
        access.acting(session, by)
        units = session.exec(select(Unit)).all()
        return sorted((_view(session, unit) for unit in units), key=lambda u: u.name.casefold())


def set_leader(
    store: Store, by: StaffRef, unit: int | str, username: str, *, version: int | None = None
) -> UnitView:
    """Name the unit's nearest leader (R3): an active member of staff of that unit.

    The new leader is attached to the unit's open logs and the former leader's leader
    memberships end (:func:`staff_moves.change_unit_leader`). A caseworker named leader gets the
    role "leader". ``version`` is the unit's version as
    the caller saw it; a different one is refused as a stale write.
    """
    name = (username or "").strip().lower()
    with store.session(write=True) as session:
        actor = access.require_admin(session, by)
        row = find_unit(session, unit)
        if version is not None and row.version != version:
            raise _stale()
        person = session.exec(select(Staff).where(Staff.username == name)).first()
        if person is None:
            raise NotFound(_("There is no user '{username}'.").format(username=username))
        if not person.active:
            raise InvalidInput(
                _(
                    "{username} is disabled and cannot lead a unit. Enable the account first."
                ).format(username=person.username)
            )
        if person.role == "admin":
            raise InvalidInput(
                _(
                    "{username} is an administrator; administrators do not read relay logs, so "
                    "they cannot be a unit's leader."
                ).format(username=person.username)
            )
        if person.unit_id != row.id:
            raise InvalidInput(
                _(
                    "{username} does not work in {unit}. Move them there first with 'relaytui "
                    "user set-unit'."
                ).format(username=person.username, unit=row.name)
            )
        result = session.exec(
            update(Unit)
            .where(col(Unit.id) == row.id, col(Unit.version) == row.version)
            .values(leader_id=person.id, version=row.version + 1)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise _stale()
        if person.role == "caseworker":
            result = session.exec(
                update(Staff)
                .where(col(Staff.id) == person.id, col(Staff.version) == person.version)
                .values(role="leader", version=person.version + 1)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:
                raise _stale()
        # R3 follows the change: the unit's open logs lose the former leader and gain the new
        # one, each change in that log's trail (and so in the child's access report).
        staff_moves.change_unit_leader(
            session, stored_id(row), row.leader_id, person.id, actor=actor, by=by
        )
        access.write_audit(
            session, actor, by, "unit_leader_set", detail=f"unit={row.id} leader={person.id}"
        )
        session.expire_all()
        return _view(session, session.get_one(Unit, row.id))
