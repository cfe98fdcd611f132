"""The actor forms of the "Actors and consent" tab: adding and removing an actor (R5).

The service judges whom a consent covers; the form marks beforehand which people a consent
already covers. The consent forms are in :mod:`relaytui.screens.consent_forms`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from relaytui.i18n import N_, _
from relaytui.screens.actors_data import ActorsData, covering_person, covering_staff
from relaytui.screens.effort_forms import ROLE_WORDS
from relaytui.screens.staff_search import SEARCH_LIMIT, StaffFound, staff_prompt
from relaytui.services import accounts, log_actors, logs
from relaytui.ui.dialogs import WritingDialog
from relaytui.ui.forms import FormError, field, form_row
from relaytui.ui.log_pane import label, literal
from relaytui.ui.tables import one_line

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef


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
