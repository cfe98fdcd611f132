"""Efforts and goals: who does what, from when, evaluated when (R12)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from relaytui.db import Store
from relaytui.errors import InvalidInput, NotFound, RuleViolation
from relaytui.i18n import _
from relaytui.models import Effort, Evaluation, Goal, Staff
from relaytui.models.base import stored_id
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


def _evaluations(session: Session, owner, ids: set[int]) -> dict[int, tuple[EvaluationView, ...]]:
    """The evaluations of many efforts (or goals) in one statement, by ``owner`` id, oldest first."""
    if not ids:
        return {}
    rows = session.exec(
        select(Evaluation, Staff)
        .join(Staff, col(Staff.id) == Evaluation.evaluated_by)
        .where(col(owner).in_(ids))
        .order_by(col(Evaluation.evaluated_at), col(Evaluation.id))
    ).all()
    found: dict[int, list[EvaluationView]] = {}
    for e, s in rows:
        found.setdefault(getattr(e, owner.key), []).append(
            EvaluationView(e.evaluated_at, s.full_name, e.text, e.next_evaluate_on)
        )
    return {key: tuple(views) for key, views in found.items()}


def effort_views(session: Session, rows: list[Effort], today: date) -> list[EffortView]:
    """Many efforts in a fixed number of statements, however many there are (issue 6)."""
    staff_ids = {e.responsible_staff_id for e in rows if e.responsible_staff_id}
    names = (
        dict(
            session.exec(
                select(Staff.id, Staff.full_name).where(col(Staff.id).in_(staff_ids))
            ).all()
        )
        if staff_ids
        else {}
    )
    evaluations = _evaluations(session, Evaluation.effort_id, {stored_id(e) for e in rows})
    return [
        EffortView(
            id=stored_id(e),
            log_id=e.log_id,
            what=e.what,
            responsible=names.get(e.responsible_staff_id, "")
            if e.responsible_staff_id
            else e.responsible_text,
            responsible_staff_id=e.responsible_staff_id,
            starts_on=e.starts_on,
            evaluate_on=e.evaluate_on,
            status=e.status,
            overdue=e.status == "active" and e.evaluate_on < today,
            evaluations=evaluations.get(stored_id(e), ()),
            version=e.version,
        )
        for e in rows
    ]


def effort_view(session: Session, effort: Effort, today: date) -> EffortView:
    return effort_views(session, [effort], today)[0]


def goal_views(session: Session, rows: list[Goal], today: date) -> list[GoalView]:
    evaluations = _evaluations(session, Evaluation.goal_id, {stored_id(g) for g in rows})
    return [
        GoalView(
            id=stored_id(g),
            log_id=g.log_id,
            text=g.text,
            evaluate_on=g.evaluate_on,
            status=g.status,
            overdue=g.status == "active" and g.evaluate_on is not None and g.evaluate_on < today,
            evaluations=evaluations.get(stored_id(g), ()),
            version=g.version,
        )
        for g in rows
    ]


def goal_view(session: Session, goal: Goal, today: date) -> GoalView:
    return goal_views(session, [goal], today)[0]


def check_responsible(session: Session, log, staff_id: int | None, text: str) -> None:
    """Who is responsible for an effort: the holder, an actor of the log, or someone named in
    the home (R12); also asked of the efforts agreed in a meeting's minutes."""
    if staff_id is None and not text.strip():
        raise InvalidInput(
            _(
                "Name who is responsible: an actor, the holder, or someone in the home such as "
                "'mother'."
            ),
            rule="R12",
        )
    if staff_id is not None:
        if (
            staff_id != log.holder_id
            and access.active_membership(session, log.id, staff_id) is None
        ):
            raise RuleViolation(
                _(
                    "The responsible person must be the holder or an actor of this log. Add them as "
                    "an actor first, or type a name such as 'mother'."
                ),
                rule="R12",
            )


def add_effort(
    store: Store,
    by: access.StaffRef,
    log_id: int,
    *,
    what: str,
    starts_on: date,
    evaluate_on: date,
    responsible_staff_id: int | None = None,
    responsible_text: str = "",
    meeting_id: int | None = None,
) -> EffortView:
    """Record who does what from when, and when it is evaluated (R12)."""
    what = (what or "").strip()
    if not what:
        raise InvalidInput(_("Say what will be done."), rule="R12")
    if evaluate_on < starts_on:
        raise InvalidInput(_("The evaluation date cannot be before the start date."), rule="R12")
    inst = installation.read(store)
    with store.session(write=True) as session:
        staff, log = access.log_for_write(session, by, log_id, what="effort")
        check_responsible(session, log, responsible_staff_id, responsible_text)
        effort = Effort(
            log_id=stored_id(log),
            what=what,
            responsible_staff_id=responsible_staff_id,
            responsible_text=(responsible_text or "").strip()
            if responsible_staff_id is None
            else "",
            starts_on=starts_on,
            evaluate_on=evaluate_on,
            created_by=stored_id(staff),
            created_at=clock.now(),
            meeting_id=meeting_id,
        )
        session.add(effort)
        session.flush()
        access.write_audit(
            session, staff, by, "effort_added", log=log, detail=f"effort {effort.id}"
        )
        return effort_view(session, effort, clock.today(inst.timezone))


