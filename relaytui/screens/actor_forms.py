"""The forms of the "Actors and consent" tab: recording and withdrawing a consent, adding and
removing an actor (R5, R6).

The service judges who may consent and whom a consent covers; the forms offer only what it
allows and mark beforehand which people a consent already covers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, OptionList, Select, SelectionList, Static
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection
from textual.worker import get_current_worker

from relaytui.i18n import N_, _
from relaytui.screens.actors_data import (
    METHODS,
    ActorsData,
    consent_details,
    covering_person,
    covering_staff,
)
from relaytui.screens.effort_forms import ROLE_WORDS
from relaytui.services import accounts, consent, log_actors, logs
from relaytui.services.consent import ConsentInput
from relaytui.ui.dialogs import WritingDialog
from relaytui.ui.forms import FormError, field, form_row, read_date
from relaytui.ui.log_pane import NOTHING, label, literal
from relaytui.ui.tables import one_line
from relaytui.widgets.choice import Choice
from relaytui.widgets.toggles import MarkedCheckbox, MarkedSelectionList

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef

SEARCH_LIMIT = 20


# --- recording a consent ---------------------------------------------------------------------

SUBJECT_GIVER = "subject"


def local_moment(day: date, tz: str) -> datetime:
    """The start of ``day`` in the installation's time zone."""
    return datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(tz))


def split_names(text: str) -> tuple[str, ...]:
    """ "Grandma Inge, Uncle Ib" -> ("Grandma Inge", "Uncle Ib")."""
    return tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))


def staff_prompt(person: accounts.StaffView) -> Text:
    text = one_line(person.full_name)
    text.stylize("bold")
    details = [part for part in (person.profession, person.unit_name) if part]
    if details:
        text.append(" — ")
        text.append_text(one_line(", ".join(details)))
    return text


class StaffFound(Message):
    """The staff search of a form answered ``query``."""

    def __init__(self, query: str, found: tuple[accounts.StaffView, ...]) -> None:
        super().__init__()
        self.query = query
        self.found = found


