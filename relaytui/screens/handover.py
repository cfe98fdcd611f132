"""Handovers (R8): the holder proposes a new holder; the receiver accepts or declines.

Until the receiver accepts, nothing changes: the old holder still holds and writes. A
handover to someone in another unit is a transition and needs the guardians' consent to
share the log with that unit; the dialog says so when such a person is chosen, and the
service refuses without it. The inbox (F4, from anywhere) lists what waits for my answer,
what waits for someone else's, and, for a leader, what has waited too long in the unit
(``handover_inbox``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, get_current_worker

from relaytui.i18n import N_, _
from relaytui.services import accounts, handover, installation, logs, transitions
from relaytui.ui.dialogs import ConfirmDialog, LogDialog
from relaytui.ui.forms import FormError
from relaytui.widgets.footer import KeyFooter

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef


def person_line(person: accounts.StaffView) -> Text:
    """ "Carl Dahl — teacher, Østre School": one person found by the search, as text."""
    text = Text(person.full_name, style="bold")
    what = ", ".join(part for part in (person.profession, person.unit_name or "") if part)
    if what:
        text.append(" — " + what)
    return text


# --- proposing ------------------------------------------------------------------------------


class ProposeHandoverDialog(LogDialog):
    """The holder picks a new holder (search by name or profession) and writes a message.

    Dismisses True when the handover was proposed. The person chosen must accept before
    anything changes; a person in another unit needs the guardians' consent to that unit.
    """

    AUTO_FOCUS = "#handover-search"
    BINDINGS = [
        Binding(
            "ctrl+s",
            "submit",
            N_("Propose handover"),
            id="handover.propose",
            priority=True,
            tooltip=N_("Propose the chosen person as the new holder."),
        ),
        Binding(
            "down",
            "to_results",
            N_("To the list"),
            id="handover.to_results",
            show=False,
            tooltip=N_("Move from the search field to the people found."),
        ),
    ]

    def __init__(self, detail: logs.LogDetail) -> None:
        super().__init__(detail)
        self.people: dict[int, accounts.StaffView] = {}
        self.chosen: accounts.StaffView | None = None

    #: The words of the form; a dialog that also picks a person to take over changes them.
    HEADING = N_("Hand over")
    INTRO = N_("Until the person you choose accepts, you stay the holder and nothing changes.")
    PERSON_LABEL = N_("New holder: type part of a name or a profession")
    MESSAGE_LABEL = N_("Message to the new holder")
    MESSAGE_HINT = N_("Why you hand over, and what they should know first")
    SUBMIT = N_("Propose handover")

    def compose(self) -> ComposeResult:
        with Vertical(id="handover-dialog", classes="dialog-box"):
            with Vertical(classes="dialog-head"):
                yield Static(self.title_text(_(self.HEADING)), classes="dialog-title", markup=False)
                yield Static(_(self.INTRO), id="handover-until", markup=False)
            with VerticalScroll(classes="dialog-body"):
                yield Label(_(self.PERSON_LABEL), classes="dialog-label", markup=False)
                yield Input(
                    id="handover-search",
                    max_length=100,
                    compact=True,
                    placeholder=_("e.g. Carl or teacher"),
                )
                yield OptionList(id="handover-people", compact=True)
                yield Static("", id="handover-chosen", markup=False)
                yield Static("", id="handover-transition", classes="dialog-hint", markup=False)
                yield Label(_(self.MESSAGE_LABEL), classes="dialog-label", markup=False)
                yield Input(
                    id="handover-message",
                    max_length=2000,
                    compact=True,
                    placeholder=_(self.MESSAGE_HINT),
                )
            with Vertical(classes="dialog-foot"):
                yield Static("", classes="dialog-error", markup=False)
                with Horizontal(classes="dialog-buttons"):
                    yield Button(_(self.SUBMIT), variant="primary", classes="dialog-submit")
                    yield Button(_("Cancel"), classes="dialog-cancel")
        yield KeyFooter()

    def ready(self, inst: installation.Installation, extra: Any) -> None:
        self._show_chosen()
        if self.detail.pending_handover_id is not None:
            self.show_error(
                _(
                    "A handover of this log already waits for an answer. Withdraw it "
                    "in the handover inbox (F4) before proposing another."
                )
            )
        self._search(self.store, self.staff, self.query_one("#handover-search", Input).value)

    # --- searching, in a thread ----------------------------------------------------------

    @on(Input.Changed, "#handover-search")
    def _search_changed(self, event: Input.Changed) -> None:
        if self.inst is not None:
            self._search(self.store, self.staff, event.value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="handover-search")
    def _search(self, store: Store, staff: StaffRef, text: str) -> None:
        found = accounts.search_staff(store, staff, text, limit=20)
        if get_current_worker().is_cancelled:
            return
        self.app.call_from_thread(self._show_people, [p for p in found if p.id != staff.id])

    def _show_people(self, people: list[accounts.StaffView]) -> None:
        self.people = {person.id: person for person in people}
        options = self.query_one("#handover-people", OptionList)
        options.clear_options()
        if not people:
            options.add_option(
                Option(Text(_("Nobody found. Try another name or profession.")), disabled=True)
            )
            return
        options.add_options(Option(person_line(person), id=str(person.id)) for person in people)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "to_results":
            return self.focused is self.query_one("#handover-search", Input)
        return True

    def action_to_results(self) -> None:
        options = self.query_one("#handover-people", OptionList)
        if options.option_count:
            options.focus()
            if options.highlighted is None:
                options.highlighted = 0

    @on(Input.Submitted, "#handover-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_to_results()

    @on(OptionList.OptionSelected, "#handover-people")
    def _person_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        person = self.people.get(int(event.option.id)) if event.option.id else None
        if person is None:
            return
        self.chosen = person
        self._show_chosen()
        self.query_one("#handover-message", Input).focus()

    def _show_chosen(self) -> None:
        chosen = self.query_one("#handover-chosen", Static)
        hint = self.query_one("#handover-transition", Static)
        person = self.chosen
        if person is None:
            chosen.update(
                Text(
                    _("Nobody chosen yet: pick a person from the list with Enter."), style="italic"
                )
            )
            hint.display = False
            return
        chosen.update(Text.assemble(_("New holder:"), " ", person_line(person)))
        if person.unit_id != self.detail.unit_id:
            unit = person.unit_name or _("no unit")
            hint.update(
                Text(
                    _(
                        "{name} works at {unit}, another unit than this log's. Handing over to another "
                        "unit is a transition: it needs a consent to share the log with "
                        "{unit}, recorded under Actors and consent. Without it the handover is "
                        "refused."
                    ).format(name=person.full_name, unit=unit)
                )
            )
            hint.display = True
        else:
            hint.display = False

    @on(Input.Submitted, "#handover-message")
    def _message_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    # --- proposing -----------------------------------------------------------------------

    def read_form(self) -> tuple[accounts.StaffView, str]:
        person = self.chosen
        if person is None:
            self.query_one("#handover-search", Input).focus()
            raise FormError(
                _(
                    "Choose the new holder first: type part of a name or a profession, "
                    "then pick the person from the list with Enter."
                )
            )
        return person, self.query_one("#handover-message", Input).value

    def write(
        self, store: Store, staff: StaffRef, values: tuple[accounts.StaffView, str]
    ) -> handover.HandoverView:
        person, message = values
        return handover.propose(
            store, staff, self.detail.id, to_staff_id=person.id, message=message
        )

    # --- a transition without consent: asking the family (R8) ---------------------------

    class FamilyAsked(Message):
        """The guardians were asked, in the family view, to let the log pass to the unit."""

        def __init__(self, asked: transitions.TransitionView) -> None:
            super().__init__()
            self.asked = asked

    def worker_failed(self, worker: Worker, message: str) -> None:
        super().worker_failed(worker, message)
        refused = worker.error
        if (
            isinstance(refused, transitions.NeedsFamilyConsent)
            and refused.unit_id is not None
            and self.chosen is not None
        ):
            self._offer_to_ask(self.chosen, refused.unit_id)

    def _offer_to_ask(self, person: accounts.StaffView, unit_id: int) -> None:
        unit = person.unit_name or _("the new unit")
        question = ConfirmDialog(
            Text(_("Ask the guardians?"), style="bold"),
            Text(
                _(
                    "No consent covers {unit} yet. Ask the guardians in the family view to let "
                    "the log pass to {unit}? They answer when they log in; once they accept, "
                    "propose the handover to {name} again."
                ).format(unit=unit, name=person.full_name)
            ),
            _("Ask the guardians"),
            _("Not now"),
        )
        self.app.push_screen(question, lambda yes: self._ask(unit_id) if yes else None)

    def _ask(self, unit_id: int) -> None:
        self.busy = True
        self.saving = True
        self._ask_family(self.store, self.staff, unit_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="handover-ask-family")
    def _ask_family(self, store: Store, staff: StaffRef, unit_id: int) -> None:
        self.post_message(
            self.FamilyAsked(transitions.ask_family(store, staff, self.detail.id, unit_id))
        )

    @on(FamilyAsked)
    def _family_asked(self, message: FamilyAsked) -> None:
        message.stop()
        self.saving = False
        self.busy = False
        self.app.notify(
            _(
                "The guardians are asked in the family view about {unit}. Once they accept, "
                "propose the handover again."
            ).format(unit=message.asked.unit_name),
            markup=False,
        )
        if self.is_current:
            self.dismiss(True)

    def written(self, result: object) -> None:
        if isinstance(result, handover.HandoverView):
            self.app.notify(
                _("Handover proposed to {name}. You stay the holder until they accept.").format(
                    name=result.to_name
                ),
                markup=False,
            )
        super().written(result)