def _load_effort(session: Session, effort_id: int) -> Effort:
    effort = session.get(Effort, effort_id)
    if effort is None:
        raise NotFound(_("There is no such effort."))
    return effort


def update_effort(
    store: Store,
    by: access.StaffRef,
    effort_id: int,
    *,
    version: int,
    what: str | None = None,
    evaluate_on: date | None = None,
    responsible_staff_id: int | None = None,
    responsible_text: str | None = None,
) -> EffortView:
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
                raise InvalidInput(
                    _("The evaluation date cannot be before the start date."), rule="R12"
                )
            values["evaluate_on"] = evaluate_on
        if responsible_staff_id is not None or responsible_text is not None:
            check_responsible(session, log, responsible_staff_id, responsible_text or "")
            values["responsible_staff_id"] = responsible_staff_id
            values["responsible_text"] = (
                (responsible_text or "").strip() if responsible_staff_id is None else ""
            )
        guarded_update(
            session, Effort, stored_id(effort), version, **values
        )  # and refreshes effort
        access.write_audit(
            session, staff, by, "effort_changed", log=log, detail=f"effort {effort.id}"
        )
        return effort_view(session, effort, clock.today(inst.timezone))


def evaluate_effort(
    store: Store,
    by: access.StaffRef,
    effort_id: int,
    *,
    version: int,
    text: str,
    next_evaluate_on: date | None = None,
    end: bool = False,
) -> EffortView:
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
        guarded_update(
            session, Effort, stored_id(effort), version, **values
        )  # and refreshes effort
        session.add(
            Evaluation(
                effort_id=effort.id,
                evaluated_by=stored_id(staff),
                evaluated_at=now,
                text=text,
                next_evaluate_on=None if end else next_evaluate_on,
            )
        )
        session.flush()
        access.write_audit(
            session, staff, by, "effort_evaluated", log=log, detail=f"effort {effort.id}"
        )
        return effort_view(session, effort, today)


def list_efforts(store: Store, by: access.StaffRef, log_id: int) -> list[EffortView]:
    inst = installation.read(store)
    today = clock.today(inst.timezone)
    with store.session(write=True) as session:
        access.log_for_read(session, by, log_id, what="efforts")
        rows = session.exec(
            select(Effort)
            .where(Effort.log_id == log_id)
            .order_by(col(Effort.status), col(Effort.evaluate_on), col(Effort.id))
        ).all()
        return effort_views(session, list(rows), today)


def add_goal(
    store: Store,
    by: access.StaffRef,
    log_id: int,
    *,
    text: str,
    evaluate_on: date | None = None,
    meeting_id: int | None = None,
) -> GoalView:
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("Describe the goal."), rule="R12")
    inst = installation.read(store)
    with store.session(write=True) as session:
        staff, log = access.log_for_write(session, by, log_id, what="goal")
        goal = Goal(
            log_id=stored_id(log),
            text=text,
            evaluate_on=evaluate_on,
            created_by=stored_id(staff),
            created_at=clock.now(),
            meeting_id=meeting_id,
        )
        session.add(goal)
        session.flush()
        access.write_audit(session, staff, by, "goal_added", log=log, detail=f"goal {goal.id}")
        return goal_view(session, goal, clock.today(inst.timezone))


def evaluate_goal(
    store: Store,
    by: access.StaffRef,
    goal_id: int,
    *,
    version: int,
    text: str,
    status: str = "active",
    next_evaluate_on: date | None = None,
) -> GoalView:
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
        guarded_update(
            session,
            Goal,
            stored_id(goal),
            version,
            status=status,  # and refreshes goal
            evaluate_on=next_evaluate_on if status == "active" else goal.evaluate_on,
        )
        session.add(
            Evaluation(
                goal_id=goal.id,
                evaluated_by=stored_id(staff),
                evaluated_at=now,
                text=text,
                next_evaluate_on=next_evaluate_on,
            )
        )
        session.flush()
        access.write_audit(session, staff, by, "goal_evaluated", log=log, detail=f"goal {goal.id}")
        return goal_view(session, goal, clock.today(inst.timezone))


def list_goals(store: Store, by: access.StaffRef, log_id: int) -> list[GoalView]:
    inst = installation.read(store)
    today = clock.today(inst.timezone)
    with store.session(write=True) as session:
        access.log_for_read(session, by, log_id, what="goals")
        rows = session.exec(select(Goal).where(Goal.log_id == log_id).order_by(col(Goal.id))).all()
        return goal_views(session, list(rows), today)


def overdue_for_holder(store: Store, by: access.StaffRef) -> list[EffortView]:
    """Every overdue evaluation in the logs I hold: flagged wherever the holder looks (R12)."""
    from relaytui.models import RelayLog

    inst = installation.read(store)
    today = clock.today(inst.timezone)
    with store.session() as session:
        staff = access.require_staff(session, by)
        rows = session.exec(
            select(Effort)
            .join(RelayLog, col(RelayLog.id) == Effort.log_id)
            .where(
                RelayLog.holder_id == staff.id,
                RelayLog.status != "closed",
                Effort.status == "active",
                col(Effort.evaluate_on) < today,
            )
            .order_by(col(Effort.evaluate_on))
        ).all()
        return effort_views(session, list(rows), today)
