"""The "Actors and consent" tab of a log: who reads it, and the consent that lets them (R5, R6).

Nothing is shared without consent: the holder records the guardians' consent (who gave it,
how, when, what it covers, until when) and then adds the actors it covers. The service is the
judge of R5 and R6; this pane shows what it decides, in its own words, and marks beforehand
which people a consent already covers so the holder is not surprised.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from relaytui.i18n import N_, _
from relaytui.screens.actor_forms import AddActorDialog, RemoveActorDialog
from relaytui.screens.actors_data import (
    CONSENT_STATES,
    ActorsData,
    consent_details,
    consent_state_cell,
    covers_text,
    state_text,
)
from relaytui.screens.consent_forms import RecordConsentDialog, WithdrawConsentDialog
from relaytui.screens.effort_forms import ROLE_WORDS
from relaytui.screens.guardian_forms import (
    GUARDIAN_ACTIONS,
    GUARDIAN_BINDINGS,
    GUARDIAN_COLUMNS,
    GuardianDialog,
    guardian_cells,
    guardian_details,
)
from relaytui.screens.transition_notes import (
    TRANSITION_BINDINGS,
    TransitionNote,
    pending,
    withdraw_question,
)
from relaytui.services import (
    clock,
    consent,
    consent_givers,
    installation,
    log_actors,
    logs,
    subjects,
    transitions,
    units,
)
from relaytui.ui.log_pane import (
    NOTHING,
    READ_ONLY,
    READ_ONLY_TIP,
    LogPane,
    date_only,
    label,
    literal,
)
from relaytui.ui.tables import not_loaded, one_line, refill, selected_key, set_columns
from relaytui.widgets.fitted_table import FittedTable
from relaytui.widgets.messages import LogChanged

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef

WRITER_ACTIONS = (
    frozenset({"record_consent", "withdraw_consent", "add_actor", "remove_actor"})
    | GUARDIAN_ACTIONS
    | {"withdraw_transition"}
)


ACTOR_COLUMNS = (
    ("name", N_("Name"), None),
    ("profession", N_("Profession"), None),
    ("unit", N_("Unit"), 14),
    ("role", N_("Role"), 9),
    ("consent", N_("Consent"), 15),
)
CONSENT_COLUMNS = (
    ("id", N_("#"), 3),
    ("giver", N_("Given by"), None),
    ("given", N_("Given"), 10),
    ("covers", N_("Covers"), None),
    ("state", N_("State"), 20),
)
HOLDER_ROW = "holder"


def holder_cells(detail: logs.LogDetail, widths: Sequence[int]) -> list[Text]:
    contact = detail.holder
    name = one_line(contact.holder_name)
    name.truncate(widths[0], overflow="ellipsis")
    profession = one_line(contact.profession or NOTHING)
    profession.truncate(widths[1], overflow="ellipsis")
    unit = one_line(contact.unit_name or NOTHING)
    unit.truncate(widths[2], overflow="ellipsis")
    role = "coordinator" if contact.coordinator else "holder"
    return [
        name,
        profession,
        unit,
        Text(label(ROLE_WORDS, role), style="bold"),
        state_text("not_needed"),
    ]


def actor_cells(actor: log_actors.ActorView, widths: Sequence[int]) -> list[Text]:
    cells = []
    for value, width in (
        (actor.name, widths[0]),
        (actor.profession or NOTHING, widths[1]),
        (actor.unit_name or NOTHING, widths[2]),
    ):
        cell = one_line(value)
        cell.truncate(width, overflow="ellipsis")
        cells.append(cell)
    return cells + [
        Text(label(ROLE_WORDS, actor.role)),
        state_text(actor.consent_state, actor.consent_id),
    ]


def consent_cells(view: consent.ConsentView, widths: Sequence[int], tz: str) -> list[Text]:
    giver = one_line(view.giver_name)
    giver.truncate(widths[1], overflow="ellipsis")
    covers = covers_text(view)
    covers.truncate(widths[3], overflow="ellipsis")
    return [
        Text(str(view.id)),
        giver,
        Text(date_only(view.given_at, tz)),
        covers,
        consent_state_cell(view, tz),
    ]


def holder_details(detail: logs.LogDetail) -> Text:
    contact = detail.holder
    text = one_line(contact.holder_name)
    text.stylize("bold")
    for part in (contact.unit_name, contact.phone, contact.email):
        if part:
            text.append(" · ")
            text.append_text(one_line(part))
    text.append("\n")
    text.append(_("Holds the log: the one person who writes in it."))
    return text


def actor_details(
    actor: log_actors.ActorView, consents: Sequence[consent.ConsentView], tz: str
) -> Text:
    text = one_line(actor.name)
    text.stylize("bold")
    for part in (actor.profession, actor.unit_name, actor.phone, actor.email):
        if part:
            text.append(" · ")
            text.append_text(one_line(part))
    text.append("\n")
    text.append(_("Added {date}.").format(date=date_only(actor.added_at, tz)))
    text.append(" ")
    given = next((c for c in consents if c.id == actor.consent_id), None)
    if given is not None:
        text.append_text(
            literal(
                _("Reads through consent #{id} from {giver}: {state}.").format(
                    id=given.id, giver=given.giver_name, state=label(CONSENT_STATES, given.state)
                )
            )
        )
    else:
        text.append(_("Needs no consent as {role}.").format(role=label(ROLE_WORDS, actor.role)))
    return text


# --- the pane --------------------------------------------------------------------------------


class ActorsPane(LogPane):
    """Who reads the log and through which consent; the holder records and withdraws
    consents and adds and removes actors."""

    DEFAULT_CSS = """
    ActorsPane {
        height: 1fr;
        padding: 0 1;
    }
    ActorsPane .pane-note {
        height: auto;
        color: $text-warning;
        text-style: bold;
    }
    ActorsPane .pane-title {
        height: 1;
        text-style: bold;
        color: $primary;
    }
    ActorsPane #actors-table {
        height: 1fr;
        min-height: 3;
    }
    ActorsPane #consents-table {
        height: 1fr;
        min-height: 3;
    }
    ActorsPane #guardians-table {
        height: auto;
        max-height: 5;
    }
    ActorsPane #actors-detail {
        height: auto;
        max-height: 4;
        border-top: hkey $primary-muted;
    }
    """

    BINDINGS = [
        Binding(
            "c",
            "record_consent",
            N_("Record consent"),
            id="actors.record_consent",
            tooltip=N_("Record a consent: who gave it, how, what it covers, until when."),
        ),
        Binding(
            "w",
            "withdraw_consent",
            N_("Withdraw consent"),
            id="actors.withdraw_consent",
            tooltip=N_("Record that the chosen consent was withdrawn; its actors are detached."),
        ),
        Binding(
            "a",
            "add_actor",
            N_("Add actor"),
            id="actors.add_actor",
            tooltip=N_("Let someone read the log, through a consent that covers them."),
        ),
        Binding(
            "delete",
            "remove_actor",
            N_("Remove actor"),
            id="actors.remove_actor",
            tooltip=N_("Stop the chosen actor from reading the log, with the reason."),
        ),
        Binding(
            "c",
            "explain_read_only",
            READ_ONLY,
            show=False,
            id="actors.record_consent.refused",
            tooltip=READ_ONLY_TIP,
        ),
        Binding(
            "w",
            "explain_read_only",
            READ_ONLY,
            show=False,
            id="actors.withdraw_consent.refused",
            tooltip=READ_ONLY_TIP,
        ),
        Binding(
            "a",
            "explain_read_only",
            READ_ONLY,
            show=False,
            id="actors.add_actor.refused",
            tooltip=READ_ONLY_TIP,
        ),
        Binding(
            "delete",
            "explain_read_only",
            READ_ONLY,
            show=False,
            id="actors.remove_actor.refused",
            tooltip=READ_ONLY_TIP,
        ),
        *GUARDIAN_BINDINGS,
        *TRANSITION_BINDINGS,
    ]

    class Loaded(Message):
        def __init__(self, data: ActorsData) -> None:
            super().__init__()
            self.data = data

    def __init__(self, log_id: int, *, id: str | None = None) -> None:
        super().__init__(log_id, id=id)
        self.data: ActorsData | None = None
        self._failed = False
        self._table_id = "actors-table"

    def compose(self) -> ComposeResult:
        yield Static("", id="actors-read-only", classes="pane-note", markup=False)
        yield Static("", id="actors-attention", classes="pane-note", markup=False)
        yield TransitionNote("", id="actors-transitions", markup=False)
        yield Static(_("Who reads the log"), classes="pane-title", markup=False)
        yield FittedTable(id="actors-table", cursor_type="row", zebra_stripes=True)
        yield Static(_("Consents"), classes="pane-title", markup=False)
        yield FittedTable(id="consents-table", cursor_type="row", zebra_stripes=True)
        yield Static(_("Guardians"), classes="pane-title", markup=False)
        yield FittedTable(id="guardians-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="actors-detail", markup=False)

    def on_mount(self) -> None:
        self.query_one("#actors-detail").display = False
        self.detail_changed()
        self._fill()

    def detail_changed(self) -> None:
        """Say why a reader cannot write (R7), and what the log needs (a withdrawn consent)."""
        if not self.is_mounted:
            return
        note = self.query_one("#actors-read-only", Static)
        detail = self.detail
        if detail is not None and not detail.can_write:
            note.update(
                Text(detail.why_read_only or _("You can read this log, but not write in it."))
            )
            note.display = True
        else:
            note.display = False
        attention = self.query_one("#actors-attention", Static)
        if detail is not None and detail.can_write and detail.consent_state != "ok":
            attention.update(
                Text("! " + _("The log has no consent in force. Record a consent (c)."))
            )
            attention.display = True
        else:
            attention.display = False

    @property
    def can_write(self) -> bool:
        return self.detail is not None and self.detail.can_write

    # --- loading ---------------------------------------------------------------------------

    def load(self) -> None:
        if self.detail is None:
            return
        # No loading cover: it would take the focus the log view gives the tab; the tables
        # say "Loading…" until the first answer.
        self._load(self.store, self.staff, self.detail)

    @work(thread=True, exclusive=True, exit_on_error=False, group="actors-load")
    def _load(self, store: Store, staff: StaffRef, detail: logs.LogDetail) -> None:
        worker = get_current_worker()
        inst = installation.read(store)
        actors = tuple(log_actors.list_actors(store, staff, detail.id))
        consents = tuple(consent.list_consents(store, staff, detail.id))
        # Whoever reads the log sees its guardians (R5) and whether they can read it online.
        guardians = tuple(subjects.list_guardians(store, staff, detail.id))
        requests = tuple(transitions.requests_for_log(store, staff, detail.id))
        unit_rows: tuple[units.UnitView, ...] = ()
        givers: tuple[consent_givers.Giver, ...] = ()
        if detail.can_write:  # what only the holder's forms need
            unit_rows = tuple(units.list_units(store, staff))
            # Who may consent, by the consent service's rule, from the guardians just read.
            givers = tuple(
                consent_givers.who_may_consent(
                    detail.subject_name,
                    detail.subject_kind,
                    detail.birth_date,
                    guardians,
                    inst,
                    clock.today(inst.timezone),
                )
            )
        data = ActorsData(
            inst.timezone,
            clock.today(inst.timezone),
            actors,
            consents,
            guardians,
            unit_rows,
            givers,
            requests,
        )
        if not worker.is_cancelled:
            self.post_message(self.Loaded(data))

    def worker_done(self) -> None:
        """The load failed (the notification says why): the tables stop saying "Loading…"."""
        self._failed = True
        self._fill()

    def on_actors_pane_loaded(self, message: Loaded) -> None:
        message.stop()
        self.data = message.data
        self._failed = False
        self.query_one(TransitionNote).show_requests(
            message.data.transitions, message.data.timezone, self.can_write
        )
        self._fill()
        self._show_detail()
        self.refresh_bindings()

    # --- the tables ------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self._fill()

    def _fill(self) -> None:
        width = max(self.content_size.width, 60)
        actors_table = self.query_one("#actors-table", DataTable)
        consents_table = self.query_one("#consents-table", DataTable)
        guardians_table = self.query_one("#guardians-table", DataTable)
        current_actor, current_consent = selected_key(actors_table), selected_key(consents_table)
        current_guardian = selected_key(guardians_table)
        actor_widths = set_columns(actors_table, ACTOR_COLUMNS, width)
        consent_widths = set_columns(consents_table, CONSENT_COLUMNS, width)
        guardian_widths = set_columns(guardians_table, GUARDIAN_COLUMNS, width)
        if self.data is None or self.detail is None:
            waiting = not_loaded(self._failed)
            refill(actors_table, (), waiting)
            refill(consents_table, (), waiting, 1)
            refill(guardians_table, (), waiting)
            return
        refill(
            guardians_table,
            ((str(g.id), guardian_cells(g, guardian_widths)) for g in self.data.guardians),
            _("No guardian registered."),
            current=current_guardian,
        )
        rows = [(HOLDER_ROW, holder_cells(self.detail, actor_widths))]
        rows += [(str(a.id), actor_cells(a, actor_widths)) for a in self.data.actors]
        refill(actors_table, rows, "", current=current_actor)
        tz = self.data.timezone
        refill(
            consents_table,
            ((str(c.id), consent_cells(c, consent_widths, tz)) for c in self.data.consents),
            _("No consent recorded yet."),
            1,
            current=current_consent,
        )

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, DataTable) and event.widget.id != self._table_id:
            self._table_id = event.widget.id or self._table_id
            self._show_detail()
            self.refresh_bindings()

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == self._table_id:
            self._show_detail()
            self.refresh_bindings()

    def chosen_actor(self) -> log_actors.ActorView | None:
        if self.data is None:
            return None
        key = selected_key(self.query_one("#actors-table", DataTable))
        return next((a for a in self.data.actors if str(a.id) == key), None)

    def chosen_consent(self) -> consent.ConsentView | None:
        if self.data is None:
            return None
        key = selected_key(self.query_one("#consents-table", DataTable))
        return next((c for c in self.data.consents if str(c.id) == key), None)

    def chosen_guardian(self) -> subjects.GuardianView | None:
        if self.data is None:
            return None
        key = selected_key(self.query_one("#guardians-table", DataTable))
        return next((g for g in self.data.guardians if str(g.id) == key), None)

    def _show_detail(self) -> None:
        line = self.query_one("#actors-detail", Static)
        if self.data is None:
            line.display = False
            return
        text = None
        if self._table_id == "guardians-table":
            guardian = self.chosen_guardian()
            if guardian is not None:
                text = guardian_details(guardian, self.can_write)
        elif self._table_id == "consents-table":
            chosen = self.chosen_consent()
            if chosen is not None:
                text = consent_details(chosen, self.data.timezone)
        else:
            actor = self.chosen_actor()
            if actor is not None:
                text = actor_details(actor, self.data.consents, self.data.timezone)
            elif (
                self.detail is not None
                and selected_key(self.query_one("#actors-table", DataTable)) == HOLDER_ROW
            ):
                text = holder_details(self.detail)
        if text is not None:
            line.update(text)
        line.display = text is not None

    # --- the holder's keys -----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "explain_read_only":
            return self.detail is not None and not self.detail.can_write
        if action not in WRITER_ACTIONS:
            return True
        if not self.can_write:
            return False  # R7: a reader is not offered the keys; the note says why
        if self.data is None:
            return None
        if action == "withdraw_transition":  # only while the family has not answered
            return pending(self.data.transitions) is not None
        if action == "withdraw_consent":
            chosen = self.chosen_consent()
            ok = (
                self._table_id == "consents-table"
                and chosen is not None
                and chosen.state != "withdrawn"
            )
            return True if ok else None
        if action == "remove_actor":
            ok = self._table_id == "actors-table" and self.chosen_actor() is not None
            return True if ok else None
        if action == "change_guardian":
            ok = self._table_id == "guardians-table" and self.chosen_guardian() is not None
            return True if ok else None
        return True

    def action_explain_read_only(self) -> None:
        if self.detail is not None and self.detail.why_read_only:
            self.notify(self.detail.why_read_only, severity="warning", markup=False)

    def action_record_consent(self) -> None:
        if self.data is None or self.detail is None:
            return
        self.app.push_screen(RecordConsentDialog(self.detail, self.data), self._written)

    def action_withdraw_consent(self) -> None:
        chosen = self.chosen_consent()
        if self.data is None or chosen is None:
            return
        readers = [a for a in self.data.actors if a.consent_id == chosen.id]
        self.app.push_screen(
            WithdrawConsentDialog(chosen, readers, self.data.timezone, on_stale=self.load),
            self._written,
        )

    def action_add_actor(self) -> None:
        if self.data is None or self.detail is None:
            return
        self.app.push_screen(AddActorDialog(self.detail, self.data), self._written)

    def action_remove_actor(self) -> None:
        actor = self.chosen_actor()
        if actor is None:
            return
        self.app.push_screen(RemoveActorDialog(actor), self._written)

    def action_withdraw_transition(self) -> None:
        waiting = pending(self.data.transitions) if self.data is not None else None
        if waiting is not None:
            self.app.push_screen(
                withdraw_question(waiting),
                lambda yes: self._withdraw(self.store, self.staff, waiting.id) if yes else None,
            )

    @work(thread=True, exit_on_error=False, group="actors-transition")
    def _withdraw(self, store: Store, staff: StaffRef, request_id: int) -> None:
        transitions.withdraw(store, staff, request_id)
        self.post_message(LogChanged(self.log_id))

    def action_add_guardian(self) -> None:
        if self.detail is not None:
            self.app.push_screen(GuardianDialog(self.detail), self._written)

    def action_change_guardian(self) -> None:
        guardian = self.chosen_guardian()
        if self.detail is not None and guardian is not None:
            self.app.push_screen(GuardianDialog(self.detail, guardian), self._written)

    def _written(self, changed: bool | None) -> None:
        """After a write the log view loads the log again and shows it to every tab."""
        if changed:
            self.post_message(LogChanged(self.log_id))
