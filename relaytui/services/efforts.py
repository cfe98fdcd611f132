"""Efforts and goals: who does what, from when, evaluated when (R12)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from relaytui.db import Store
from relaytui.errors import InvalidInput, NotFound, RuleViolation
from relaytui.i18n import _
from relaytui.models import Effort, Evaluation, Goal, Staff
from relaytui.services import access, clock, installation
from relaytui.services.versions import guarded_update


@dataclass(frozen=True)
class EvaluationView:
    at: datetime
    by_name: str
    text: str
    next_evaluate_on: date | None


@dataclass(frozen=True)
class EffortView:
    id: int
    log_id: int
    what: str
    responsible: str
    responsible_staff_id: int | None
    starts_on: date
    evaluate_on: date
    status: str
    overdue: bool
    evaluations: tuple[EvaluationView, ...]
    version: int


@dataclass(frozen=True)
class GoalView:
    id: int
    log_id: int
    text: str
    evaluate_on: date | None
    status: str
    overdue: bool
    evaluations: tuple[EvaluationView, ...]
    version: int


def _evaluations(session: Session, *, effort_id: int | None = None, goal_id: int | None = None) -> tuple[EvaluationView, ...]:
    query = select(Evaluation, Staff).join(Staff, Staff.id == Evaluation.evaluated_by)
    query = query.where(Evaluation.effort_id == effort_id) if effort_id else query.where(Evaluation.goal_id == goal_id)
    rows = session.exec(query.order_by(col(Evaluation.evaluated_at))).all()
    return tuple(EvaluationView(e.evaluated_at, s.full_name, e.text, e.next_evaluate_on) for e, s in rows)


def effort_view(session: Session, effort: Effort, today: date) -> EffortView:
    if effort.responsible_staff_id:
        person = session.get(Staff, effort.responsible_staff_id)
        responsible = person.full_name if person else ""
    else:
        responsible = effort.responsible_text
    return EffortView(
        id=effort.id, log_id=effort.log_id, what=effort.what, responsible=responsible,
        responsible_staff_id=effort.responsible_staff_id, starts_on=effort.starts_on,
        evaluate_on=effort.evaluate_on, status=effort.status,
        overdue=effort.status == "active" and effort.evaluate_on < today,
        evaluations=_evaluations(session, effort_id=effort.id), version=effort.version,
    )


def goal_view(session: Session, goal: Goal, today: date) -> GoalView:
    return GoalView(
        id=goal.id, log_id=goal.log_id, text=goal.text, evaluate_on=goal.evaluate_on, status=goal.status,
        overdue=goal.status == "active" and goal.evaluate_on is not None and goal.evaluate_on < today,
        evaluations=_evaluations(session, goal_id=goal.id), version=goal.version,
    )


def _check_responsible(session: Session, log, staff_id: int | None, text: str) -> None:
    if staff_id is None and not text.strip():
        raise InvalidInput(
            _("Name who is responsible: an actor, the holder, or someone in the home such as "
              "'mother'."),
            rule="R12",
        )
    if staff_id is not None:
        if staff_id != log.holder_id and access.active_membership(session, log.id, staff_id) is None:
            raise RuleViolation(
                _("The responsible person must be the holder or an actor of this log. Add them as "
                  "an actor first, or type a name such as 'mother'."),
                rule="R12",
            )


def add_effort(store: Store, by: access.StaffRef, log_id: int, *, what: str, starts_on: date,
               evaluate_on: date, responsible_staff_id: int | None = None,
               responsible_text: str = "", meeting_id: int | None = None) -> EffortView:
    """Record who does what from when, and when it is evaluated (R12)."""
    what = (what or "").strip()
    if not what:
        raise InvalidInput(_("Say what will be done."), rule="R12")
    if evaluate_on < starts_on:
        raise InvalidInput(_("The evaluation date cannot be before the start date."), rule="R12")
    inst = installation.read(store)
    with store.session(write=True) as session:
        staff, log = access.log_for_write(session, by, log_id, what="effort")
        _check_responsible(session, log, responsible_staff_id, responsible_text)
        effort = Effort(
            log_id=log.id, what=what, responsible_staff_id=responsible_staff_id,
            responsible_text=(responsible_text or "").strip() if responsible_staff_id is None else "",
            starts_on=starts_on, evaluate_on=evaluate_on, created_by=staff.id, created_at=clock.now(),
            meeting_id=meeting_id,
        )
        session.add(effort)
        session.flush()
        access.write_audit(session, staff, by, "effort_added", log=log, detail=f"effort {effort.id}")
        return effort_view(session, effort, clock.today(inst.timezone))


def _load_effort(session: Session, effort_id: int) -> Effort:
    effort = session.get(Effort, effort_id)
    if effort is None:
        raise NotFound(_("There is no such effort."))
    return effort


def update_effort(store: Store, by: access.StaffRef, effort_id: int, *, version: int,
                  what: str | None = None, evaluate_on: date | None = None,
                  responsible_staff_id: int | None = None, responsible_text: str | None = None) -> EffortView:
    """Change an effort; a write based on an old version is refused, nothing is lost."""
    inst = installation.read(store)
    with store.session(write=True) as session:
        effort = _load_effort(session, effort_id)
        staff, log = access.log_for_write(session, by, effort.log_id, what="effort")
        values: dict = {}
        if what is not None:
            if not what.strip():
                raise InvalidInput(_("Say what will be done."), rule="R12")
            values["what"] = what.strip()
        if evaluate_on is not None:
            if evaluate_on < effort.starts_on:
                raise InvalidInput(_("The evaluation date cannot be before the start date."), rule="R12")
            values["evaluate_on"] = evaluate_on
        if responsible_staff_id is not None or responsible_text is not None:
            _check_responsible(session, log, responsible_staff_id, responsible_text or "")
            values["responsible_staff_id"] = responsible_staff_id
            values["responsible_text"] = (responsible_text or "").strip() if responsible_staff_id is None else ""
        guarded_update(session, Effort, effort.id, version, **values)
        access.write_audit(session, staff, by, "effort_changed", log=log, detail=f"effort {effort.id}")
        return effort_view(session, session.get(Effort, effort.id), clock.today(inst.timezone))


def evaluate_effort(store: Store, by: access.StaffRef, effort_id: int, *, version: int, text: str,
                    next_evaluate_on: date | None = None, end: bool = False) -> EffortView:
    """Evaluate an effort: continue to a new evaluation date, or end it."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("Write what the evaluation found."), rule="R12")
    if not end and next_evaluate_on is None:
        raise InvalidInput(_("Give the next evaluation date, or end the effort."), rule="R12")
    inst = installation.read(store)
    today = clock.today(inst.timezone)
    if next_evaluate_on is not None and next_evaluate_on < today:
        raise InvalidInput(_("The next evaluation date must be today or later."), rule="R12")
    with store.session(write=True) as session:
        effort = _load_effort(session, effort_id)
        staff, log = access.log_for_write(session, by, effort.log_id, what="effort")
        if effort.status != "active":
            raise RuleViolation(_("This effort has ended; start a new one."), rule="R12")
        now = clock.now()
        values = {"status": "ended", "ended_at": now} if end else {"evaluate_on": next_evaluate_on}
        guarded_update(session, Effort, effort.id, version, **values)
        session.add(Evaluation(effort_id=effort.id, evaluated_by=staff.id, evaluated_at=now, text=text,
                               next_evaluate_on=None if end else next_evaluate_on))
        session.flush()
        access.write_audit(session, staff, by, "effort_evaluated", log=log, detail=f"effort {effort.id}")
        return effort_view(session, session.get(Effort, effort.id), today)


