"""Subjects and their guardians; national numbers validated and masked (R15)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from relaytui.db import Store
from relaytui.errors import InvalidInput, NotFound
from relaytui.i18n import _, ngettext
from relaytui.i18n.formats import date_text
from relaytui.models import Guardian, RelayLog, Staff, Subject, Unit
from relaytui.models.base import stored_id
from relaytui.profiles import Profile, profile_of
from relaytui.services import access, clock, installation

KINDS = ("child", "youth", "pregnant")


@dataclass(frozen=True)
class GuardianView:
    id: int
    name: str
    relation: str
    phone: str
    email: str
    has_custody: bool
    #: A national number is recorded: the guardian can log in to the family view. The number
    #: itself never leaves the service; only its masked form (``010185-****``).
    has_national_number: bool = False
    national_number_masked: str = ""


#: ``GuardianInput.national_number`` for a change that keeps the number recorded.
KEEP_NUMBER = None


@dataclass(frozen=True)
class GuardianInput:
    name: str
    relation: str = ""
    phone: str = ""
    email: str = ""
    has_custody: bool = True
    #: For the family's login (MitID, ID-porten): "" none; validated like a subject's (R15).
    #: :data:`KEEP_NUMBER` (None): :func:`change_guardian` keeps the number recorded.
    national_number: str | None = ""


@dataclass(frozen=True)
class HolderContact:
    """What R1 lets us tell about an existing log: who holds it and how to reach them."""

    log_id: int
    holder_name: str
    unit_name: str
    phone: str
    email: str
    profession: str = ""
    #: The log was passed into an individual plan (R14): its holder is its coordinator.
    coordinator: bool = False


@dataclass(frozen=True)
class SubjectView:
    id: int
    national_number_masked: str
    name: str
    birth_date: date | None
    kind: str
    guardians: tuple[GuardianView, ...]
    active_log: HolderContact | None


def _refuse(problem: str, country: Profile) -> InvalidInput:
    """The part that is wrong, then what to type; never the number itself (a partial number
    shown masked would look like a complete one)."""
    return InvalidInput(
        _("{problem} Type {expected}.").format(
            problem=problem, expected=_(country.number_expected)
        ),
        rule="R15",
    )


def _birth_date_problem(day: int, month: int, country: Profile) -> str | None:
    """Which part of DDMM is wrong, before the century is even considered."""
    if country.number_date_offsets:
        if day >= 80:
            return _("The first digit is 8 or 9: this is an FH number, which holds no birth date.")
        day, month = country.unshifted(day, month)  # a D-number or an H-number
    if not 1 <= month <= 12:
        return _(
            "The month ({month}) is wrong: the third and fourth digits are the month, 01 to 12."
        ).format(month=f"{month:02d}")
    if not 1 <= day <= 31:
        return _("The day ({day}) is wrong: the first two digits are the day, 01 to 31.").format(
            day=f"{day:02d}"
        )
    return None


def validate_national_number(
    number: str, profile: str, today: date | None = None
) -> tuple[str, date | None]:
    """The number's digits and the birth date it holds; InvalidInput says which part is wrong:
    letters, the length, the day, the month, the control digits (``no``) or a birth date in the
    future. The checks are python-stdnum's (``stdnum.dk.cpr``, ``stdnum.no.fodselsnummer``)."""
    from stdnum.exceptions import ValidationError
    from stdnum.util import isdigits

    country = profile_of(profile)
    module, needed = country.number_scheme(), country.number_digits
    digits = module.compact((number or "").strip())
    if not digits:
        raise _refuse(_("The national number is empty."), country)
    if not isdigits(digits):
        raise _refuse(
            _(
                "The number holds letters or other signs: only digits belong in it, "
                "with a space or a hyphen at most."
            ),
            country,
        )
    if len(digits) != needed:
        raise _refuse(
            ngettext(
                "The number has {count} digit, not {needed}.",
                "The number has {count} digits, not {needed}.",
                len(digits),
            ).format(count=len(digits), needed=needed),
            country,
        )
    problem = _birth_date_problem(int(digits[0:2]), int(digits[2:4]), country)
    if problem:
        raise _refuse(problem, country)
    if country.number_control_digits and (
        digits[-2] != module.calc_check_digit1(digits)
        or digits[-1] != module.calc_check_digit2(digits)
    ):
        raise _refuse(
            _(
                "The control digits (the last two) do not match the first nine: check "
                "each digit for a typing error."
            ),
            country,
        )
    try:
        born = module.get_birth_date(digits)
    except ValidationError:
        try:  # the same number born on 1 January: if that fails too, the century is the problem
            module.get_birth_date("0101" + digits[4:])
        except ValidationError:
            raise _refuse(
                _(
                    "The birth year cannot be told from the individual number (the "
                    "seventh to ninth digits)."
                ),
                country,
            ) from None
        day, month = country.unshifted(int(digits[0:2]), int(digits[2:4]))
        raise _refuse(
            _("The day ({day}) does not exist in month {month}.").format(
                day=f"{day:02d}", month=f"{month:02d}"
            ),
            country,
        ) from None
    if born > (today or clock.today()):
        raise _refuse(
            _("The birth date in the number ({date}) is in the future.").format(
                date=date_text(born)
            ),
            country,
        )
    return digits, born


