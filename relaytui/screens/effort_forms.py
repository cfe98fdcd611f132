"""The forms of efforts and goals (R12): who may be responsible, adding, evaluating, ending.

The "Efforts and goals" tab opens these dialogs, and the minutes' editor offers the same
choice of who is responsible when a line becomes an effort (R13). Every evaluation names the
version it was based on: a change made meanwhile by someone else is refused and shown in the
form, and what the holder typed stays.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Checkbox, Input, Select, Static

from relaytui.i18n import N_, _
from relaytui.services import efforts
from relaytui.ui.dialogs import FormDialog, WritingDialog
from relaytui.ui.forms import FormError, field, form_row, read_date
from relaytui.ui.log_pane import label, literal
from relaytui.ui.tables import day, one_line
from relaytui.widgets.choice import Choice
from relaytui.widgets.toggles import MarkedCheckbox
from relaytui.widgets.writing_hints import WritingHints, hints_binding

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services import log_actors, logs
    from relaytui.services.access import StaffRef

EFFORT_STATUS = {"active": N_("active"), "ended": N_("ended")}
GOAL_STATUS = {"active": N_("active"), "reached": N_("reached"), "dropped": N_("dropped")}
#: What a goal evaluation decides: the goal stays, was reached, or was dropped.
GOAL_OUTCOMES = (("active", N_("Continue")), ("reached", N_("Reached")), ("dropped", N_("Dropped")))


@dataclass(frozen=True)
class Responsible:
    """One choice for who is responsible: a member of staff, or a name typed as text."""

    label: str
    staff_id: int | None = None
    text: str = ""


ROLE_WORDS = {
    "holder": N_("holder"),
    "coordinator": N_("coordinator"),
    "leader": N_("leader"),
    "actor": N_("actor"),
    "guardian": N_("guardian"),
    "subject": N_("subject"),
    "other": N_("other"),
}


def responsible_choices(
    detail: logs.LogDetail, actors: Iterable[log_actors.ActorView]
) -> tuple[Responsible, ...]:
    """The holder and the actors, as the add-effort form offers them (R12). Staff are chosen
    as themselves; a guardian or another person reading along is written in by name."""
    choices = [
        Responsible(
            _("{name} (holder)").format(name=detail.holder.holder_name), staff_id=detail.holder_id
        )
    ]
    for actor in actors:
        if actor.staff_id is not None:
            if actor.staff_id == detail.holder_id:
                continue
            what = actor.profession or label(ROLE_WORDS, actor.role)
            choices.append(Responsible(f"{actor.name} ({what})", staff_id=actor.staff_id))
        elif actor.name:
            choices.append(
                Responsible(f"{actor.name} ({label(ROLE_WORDS, actor.role)})", text=actor.name)
            )
    return tuple(choices)


# --- who is responsible ---------------------------------------------------------------------

SOMEONE_ELSE = -1

#: A new effort is evaluated this long after it starts (or after the meeting that agreed it),
#: unless the holder types another date; the next meeting is suggested as far ahead.
FOLLOW_UP = timedelta(weeks=6)


def first_evaluation(start: date) -> date:
    """When a new effort is evaluated unless the holder types another date."""
    return start + FOLLOW_UP


def default_responsible(choices: Sequence[Responsible]) -> int:
    """Who a new effort names as responsible unless the holder picks another: the holder (the
    first choice, see ``responsible_choices``), or a name typed when there is no choice."""
    return 0 if choices else SOMEONE_ELSE


def responsible_rows(choices: Sequence[Responsible], start: int, typed: str = "") -> ComposeResult:
    """The "Responsible" list ("someone else" first, then the choices) and the field for a name
    typed instead, which is open only while "someone else" is chosen."""
    options = [(Text(_("Someone else: type who below")), SOMEONE_ELSE)]
    options += [(literal(choice.label), index) for index, choice in enumerate(choices)]
    yield form_row(
        _("Responsible"),
        Choice(options, value=start, allow_blank=False, id="effort-responsible", compact=True),
    )
    yield form_row(
        _("Or type who"),
        field(
            typed,
            id="effort-responsible-text",
            max_length=200,
            placeholder=_("e.g. mother, the home"),
            disabled=start != SOMEONE_ELSE,
        ),
    )


def read_responsible(dialog: FormDialog, choices: Sequence[Responsible]) -> tuple[int | None, str]:
    """The staff member or the typed name chosen in ``responsible_rows``; raises FormError."""
    choice = dialog.query_one("#effort-responsible", Select).value
    if choice == SOMEONE_ELSE or not isinstance(choice, int):
        text = dialog.value("#effort-responsible-text").strip()
        if not text:
            raise FormError(
                _(
                    "Name who is responsible: an actor, the holder, or someone in the home such "
                    "as 'mother'."
                ),
                "effort-responsible-text",
            )
        return None, text
    picked = choices[choice]
    return picked.staff_id, picked.text


@dataclass(frozen=True)
class NewEffort:
    """The add-effort form, checked."""

    what: str
    staff_id: int | None
    text: str
    starts_on: date
    evaluate_on: date


class AddEffortDialog(WritingDialog):
    """Who does what, from when, evaluated when: the responsible is the holder, an actor, or
    someone typed by name such as "mother" or "the home" (R12). What is done gets writing
    hints (R16)."""

    BINDINGS = [hints_binding()]

    def __init__(self, log_id: int, choices: Sequence[Responsible], today: date) -> None:
        super().__init__()
        self.log_id = log_id
        self.choices = tuple(choices)
        self.today = today

    def heading(self) -> str:
        return _("Add an effort")

    def form(self) -> ComposeResult:
        yield form_row(
            _("What is done"),
            field(
                id="effort-what", max_length=2000, placeholder=_("e.g. Ida is picked up by 15:00")
            ),
        )
        yield WritingHints(id="effort-what-hints")
        yield from responsible_rows(self.choices, default_responsible(self.choices))
        yield form_row(
            _("Starts on"),
            field(
                self.today.isoformat(), id="effort-starts", max_length=10, placeholder="YYYY-MM-DD"
            ),
        )
        yield form_row(
            _("Evaluate on"),
            field(
                first_evaluation(self.today).isoformat(),
                id="effort-evaluate",
                max_length=10,
                placeholder="YYYY-MM-DD",
            ),
        )

    @on(Select.Changed, "#effort-responsible")
    def _responsible_changed(self, event: Select.Changed) -> None:
        self.query_one("#effort-responsible-text", Input).disabled = event.value != SOMEONE_ELSE

    @on(Input.Changed, "#effort-what")
    def _what_typed(self, event: Input.Changed) -> None:
        self.query_one("#effort-what-hints", WritingHints).follow(event.value)

    def action_toggle_writing_hints(self) -> None:
        self.query_one("#effort-what-hints", WritingHints).toggle()

    def read_form(self) -> NewEffort:
        what = self.value("#effort-what").strip()
        if not what:
            raise FormError(_("Say what will be done."), "effort-what")
        staff_id, text = read_responsible(self, self.choices)
        starts = read_date(
            self.value("#effort-starts"),
            _("Type the start date as YYYY-MM-DD, for example {example}."),
            example=self.today,
            field="effort-starts",
        )
        evaluate = read_date(
            self.value("#effort-evaluate"),
            _("Type the evaluation date as YYYY-MM-DD, for example {example}."),
            example=self.today,
            field="effort-evaluate",
        )
        assert starts is not None and evaluate is not None
        return NewEffort(what, staff_id, text, starts, evaluate)

    def write(self, store: Store, staff: StaffRef, values: NewEffort) -> None:
        efforts.add_effort(
            store,
            staff,
            self.log_id,
            what=values.what,
            starts_on=values.starts_on,
            evaluate_on=values.evaluate_on,
            responsible_staff_id=values.staff_id,
            responsible_text=values.text,
        )


@dataclass(frozen=True)
class EvaluationForm:
    """An evaluation form, checked: what was found, and what happens next."""

    text: str
    next_on: date | None
    end: bool = False
    status: str = "active"


def effort_summary(effort: efforts.EffortView) -> Text:
    """The effort a form is about, as it is now."""
    text = one_line(effort.what)
    text.stylize("bold")
    text.append("\n")
    text.append_text(
        literal(
            _("Responsible: {who}. Evaluate on {date}. Status: {status}.").format(
                who=effort.responsible,
                date=day(effort.evaluate_on),
                status=_("overdue") if effort.overdue else label(EFFORT_STATUS, effort.status),
            )
        )
    )
    return text


class EvaluateEffortDialog(WritingDialog):
    """What the evaluation found, and either the next evaluation date or the end (R12)."""

    def __init__(
        self,
        effort: efforts.EffortView,
        today: date,
        *,
        end: bool = False,
        on_stale: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(on_stale=on_stale)
        self.effort = effort
        self.today = today
        self.end = end

    def heading(self) -> str:
        return _("End the effort") if self.end else _("Evaluate the effort")

    def form(self) -> ComposeResult:
        yield Static(
            effort_summary(self.effort),
            id="evaluation-item",
            classes="log-dialog-note",
            markup=False,
        )
        yield form_row(
            _("What was found"),
            field(
                id="evaluation-text", max_length=4000, placeholder=_("What worked, what did not")
            ),
        )
        yield form_row(
            _("End the effort"),
            MarkedCheckbox(_("yes, it ends now"), self.end, id="evaluation-end", compact=True),
        )
        yield form_row(
            _("Next evaluation"),
            field(id="evaluation-next", max_length=10, placeholder="YYYY-MM-DD", disabled=self.end),
        )

    @on(Checkbox.Changed, "#evaluation-end")
    def _end_changed(self, event: Checkbox.Changed) -> None:
        self.query_one("#evaluation-next", Input).disabled = event.value

    def read_form(self) -> EvaluationForm:
        text = self.value("#evaluation-text").strip()
        if not text:
            raise FormError(_("Write what the evaluation found."), "evaluation-text")
        end = self.query_one("#evaluation-end", Checkbox).value
        next_on = None
        if not end:
            next_on = read_date(
                self.value("#evaluation-next"),
                _(
                    "Type the next evaluation date as YYYY-MM-DD, for example "
                    "{example}, or end the effort."
                ),
                example=self.today,
                field="evaluation-next",
            )
        return EvaluationForm(text, next_on, end)

    def write(self, store: Store, staff: StaffRef, values: EvaluationForm) -> None:
        efforts.evaluate_effort(
            store,
            staff,
            self.effort.id,
            version=self.effort.version,
            text=values.text,
            next_evaluate_on=values.next_on,
            end=values.end,
        )

    def reread(self, store: Store, staff: StaffRef) -> efforts.EffortView | None:
        return next(
            (
                e
                for e in efforts.list_efforts(store, staff, self.effort.log_id)
                if e.id == self.effort.id
            ),
            None,
        )

    def refreshed(self, fresh: efforts.EffortView | None) -> None:
        if fresh is not None:
            self.effort = fresh
            self.query_one("#evaluation-item", Static).update(effort_summary(fresh))


def goal_summary(goal: efforts.GoalView) -> Text:
    """The goal a form is about, as it is now."""
    text = one_line(goal.text)
    text.stylize("bold")
    text.append("\n")
    text.append(
        _("Evaluate on {date}. Status: {status}.").format(
            date=day(goal.evaluate_on),
            status=_("overdue") if goal.overdue else label(GOAL_STATUS, goal.status),
        )
    )
    return text


class EvaluateGoalDialog(WritingDialog):
    """Was the goal reached, dropped, or does it continue to a new evaluation date?"""

    def __init__(
        self, goal: efforts.GoalView, today: date, *, on_stale: Callable[[], None] | None = None
    ) -> None:
        super().__init__(on_stale=on_stale)
        self.goal = goal
        self.today = today

    def heading(self) -> str:
        return _("Evaluate the goal")

    def form(self) -> ComposeResult:
        yield Static(
            goal_summary(self.goal), id="evaluation-item", classes="log-dialog-note", markup=False
        )
        yield form_row(
            _("What was found"),
            field(
                id="evaluation-text", max_length=4000, placeholder=_("How far the goal was reached")
            ),
        )
        yield form_row(
            _("Outcome"),
            Choice(
                [(Text(_(word)), code) for code, word in GOAL_OUTCOMES],
                value="active",
                allow_blank=False,
                id="evaluation-outcome",
                compact=True,
            ),
        )
        yield form_row(
            _("Next evaluation"),
            field(id="evaluation-next", max_length=10, placeholder=_("YYYY-MM-DD, or empty")),
        )

    @on(Select.Changed, "#evaluation-outcome")
    def _outcome_changed(self, event: Select.Changed) -> None:
        self.query_one("#evaluation-next", Input).disabled = event.value != "active"

    def read_form(self) -> EvaluationForm:
        text = self.value("#evaluation-text").strip()
        if not text:
            raise FormError(_("Write what the evaluation found."), "evaluation-text")
        status = str(self.query_one("#evaluation-outcome", Select).value)
        next_on = None
        if status == "active":
            next_on = read_date(
                self.value("#evaluation-next"),
                _(
                    "Type the next evaluation date as YYYY-MM-DD, for example "
                    "{example}, or leave it empty."
                ),
                required=False,
                example=self.today,
                field="evaluation-next",
            )
        return EvaluationForm(text, next_on, status=status)

    def write(self, store: Store, staff: StaffRef, values: EvaluationForm) -> None:
        efforts.evaluate_goal(
            store,
            staff,
            self.goal.id,
            version=self.goal.version,
            text=values.text,
            status=values.status,
            next_evaluate_on=values.next_on,
        )

    def reread(self, store: Store, staff: StaffRef) -> efforts.GoalView | None:
        return next(
            (g for g in efforts.list_goals(store, staff, self.goal.log_id) if g.id == self.goal.id),
            None,
        )

    def refreshed(self, fresh: efforts.GoalView | None) -> None:
        if fresh is not None:
            self.goal = fresh
            self.query_one("#evaluation-item", Static).update(goal_summary(fresh))


@dataclass(frozen=True)
class NewGoal:
    """The add-goal form, checked."""

    text: str
    evaluate_on: date | None


class AddGoalDialog(WritingDialog):
    """A goal everyone works towards, and when it is evaluated."""

    def __init__(self, log_id: int, today: date) -> None:
        super().__init__()
        self.log_id = log_id
        self.today = today

    def heading(self) -> str:
        return _("Add a goal")

    def form(self) -> ComposeResult:
        yield form_row(
            _("Goal"),
            field(
                id="goal-text",
                max_length=2000,
                placeholder=_("e.g. Ida eats breakfast before daycare"),
            ),
        )
        yield form_row(
            _("Evaluate on"),
            field(id="goal-evaluate", max_length=10, placeholder=_("YYYY-MM-DD, or empty")),
        )

    def read_form(self) -> NewGoal:
        text = self.value("#goal-text").strip()
        if not text:
            raise FormError(_("Describe the goal."), "goal-text")
        evaluate = read_date(
            self.value("#goal-evaluate"),
            _("Type the evaluation date as YYYY-MM-DD, for example {example}, or leave it empty."),
            required=False,
            example=self.today,
            field="goal-evaluate",
        )
        return NewGoal(text, evaluate)

    def write(self, store: Store, staff: StaffRef, values: NewGoal) -> None:
        efforts.add_goal(
            store, staff, self.log_id, text=values.text, evaluate_on=values.evaluate_on
        )