class RecordConsentDialog(WritingDialog):
    """Who gave the consent (a guardian with custody, or the subject for themself), how, when,
    what it covers (the log, named staff, whole units, named persons) and until when (R6)."""

    def __init__(self, detail: logs.LogDetail, data: ActorsData) -> None:
        super().__init__()
        self.detail = detail
        self.data = data
        #: Staff chosen so far, kept across searches: id -> name.
        self.chosen_staff: dict[int, str] = {}
        self._found: dict[int, accounts.StaffView] = {}

    def heading(self) -> str:
        return _("Record a consent")

    def givers(self) -> list[tuple[Text, object]]:
        """Only those who may consent (R6): the guardians with custody, or the subject alone
        when they consent for themself."""
        options: list[tuple[Text, object]] = []
        for giver in self.data.givers:
            text = one_line(giver.name)
            if giver.guardian_id is None:
                text.append(" " + _("(the subject, for themself)"))
                options.append((text, SUBJECT_GIVER))
            else:
                if giver.relation:
                    text.append(f" ({giver.relation})")
                options.append((text, giver.guardian_id))
        return options

    def form(self) -> ComposeResult:
        givers = self.givers()
        first = givers[0][1] if givers else Select.BLANK
        yield form_row(
            _("Given by"),
            Choice(
                givers,
                value=first,
                id="consent-giver",
                compact=True,
                allow_blank=not givers,
                prompt=_("Choose who gave it"),
            ),
        )
        offered = {g.guardian_id for g in self.data.givers}
        left_out = [g.name for g in self.data.guardians if g.id not in offered]
        if left_out:
            # Why a guardian the caseworker expects is not in the list.
            yield form_row(
                "",
                Static(
                    Text(
                        _("Not offered, as they may not consent: {names}.").format(
                            names=", ".join(left_out)
                        )
                    ),
                    id="consent-not-offered",
                    classes="form-note",
                    markup=False,
                ),
            )
        yield form_row(
            _("How"),
            Choice(
                [(Text(_(word)), code) for code, word in METHODS.items()],
                id="consent-method",
                compact=True,
                prompt=_("Choose how it was given"),
            ),
        )
        yield form_row(
            _("Given on"),
            field(
                self.data.today.isoformat(),
                id="consent-given",
                max_length=10,
                placeholder="YYYY-MM-DD",
            ),
        )
        yield form_row(
            _("Covers the log"),
            MarkedCheckbox(_("yes"), True, id="consent-covers-log", compact=True),
        )
        yield form_row(
            _("Staff: search"),
            field(id="consent-staff-search", max_length=100, placeholder=_("name or profession")),
        )
        yield form_row(
            "", MarkedSelectionList[int](id="consent-staff", compact=True, classes="form-list")
        )
        yield form_row(
            _("Staff chosen"), Static(Text(NOTHING), id="consent-staff-chosen", markup=False)
        )
        unit_choices = [Selection(one_line(u.name), u.id) for u in self.data.units]
        yield form_row(
            _("Whole units"),
            MarkedSelectionList[int](
                *unit_choices, id="consent-units", compact=True, classes="form-list"
            ),
        )
        yield form_row(
            _("Named persons"),
            field(
                id="consent-persons", max_length=1000, placeholder=_("e.g. Grandma Inge, Uncle Ib")
            ),
        )
        yield form_row(
            _("Expires on"),
            field(id="consent-expires", max_length=10, placeholder=_("YYYY-MM-DD, or empty")),
        )
        yield form_row(
            _("Note"),
            field(
                id="consent-note",
                max_length=1000,
                placeholder=_("e.g. where the signed form is kept"),
            ),
        )

    def on_mount(self) -> None:
        unit_list = self.query_one("#consent-units", SelectionList)
        if unit_list.option_count:
            unit_list.highlighted = 0
        self._search("")

    # --- the staff search, as you type -----------------------------------------------------

    @on(Input.Changed, "#consent-staff-search")
    def _search_changed(self, event: Input.Changed) -> None:
        self._search(event.value)

    def _search(self, query: str) -> None:
        self._find_staff(self.store, self.staff, query)

    @work(thread=True, exclusive=True, exit_on_error=False, group="consent-staff-search")
    def _find_staff(self, store: Store, staff: StaffRef, query: str) -> None:
        worker = get_current_worker()
        found = tuple(
            p
            for p in accounts.search_staff(store, staff, query, limit=SEARCH_LIMIT)
            if p.id != self.detail.holder_id
        )
        if not worker.is_cancelled:
            self.post_message(StaffFound(query, found))

    def on_staff_found(self, message: StaffFound) -> None:
        message.stop()
        if message.query != self.value("#consent-staff-search"):
            return  # an older search; a newer one is on its way
        self._found = {p.id: p for p in message.found}
        found = self.query_one("#consent-staff", SelectionList)
        found.clear_options()
        found.add_options(
            [Selection(staff_prompt(p), p.id, p.id in self.chosen_staff) for p in message.found]
        )
        if found.option_count:
            found.highlighted = 0

    @on(SelectionList.SelectionToggled, "#consent-staff")
    def _staff_toggled(self, event: SelectionList.SelectionToggled) -> None:
        value = event.selection.value
        if value in event.selection_list.selected and value in self._found:
            self.chosen_staff[value] = self._found[value].full_name
        else:
            self.chosen_staff.pop(value, None)
        chosen = literal("; ".join(self.chosen_staff.values()) or NOTHING)
        self.query_one("#consent-staff-chosen", Static).update(chosen)

    # --- saving ----------------------------------------------------------------------------

    def read_form(self) -> ConsentInput:
        giver = self.query_one("#consent-giver", Select).value
        if giver is Select.BLANK:
            raise FormError(
                _(
                    "Nobody is registered who may consent for {name}: add a guardian with "
                    "custody to the subject first."
                ).format(name=self.detail.subject_name)
                if not self.data.givers
                else _("Choose one of the subject's guardians as the one who consents."),
                "consent-giver",
            )
        method = self.query_one("#consent-method", Select).value
        if method is Select.BLANK:
            raise FormError(
                _("Say how the consent was given: signed form, digital or oral."), "consent-method"
            )
        today = self.data.today
        given_on = read_date(
            self.value("#consent-given"),
            _("Type the date the consent was given as YYYY-MM-DD, for example {example}."),
            example=today,
            field="consent-given",
        )
        expires_on = read_date(
            self.value("#consent-expires"),
            _("Type the expiry date as YYYY-MM-DD, for example {example}, or leave it empty."),
            example=today + timedelta(days=365),
            required=False,
            field="consent-expires",
        )
        tz = self.data.timezone
        given_at = None if given_on == today else local_moment(given_on, tz)  # type: ignore[arg-type]
        return ConsentInput(
            giver=SUBJECT_GIVER if giver == SUBJECT_GIVER else "guardian",
            guardian_id=None if giver == SUBJECT_GIVER else int(giver),  # type: ignore[arg-type]
            method=str(method),
            given_at=given_at,
            covers_log=self.query_one("#consent-covers-log", Checkbox).value,
            staff_ids=tuple(self.chosen_staff),
            unit_ids=tuple(self.query_one("#consent-units", SelectionList).selected),
            persons=split_names(self.value("#consent-persons")),
            expires_at=local_moment(expires_on, tz) if expires_on else None,
            note=self.value("#consent-note").strip(),
        )

    def write(self, store: Store, staff: StaffRef, values: ConsentInput) -> None:
        consent.record_consent(store, staff, self.detail.id, values)