#: From this age a subject is an adult: a relay log is about a child, a young person or a
#: pregnant person, so the screen warns (and still lets the log be created).
ADULT_AGE = 18


def adult_warning(born: date | None, today: date | None = None) -> str | None:
    """A warning when the birth date makes the subject an adult (18 or older), else None."""
    if born is None:
        return None
    day = today or clock.today()
    age = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    if age < ADULT_AGE:
        return None
    return ngettext(
        "The subject is {age} year old, an adult: a relay log is about a child, a young person "
        "or a pregnant person. Check the number.",
        "The subject is {age} years old, an adult: a relay log is about a child, a young person "
        "or a pregnant person. Check the number.",
        age,
    ).format(age=age)


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
        log_id=stored_id(log),
        holder_name=holder.full_name if holder else "",
        unit_name=unit.name if unit else "",
        phone=(holder.phone if holder and holder.phone else (unit.phone if unit else "")),
        email=holder.email if holder else "",
        profession=holder.profession if holder and holder.profession else "",
        coordinator=log.plan_coordinator_id is not None
        and log.plan_coordinator_id == log.holder_id,
    )


def active_log_of(session: Session, subject_id: int) -> RelayLog | None:
    return session.exec(
        select(RelayLog).where(RelayLog.subject_id == subject_id, RelayLog.status != "closed")
    ).first()


def _guardian_view(row: Guardian) -> GuardianView:
    return GuardianView(
        stored_id(row),
        row.name,
        row.relation,
        row.phone,
        row.email,
        row.has_custody,
        has_national_number=bool(row.national_number),
        national_number_masked=mask(row.national_number) if row.national_number else "",
    )


# --- a guardian as typed -----------------------------------------------------------------------

#: The longest text each field of a guardian holds (the columns of ``guardian``).
GUARDIAN_LIMITS = {"name": 200, "relation": 50, "phone": 50, "email": 200}


def _guardian_number(number: str, name: str, inst: installation.Installation) -> str:
    """The digits of a guardian's national number ("" when none was typed), checked like a
    subject's (R15): a guardian is an adult, and an adult's birth date is no refusal. The
    refusal says whose number is wrong and what to type."""
    if not (number or "").strip():
        return ""
    try:
        digits, _born = validate_national_number(number, inst.profile, clock.today(inst.timezone))
    except InvalidInput as exc:
        raise InvalidInput(
            _(
                "{name}'s national number: {problem} Or leave it empty: the family then "
                "cannot log in to read the log."
            ).format(name=name, problem=exc.message),
            rule="R15",
        ) from None
    return digits


