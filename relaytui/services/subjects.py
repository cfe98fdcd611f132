"""Subjects and their guardians; national numbers validated and masked (R15)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from relaytui.db import Store
from relaytui.errors import InvalidInput, NotFound
from relaytui.i18n import _
from relaytui.models import Guardian, RelayLog, Staff, Subject, Unit
from relaytui.services import access, installation

KINDS = ("child", "youth", "pregnant")


@dataclass(frozen=True)
class GuardianView:
    id: int
    name: str
    relation: str
    phone: str
    email: str
    has_custody: bool


@dataclass(frozen=True)
class GuardianInput:
    name: str
    relation: str = ""
    phone: str = ""
    email: str = ""
    has_custody: bool = True


@dataclass(frozen=True)
class HolderContact:
    """What R1 lets us tell about an existing log: who holds it and how to reach them."""

    log_id: int
    holder_name: str
    unit_name: str
    phone: str
    email: str


@dataclass(frozen=True)
class SubjectView:
    id: int
    national_number_masked: str
    name: str
    birth_date: date | None
    kind: str
    guardians: tuple[GuardianView, ...]
    active_log: HolderContact | None


def validate_national_number(number: str, profile: str) -> tuple[str, date | None]:
    """The number's digits and the birth date it holds; InvalidInput says what is wrong."""
    from stdnum.exceptions import ValidationError

    raw = (number or "").strip()
    if profile == "no":
        from stdnum.no import fodselsnummer as module

        expected = _("a Norwegian national identity number or D-number: 11 digits, DDMMYY NNNNN")
    else:
        from stdnum.dk import cpr as module

        expected = _("a Danish CPR number: 10 digits, DDMMYY-NNNN")
    try:
        digits = module.validate(raw)
        born = module.get_birth_date(digits)
    except ValidationError:
        raise InvalidInput(
            _("'{number}' is not valid. Type {expected}.").format(
                number=mask(raw) if len(raw) >= 6 else raw, expected=expected
            ),
            rule="R15",
        ) from None
    return digits, born


def mask(number: str) -> str:
    """Lists show only the birth-date part: 010115-****."""
    digits = "".join(ch for ch in number if ch.isdigit())
    if len(digits) < 6:
        return "*" * len(digits)
    return f"{digits[:6]}-{'*' * max(len(digits) - 6, 4)}"


def holder_contact(session: Session, log: RelayLog) -> HolderContact:
    holder = session.get(Staff, log.holder_id)
    unit = session.get(Unit, holder.unit_id) if holder and holder.unit_id else None
    return HolderContact(
        log_id=log.id,
        holder_name=holder.full_name if holder else "",
        unit_name=unit.name if unit else "",
        phone=(holder.phone if holder and holder.phone else (unit.phone if unit else "")),
        email=holder.email if holder else "",
    )


def active_log_of(session: Session, subject_id: int) -> RelayLog | None:
    return session.exec(
        select(RelayLog).where(RelayLog.subject_id == subject_id, RelayLog.status != "closed")
    ).first()


def _view(session: Session, subject: Subject) -> SubjectView:
    guardians = session.exec(
        select(Guardian).where(Guardian.subject_id == subject.id).order_by(col(Guardian.id))
    ).all()
    log = active_log_of(session, subject.id)
    return SubjectView(
        id=subject.id,
        national_number_masked=mask(subject.national_number),
        name=subject.name,
        birth_date=subject.birth_date,
        kind=subject.kind,
        guardians=tuple(
            GuardianView(g.id, g.name, g.relation, g.phone, g.email, g.has_custody) for g in guardians
        ),
        active_log=holder_contact(session, log) if log else None,
    )


def find_subject(store: Store, by: access.StaffRef, national_number: str) -> SubjectView | None:
    """Look a subject up by the full number, to start a log or to learn who holds one (R1)."""
    profile = installation.read(store).profile
    digits, _born = validate_national_number(national_number, profile)
    with store.session(write=True) as session:
        staff = access.require_staff(session, by)
        subject = session.exec(select(Subject).where(Subject.national_number == digits)).first()
        access.write_audit(
            session, staff, by, "subject_lookup", subject_id=subject.id if subject else None,
            detail="found" if subject else "not found",
        )
        return _view(session, subject) if subject else None


def create_subject(
    store: Store,
    by: access.StaffRef,
    *,
    national_number: str,
    name: str,
    kind: str = "child",
    guardians: list[GuardianInput] | tuple[GuardianInput, ...] = (),
) -> SubjectView:
    """Register a subject with its guardians (any member of staff who starts a log)."""
    profile = installation.read(store).profile
    digits, born = validate_national_number(national_number, profile)
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Type the subject's name."))
    if kind not in KINDS:
        raise InvalidInput(_("The subject is a child, a youth or a pregnant person."))
    for guardian in guardians:
        if not guardian.name.strip():
            raise InvalidInput(_("Type each guardian's name, or leave the guardian out."))
    with store.session(write=True) as session:
        staff = access.require_staff(session, by)
        if session.exec(select(Subject).where(Subject.national_number == digits)).first():
            raise InvalidInput(
                _("A subject with this national number is already registered. Look it up instead.")
            )
        subject = Subject(national_number=digits, name=name, birth_date=born, kind=kind)
        session.add(subject)
        session.flush()
        for guardian in guardians:
            session.add(
                Guardian(
                    subject_id=subject.id, name=guardian.name.strip(), relation=guardian.relation,
                    phone=guardian.phone, email=guardian.email, has_custody=guardian.has_custody,
                )
            )
        session.flush()
        access.write_audit(session, staff, by, "subject_created", subject_id=subject.id)
        return _view(session, subject)


def add_guardian(store: Store, by: access.StaffRef, log_id: int, guardian: GuardianInput) -> GuardianView:
    """The holder adds a guardian to the log's subject."""
    if not guardian.name.strip():
        raise InvalidInput(_("Type the guardian's name."))
    with store.session(write=True) as session:
        staff, log = access.log_for_write(session, by, log_id, what="guardian")
        row = Guardian(
            subject_id=log.subject_id, name=guardian.name.strip(), relation=guardian.relation,
            phone=guardian.phone, email=guardian.email, has_custody=guardian.has_custody,
        )
        session.add(row)
        session.flush()
        access.write_audit(session, staff, by, "guardian_added", log=log)
        return GuardianView(row.id, row.name, row.relation, row.phone, row.email, row.has_custody)


def get_subject(session: Session, subject_id: int) -> Subject:
    subject = session.get(Subject, subject_id)
    if subject is None:
        raise NotFound(_("There is no such subject."))
    return subject


def list_guardians(store: Store, by: access.StaffRef, log_id: int) -> list[GuardianView]:
    """The guardians of the log's subject, for whoever may read the log: they consent on the
    subject's behalf (R6) and read along without a consent (R5). The read is audited (R9)."""
    with store.session(write=True) as session:
        _staff, log = access.log_for_read(session, by, log_id, what="guardians")
        rows = session.exec(
            select(Guardian).where(Guardian.subject_id == log.subject_id).order_by(col(Guardian.id))
        ).all()
        return [GuardianView(g.id, g.name, g.relation, g.phone, g.email, g.has_custody) for g in rows]