# --- withdrawing a consent -------------------------------------------------------------------


class WithdrawConsentDialog(WritingDialog):
    """A guardian withdrew a consent: the reason is written down, the actors it covered are
    detached, and the log is flagged for the holder (R5). It cannot be undone."""

    def __init__(
        self,
        view: consent.ConsentView,
        readers: Sequence[log_actors.ActorView],
        tz: str,
        *,
        on_stale: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(on_stale=on_stale)
        self.view = view
        self.readers = tuple(readers)
        self.tz = tz

    def heading(self) -> str:
        return _("Withdraw a consent")

    def warning(self) -> Text:
        text = consent_details(self.view, self.tz)
        text.append("\n\n")
        if self.readers:
            names = ", ".join(a.name for a in self.readers)
            text.append_text(
                literal(
                    _(
                        "These actors read through it and are detached unless "
                        "another consent covers them: {names}."
                    ).format(names=names)
                )
            )
        else:
            text.append(_("No actor reads through this consent."))
        text.append("\n")
        text.append(
            _("A withdrawal cannot be undone; a new consent must be recorded instead."),
            style="bold",
        )
        return text

    def form(self) -> ComposeResult:
        yield Static(self.warning(), id="withdraw-warning", classes="log-dialog-note", markup=False)
        yield form_row(
            _("How and when"),
            field(
                id="withdraw-reason",
                max_length=1000,
                placeholder=_("e.g. Mother phoned on 3 March"),
            ),
        )
        yield Horizontal(
            Button(_("Withdraw consent"), id="withdraw-confirm", variant="error", compact=True),
            classes="form-row form-buttons",
        )

    def action_enter_field(self) -> None:
        """Enter in the reason goes to the button, the confirmation, instead of withdrawing
        at once (the focus moves before any key typed after the Enter)."""
        if self.focused is self.query_one("#withdraw-reason", Input):
            self.query_one("#withdraw-confirm", Button).focus()
            return
        super().action_enter_field()

    @on(Button.Pressed, "#withdraw-confirm")
    def _confirmed(self) -> None:
        self.action_save()

    def read_form(self) -> str:
        reason = self.value("#withdraw-reason").strip()
        if not reason:
            raise FormError(
                _("Write down how and when the consent was withdrawn."), "withdraw-reason"
            )
        return reason

    def write(self, store: Store, staff: StaffRef, values: str) -> None:
        consent.withdraw_consent(
            store, staff, self.view.id, version=self.view.version, reason=values
        )

    def reread(self, store: Store, staff: StaffRef) -> consent.ConsentView | None:
        return next(
            (
                c
                for c in consent.list_consents(store, staff, self.view.log_id)
                if c.id == self.view.id
            ),
            None,
        )

    def refreshed(self, fresh: consent.ConsentView | None) -> None:
        if fresh is not None:
            self.view = fresh
            self.query_one("#withdraw-warning", Static).update(self.warning())


# --- adding and removing actors --------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """Someone the holder may add: staff, a guardian, the subject, or a person by name."""

    kind: str  # staff|guardian|subject|person
    name: str
    staff_id: int | None = None
    guardian_id: int | None = None


class AddActorDialog(WritingDialog):
    """Search staff by name or profession as you type, or pick a guardian or the subject, or
    name a person outside the staff. Each choice says whether a consent covers them; the
    service refuses anyone a consent must cover and none does (R5)."""

    BINDINGS = [
        Binding(
            "down",
            "to_choices",
            N_("Choices"),
            id="log_pane.add_actor.choices",
            show=False,
            tooltip=N_("Move from the search to the list of people."),
        ),
    ]

    def __init__(self, detail: logs.LogDetail, data: ActorsData) -> None:
        super().__init__()
        self.detail = detail
        self.data = data
        self.candidates: dict[str, Candidate] = {}
        #: The search the list shows the answer to; a choice from an older list is not taken.
        self.shown_query: str | None = None
        #: Enter was pressed in the search before the list answered it.
        self.save_when_found = False
        #: The name typed for someone not on the staff, once Enter was pressed on it: a second
        #: Enter adds them (one stray key does not make a staff search a named person).
        self.person_confirmed: str | None = None

    def heading(self) -> str:
        return _("Add an actor")

    def form(self) -> ComposeResult:
        yield Static(
            Text(
                _(
                    "Anyone but the subject, the guardians and the nearest leader reads "
                    "only through a consent that covers them. Enter adds the chosen "
                    "person."
                )
            ),
            classes="log-dialog-note",
            markup=False,
        )
        yield form_row(
            _("Search"),
            field(id="actor-search", max_length=100, placeholder=_("name or profession")),
        )
        yield OptionList(id="actor-choices", classes="actor-choices")

    def on_mount(self) -> None:
        self._search("")

    def action_to_choices(self) -> None:
        choices = self.query_one("#actor-choices", OptionList)
        if choices.option_count:
            choices.focus()
            if choices.highlighted is None:
                choices.highlighted = 0

    def action_enter_field(self) -> None:
        """Enter in the search adds the person the list shows first, as soon as the list
        answers what was typed (a fast typist's Enter waits for it)."""
        if self.focused is self.query_one("#actor-search", Input):
            if self.shown_query == self.value("#actor-search"):
                self.action_save()
            else:
                self.save_when_found = True
            return
        super().action_enter_field()

    @on(Input.Changed, "#actor-search")
    def _search_changed(self, event: Input.Changed) -> None:
        # The old answer goes at once: nobody picks from a list that no longer fits.
        self.shown_query = None
        self.candidates = {}
        self.person_confirmed = None
        self.query_one("#actor-choices", OptionList).clear_options()
        self._search(event.value)

    @on(OptionList.OptionHighlighted, "#actor-choices")
    def _moved(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self.person_confirmed = None

    def _search(self, query: str) -> None:
        self._find_staff(self.store, self.staff, query)

    @work(thread=True, exclusive=True, exit_on_error=False, group="actor-search")
    def _find_staff(self, store: Store, staff: StaffRef, query: str) -> None:
        worker = get_current_worker()
        found = tuple(accounts.search_staff(store, staff, query, limit=SEARCH_LIMIT))
        if not worker.is_cancelled:
            self.post_message(StaffFound(query, found))

    def on_staff_found(self, message: StaffFound) -> None:
        message.stop()
        query = self.value("#actor-search")
        if message.query != query:
            return
        self._show_choices(query, message.found)

    def _show_choices(self, query: str, found: Sequence[accounts.StaffView]) -> None:
        wanted = query.strip().casefold()
        reading = {a.staff_id for a in self.data.actors if a.staff_id is not None}
        reading.add(self.detail.holder_id)
        leader = self.data.leader_id(self.detail.unit_id)
        options: list[Option] = []
        self.candidates = {}

        def add(key: str, candidate: Candidate, prompt: Text, note: Text) -> None:
            self.candidates[key] = candidate
            prompt.append("  ")
            prompt.append_text(note)
            options.append(Option(prompt, id=key))

        for person in found:
            if person.id in reading:
                continue
            if person.id == leader:
                note = Text(_("nearest leader: no consent needed"), style="dim")
            else:
                covering = covering_staff(self.data.consents, person.id, person.unit_id)
                note = (
                    Text(_("covered by consent #{id}").format(id=covering.id), style="green")
                    if covering
                    else Text(_("no consent covers them"), style="bold red")
                )
            add(
                f"staff:{person.id}",
                Candidate("staff", person.full_name, staff_id=person.id),
                staff_prompt(person),
                note,
            )
        attached_guardians = {a.name for a in self.data.actors if a.role == "guardian"}
        for guardian in self.data.guardians:
            if guardian.name in attached_guardians or (
                wanted and wanted not in guardian.name.casefold()
            ):
                continue
            prompt = one_line(guardian.name)
            prompt.stylize("bold")
            prompt.append(f" — {label(ROLE_WORDS, 'guardian')}")
            add(
                f"guardian:{guardian.id}",
                Candidate("guardian", guardian.name, guardian_id=guardian.id),
                prompt,
                Text(_("no consent needed"), style="dim"),
            )
        if not any(a.role == "subject" for a in self.data.actors) and (
            not wanted or wanted in self.detail.subject_name.casefold()
        ):
            prompt = one_line(self.detail.subject_name)
            prompt.stylize("bold")
            prompt.append(f" — {label(ROLE_WORDS, 'subject')}")
            add(
                "subject",
                Candidate("subject", self.detail.subject_name),
                prompt,
                Text(_("no consent needed"), style="dim"),
            )
        if query.strip():
            name = query.strip()
            prompt = literal(
                _("Someone not on the staff named \u201c{name}\u201d").format(name=name)
            )
            covering = covering_person(self.data.consents, name)
            note = (
                Text(_("covered by consent #{id}").format(id=covering.id), style="green")
                if covering
                else Text(_("no consent covers them"), style="bold red")
            )
            add("person", Candidate("person", name), prompt, note)
        choices = self.query_one("#actor-choices", OptionList)
        choices.clear_options()
        choices.add_options(options)
        if options:
            choices.highlighted = 0
        self.shown_query = query
        if self.save_when_found:
            self.save_when_found = False
            self.action_save()

    @on(OptionList.OptionSelected, "#actor-choices")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_save()

    def read_form(self) -> Candidate:
        choices = self.query_one("#actor-choices", OptionList)
        option = choices.highlighted_option
        candidate = self.candidates.get(option.id or "") if option is not None else None
        if candidate is None or self.shown_query != self.value("#actor-search"):
            raise FormError(
                _("Search for the person to add, then choose them in the list."), "actor-search"
            )
        if candidate.kind == "person" and self.person_confirmed != candidate.name:
            self.person_confirmed = candidate.name
            raise FormError(
                _(
                    "\u201c{name}\u201d is nobody on the staff. Press Enter again to add "
                    "them by name, or choose someone in the list."
                ).format(name=candidate.name)
            )
        return candidate

    def write(self, store: Store, staff: StaffRef, values: Candidate) -> None:
        log_actors.add_actor(
            store,
            staff,
            self.detail.id,
            staff_id=values.staff_id if values.kind == "staff" else None,
            guardian_id=values.guardian_id if values.kind == "guardian" else None,
            as_subject=values.kind == "subject",
            person_name=values.name if values.kind == "person" else None,
        )


class RemoveActorDialog(WritingDialog):
    """An actor stops reading the log; why is written down."""

    def __init__(self, actor: log_actors.ActorView) -> None:
        super().__init__()
        self.actor = actor

    def heading(self) -> str:
        return _("Remove an actor")

    def form(self) -> ComposeResult:
        yield Static(
            literal(_("{name} will no longer read this log.").format(name=self.actor.name)),
            classes="log-dialog-note",
            markup=False,
        )
        yield form_row(
            _("Why"),
            field(id="remove-reason", max_length=1000, placeholder=_("e.g. Ida changed school")),
        )

    def read_form(self) -> str:
        reason = self.value("#remove-reason").strip()
        if not reason:
            raise FormError(_("Write why the actor is removed."), "remove-reason")
        return reason

    def write(self, store: Store, staff: StaffRef, values: str) -> None:
        log_actors.remove_actor(store, staff, self.actor.id, reason=values)