def _checked_guardian(guardian: GuardianInput, inst: installation.Installation) -> GuardianInput:
    """The guardian as typed, trimmed and checked; the national number as its digits ("" none,
    :data:`KEEP_NUMBER` kept). Nothing is stored when a field is refused."""
    name = guardian.name.strip()
    if not name:
        raise InvalidInput(_("Type the guardian's name."))
    fields = {
        "name": name,
        "relation": guardian.relation.strip(),
        "phone": guardian.phone.strip(),
        "email": guardian.email.strip(),
    }
    words = {
        "name": _("name"),
        "relation": _("relation"),
        "phone": _("phone number"),
        "email": _("e-mail address"),
    }
    for key, limit in GUARDIAN_LIMITS.items():
        if len(fields[key]) > limit:
            raise InvalidInput(
                _("The guardian's {field} is too long: at most {n} characters.").format(
                    field=words[key], n=limit
                )
            )
    email = fields["email"]
    if email and ("@" not in email.strip("@") or any(ch.isspace() for ch in email)):
        raise InvalidInput(
            _(
                "'{address}' is not an e-mail address: write it as name@example.dk, or leave "
                "it empty."
            ).format(address=email)
        )
    number = guardian.national_number
    return GuardianInput(
        name=name,
        relation=fields["relation"],
        phone=fields["phone"],
        email=email,
        has_custody=guardian.has_custody,
        national_number=KEEP_NUMBER if number is None else _guardian_number(number, name, inst),
    )


def _check_number_free(
    session: Session, subject: Subject, digits: str, *, guardian_id: int | None = None
) -> None:
    """A guardian's number is not the subject's own, nor another guardian's of the subject:
    the family's login would not know whom it is."""
    if not digits:
        return
    if digits == subject.national_number:
        raise InvalidInput(
            _(
                "This is the national number of {name}, the subject: type the guardian's own "
                "number."
            ).format(name=subject.name),
            rule="R15",
        )
    others = select(Guardian).where(
        Guardian.subject_id == subject.id, Guardian.national_number == digits
    )
    if guardian_id is not None:
        others = others.where(Guardian.id != guardian_id)
    other = session.exec(others).first()
    if other is not None:
        raise InvalidInput(
            _(
                "{name} is already registered with this national number: each guardian "
                "logs in with their own."
            ).format(name=other.name),
            rule="R15",
        )


def _fill_guardian(row: Guardian, typed: GuardianInput) -> None:
    row.name = typed.name
    row.relation = typed.relation
    row.phone = typed.phone
    row.email = typed.email
    row.has_custody = typed.has_custody
    if typed.national_number is not KEEP_NUMBER:
        row.national_number = typed.national_number or None


def _view(session: Session, subject: Subject) -> SubjectView:
    guardians = session.exec(
        select(Guardian).where(Guardian.subject_id == subject.id).order_by(col(Guardian.id))
    ).all()
    log = active_log_of(session, stored_id(subject))
    return SubjectView(
        id=stored_id(subject),
        national_number_masked=mask(subject.national_number),
        name=subject.name,
        birth_date=subject.birth_date,
        kind=subject.kind,
        guardians=tuple(_guardian_view(g) for g in guardians),
        active_log=holder_contact(session, log) if log else None,
    )


