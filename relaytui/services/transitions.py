"""Asking the family, in the family view, to let the log pass to a new unit (R8).

A handover to someone in another unit is a transition and needs the guardians' consent to share
the log with that unit. When no consent covers the unit, the holder may ask the family here:
the guardians (or the subject who consents for themself, R6) answer in the family view
(:func:`relaytui.services.family.answer_transition`), and an accepted request is recorded there
as a digital consent that covers the unit. Then the holder proposes the handover again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from relaytui.db import Store
from relaytui.errors import InvalidInput, NotFound, RuleViolation
from relaytui.i18n import _
from relaytui.models import Consent, Guardian, RelayLog, Staff, Subject, TransitionRequest, Unit
from relaytui.models.base import stored_id
from relaytui.services import access, clock, consent, consent_givers, installation

#: The longest message to the family.
MESSAGE_MAX = 2000


class NeedsFamilyConsent(RuleViolation):
    """A transition to another unit was refused for want of a consent that covers the unit
    (R8); ``unit_id`` is the unit the family may be asked about (:func:`ask_family`)."""

    def __init__(self, message: str, *, unit_id: int | None) -> None:
        super().__init__(message, rule="R8")
        self.unit_id = unit_id


@dataclass(frozen=True)
class TransitionView:
    id: int
    log_id: int
    unit_id: int
    unit_name: str
    asked_by_name: str
    asked_at: datetime
    message: str
    status: str  # pending|accepted|declined|withdrawn
    answered_at: datetime | None
    answered_by_name: str | None
    #: The consent an accepted request recorded.
    consent_id: int | None
    version: int


def _view(session: Session, row: TransitionRequest) -> TransitionView:
    unit = session.get(Unit, row.unit_id)
    asker = session.get(Staff, row.asked_by)
    return _as_view(row, unit.name if unit else "", asker.full_name if asker else "")


def _as_view(row: TransitionRequest, unit_name: str, asked_by_name: str) -> TransitionView:
    return TransitionView(
        id=stored_id(row),
        log_id=row.log_id,
        unit_id=row.unit_id,
        unit_name=unit_name,
        asked_by_name=asked_by_name,
        asked_at=row.asked_at,
        message=row.message,
        status=row.status,
        answered_at=row.answered_at,
        answered_by_name=row.answered_by_name,
        consent_id=row.consent_id,
        version=row.version,
    )


def _pending(session: Session, log_id: int) -> TransitionRequest | None:
    return session.exec(
        select(TransitionRequest).where(
            TransitionRequest.log_id == log_id, TransitionRequest.status == "pending"
        )
    ).first()


def _check_someone_can_answer(
    session: Session, log: RelayLog, inst: installation.Installation
) -> None:
    """Someone who may consent (R6) can log in to the family view: the subject for themself
    (their own number is recorded), or a guardian with custody and a national number."""
    subject = session.get(Subject, log.subject_id)
    if subject is None:
        raise NotFound(_("There is no such subject."))
    guardians = session.exec(
        select(Guardian).where(Guardian.subject_id == subject.id).order_by(col(Guardian.id))
    ).all()
    givers = consent_givers.who_may_consent(
        subject.name,
        subject.kind,
        subject.birth_date,
        guardians,
        inst,
        clock.today(inst.timezone),
    )
    numbered = {g.id for g in guardians if g.national_number}
    if any(g.guardian_id is None or g.guardian_id in numbered for g in givers):
        return
    raise RuleViolation(
        _(
            "Nobody who may consent for {name} can log in to the family view: record the "
            "national number of a guardian with custody under Actors and consent (g), or "
            "record their consent on paper."
        ).format(name=subject.name),
        rule="R8",
    )


def ask_family(
    store: Store, by: access.StaffRef, log_id: int, unit_id: int, message: str = ""
) -> TransitionView:
    """The holder asks the family to let the log pass to ``unit_id`` (R8). One request waits
    at a time; a unit a consent in force covers already, or the log's own unit, needs none."""
    inst = installation.read(store)
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX:
        raise InvalidInput(
            _("The message is too long: at most {n} characters.").format(n=MESSAGE_MAX)
        )
    with store.session(write=True) as session:
        staff, log = access.log_for_write(session, by, log_id, what="transition")
        unit = session.get(Unit, unit_id)
        if unit is None:
            raise NotFound(_("There is no such unit."))
        if unit.id == log.unit_id:
            raise InvalidInput(
                _(
                    "{unit} is this log's own unit: a handover within it needs no consent "
                    "from the family."
                ).format(unit=unit.name),
                rule="R8",
            )
        waiting = _pending(session, stored_id(log))
        if waiting is not None:
            waiting_unit = session.get(Unit, waiting.unit_id)
            raise RuleViolation(
                _(
                    "The family was asked about a transition to {unit} and has not answered "
                    "yet. Withdraw that request under Actors and consent before asking again."
                ).format(unit=waiting_unit.name if waiting_unit else "-"),
                rule="R8",
            )
        given = session.exec(select(Consent).where(Consent.log_id == log.id)).all()
        if any(consent.covers_unit(session, c, unit.id) for c in given):
            raise RuleViolation(
                _("A consent in force covers {unit} already: propose the handover (h).").format(
                    unit=unit.name
                ),
                rule="R8",
            )
        _check_someone_can_answer(session, log, inst)
        row = TransitionRequest(
            log_id=stored_id(log),
            unit_id=stored_id(unit),
            asked_by=stored_id(staff),
            asked_at=clock.now(),
            message=message,
        )
        session.add(row)
        session.flush()
        access.write_audit(
            session,
            staff,
            by,
            "transition_asked",
            log=log,
            detail=f"request {row.id} to unit {unit.id}",
        )
        return _view(session, row)


def withdraw(store: Store, by: access.StaffRef, request_id: int) -> TransitionView:
    """The holder takes back a request the family has not answered yet."""
    with store.session(write=True) as session:
        log_id = session.exec(
            select(TransitionRequest.log_id).where(TransitionRequest.id == request_id)
        ).first()
        if log_id is None:
            raise NotFound(_("There is no such request to the family."))
        # The log first (the lock order of the family's answer), then the request as it is now.
        staff, log = access.log_for_write(session, by, log_id, what="transition")
        row = session.exec(
            select(TransitionRequest)
            .where(TransitionRequest.id == request_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
        if row.status != "pending":
            raise RuleViolation(
                _("The family has answered this request already, so it cannot be withdrawn."),
                rule="R8",
            )
        row.status = "withdrawn"
        row.version += 1
        session.add(row)
        session.flush()
        access.write_audit(
            session, staff, by, "transition_withdrawn", log=log, detail=f"request {row.id}"
        )
        return _view(session, row)


def requests_for_log(store: Store, by: access.StaffRef, log_id: int) -> list[TransitionView]:
    """The requests to the family about this log, the latest first, for the holder and the
    actors (the read is audited, R9)."""
    with store.session(write=True) as session:
        _staff, log = access.log_for_read(session, by, log_id, what="transition requests")
        rows = session.exec(  # one statement, however many requests (issue 6)
            select(TransitionRequest, Unit.name, Staff.full_name)
            .join(Unit, col(Unit.id) == TransitionRequest.unit_id)
            .join(Staff, col(Staff.id) == TransitionRequest.asked_by)
            .where(TransitionRequest.log_id == log.id)
            .order_by(col(TransitionRequest.asked_at).desc(), col(TransitionRequest.id).desc())
        ).all()
        return [_as_view(row, unit_name, asker) for row, unit_name, asker in rows]