def list_efforts(store: Store, by: access.StaffRef, log_id: int) -> list[EffortView]:
    inst = installation.read(store)
    today = clock.today(inst.timezone)
    with store.session(write=True) as session:
        access.log_for_read(session, by, log_id, what="efforts")
        rows = session.exec(
            select(Effort).where(Effort.log_id == log_id)
            .order_by(col(Effort.status), col(Effort.evaluate_on), col(Effort.id))
        ).all()
        return [effort_view(session, e, today) for e in rows]


def add_goal(store: Store, by: access.StaffRef, log_id: int, *, text: str,
             evaluate_on: date | None = None, meeting_id: int | None = None) -> GoalView:
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("Describe the goal."), rule="R12")
    inst = installation.read(store)
    with store.session(write=True) as session:
        staff, log = access.log_for_write(session, by, log_id, what="goal")
        goal = Goal(log_id=log.id, text=text, evaluate_on=evaluate_on, created_by=staff.id,
                    created_at=clock.now(), meeting_id=meeting_id)
        session.add(goal)
        session.flush()
        access.write_audit(session, staff, by, "goal_added", log=log, detail=f"goal {goal.id}")
        return goal_view(session, goal, clock.today(inst.timezone))


def evaluate_goal(store: Store, by: access.StaffRef, goal_id: int, *, version: int, text: str,
                  status: str = "active", next_evaluate_on: date | None = None) -> GoalView:
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("Write what the evaluation found."), rule="R12")
    if status not in ("active", "reached", "dropped"):
        raise InvalidInput(_("A goal is active, reached or dropped."))
    inst = installation.read(store)
    with store.session(write=True) as session:
        goal = session.get(Goal, goal_id)
        if goal is None:
            raise NotFound(_("There is no such goal."))
        staff, log = access.log_for_write(session, by, goal.log_id, what="goal")
        now = clock.now()
        guarded_update(session, Goal, goal.id, version, status=status,
                       evaluate_on=next_evaluate_on if status == "active" else goal.evaluate_on)
        session.add(Evaluation(goal_id=goal.id, evaluated_by=staff.id, evaluated_at=now, text=text,
                               next_evaluate_on=next_evaluate_on))
        session.flush()
        access.write_audit(session, staff, by, "goal_evaluated", log=log, detail=f"goal {goal.id}")
        return goal_view(session, session.get(Goal, goal.id), clock.today(inst.timezone))


def list_goals(store: Store, by: access.StaffRef, log_id: int) -> list[GoalView]:
    inst = installation.read(store)
    today = clock.today(inst.timezone)
    with store.session(write=True) as session:
        access.log_for_read(session, by, log_id, what="goals")
        rows = session.exec(select(Goal).where(Goal.log_id == log_id).order_by(col(Goal.id))).all()
        return [goal_view(session, g, today) for g in rows]


def overdue_for_holder(store: Store, by: access.StaffRef) -> list[EffortView]:
    """Every overdue evaluation in the logs I hold: flagged wherever the holder looks (R12)."""
    from relaytui.models import RelayLog

    inst = installation.read(store)
    today = clock.today(inst.timezone)
    with store.session() as session:
        staff = access.require_staff(session, by)
        rows = session.exec(
            select(Effort).join(RelayLog, RelayLog.id == Effort.log_id).where(
                RelayLog.holder_id == staff.id, RelayLog.status != "closed",
                Effort.status == "active", col(Effort.evaluate_on) < today,
            ).order_by(col(Effort.evaluate_on))
        ).all()
        return [effort_view(session, e, today) for e in rows]