def find_subject(store: Store, by: access.StaffRef, national_number: str) -> SubjectView | None:
    """Look a subject up by the full number, to start a log or to learn who holds one (R1)."""
    inst = installation.read(store)
    digits, _born = validate_national_number(
        national_number, inst.profile, clock.today(inst.timezone)
    )
    with store.session(write=True) as session:
        staff = access.require_staff(session, by)
        subject = session.exec(select(Subject).where(Subject.national_number == digits)).first()
        access.write_audit(
            session,
            staff,
            by,
            "subject_lookup",
            subject_id=subject.id if subject else None,
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
    inst = installation.read(store)
    digits, born = validate_national_number(
        national_number, inst.profile, clock.today(inst.timezone)
    )
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Type the subject's name."))
    if kind not in KINDS:
        raise InvalidInput(_("The subject is a child, a youth or a pregnant person."))
    for guardian in guardians:
        if not guardian.name.strip():
            raise InvalidInput(_("Type each guardian's name, or leave the guardian out."))
    typed = [_checked_guardian(guardian, inst) for guardian in guardians]
    with store.session(write=True) as session:
        staff = access.require_staff(session, by)
        if session.exec(select(Subject).where(Subject.national_number == digits)).first():
            raise InvalidInput(
                _("A subject with this national number is already registered. Look it up instead.")
            )
        subject = Subject(national_number=digits, name=name, birth_date=born, kind=kind)
        session.add(subject)
        session.flush()
        for guardian in typed:
            _check_number_free(session, subject, guardian.national_number or "")
            row = Guardian(subject_id=stored_id(subject), name=guardian.name)
            _fill_guardian(row, guardian)
            session.add(row)
            session.flush()
        access.write_audit(session, staff, by, "subject_created", subject_id=subject.id)
        return _view(session, subject)


def add_guardian(
    store: Store, by: access.StaffRef, log_id: int, guardian: GuardianInput
) -> GuardianView:
    """The holder adds a guardian to the log's subject; with a national number the guardian
    can log in to the family view."""
    typed = _checked_guardian(guardian, installation.read(store))
    with store.session(write=True) as session:
        staff, log = access.log_for_write(session, by, log_id, what="guardian")
        subject = session.get(Subject, log.subject_id)
        assert subject is not None
        _check_number_free(session, subject, typed.national_number or "")
        row = Guardian(subject_id=log.subject_id, name=typed.name)
        _fill_guardian(row, typed)
        session.add(row)
        session.flush()
        access.write_audit(session, staff, by, "guardian_added", log=log)
        return _guardian_view(row)


def change_guardian(
    store: Store, by: access.StaffRef, log_id: int, guardian_id: int, guardian: GuardianInput
) -> GuardianView:
    """The holder changes what is recorded about one of the subject's guardians: name,
    relation, phone, e-mail, custody, and the national number the family logs in with
    (``national_number``: :data:`KEEP_NUMBER` keeps it, "" removes it). The audit event names
    the fields changed, never their values."""
    typed = _checked_guardian(guardian, installation.read(store))
    with store.session(write=True) as session:
        staff, log = access.log_for_write(session, by, log_id, what="guardian")
        row = session.get(Guardian, guardian_id)
        if row is None or row.subject_id != log.subject_id:
            raise NotFound(
                _("This guardian is not one of the subject's guardians. Choose one in the list.")
            )
        subject = session.get(Subject, log.subject_id)
        assert subject is not None
        if typed.national_number is not KEEP_NUMBER:
            _check_number_free(session, subject, typed.national_number, guardian_id=row.id)
        before = row.model_dump()
        _fill_guardian(row, typed)
        changed = [key for key, value in row.model_dump().items() if before[key] != value]
        session.add(row)
        session.flush()
        access.write_audit(
            session, staff, by, "guardian_changed", log=log, detail=",".join(changed)
        )
        return _guardian_view(row)


def list_guardians(store: Store, by: access.StaffRef, log_id: int) -> list[GuardianView]:
    """The guardians of the log's subject, for whoever may read the log: they consent on the
    subject's behalf (R6) and read along without a consent (R5). The read is audited (R9)."""
    with store.session(write=True) as session:
        _staff, log = access.log_for_read(session, by, log_id, what="guardians")
        rows = session.exec(
            select(Guardian).where(Guardian.subject_id == log.subject_id).order_by(col(Guardian.id))
        ).all()
        return [_guardian_view(g) for g in rows]
