"""The "Actors and consent" tab of a log: who reads it, and the consent that lets them (R5, R6).

Nothing is shared without consent: the holder records the guardians' consent (who gave it,
how, when, what it covers, until when) and then adds the actors it covers. The service is the
judge of R5 and R6; this pane shows what it decides, in its own words, and marks beforehand
which people a consent already covers so the holder is not surprised.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Checkbox, DataTable, Input, OptionList, Select, SelectionList, Static
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection
from textual.worker import get_current_worker

from relaytui.i18n import N_, _
from relaytui.screens.log_efforts import (
    READ_ONLY, READ_ONLY_TIP, ROLE_WORDS, FormError, LogPaneDialog, field, form_row, not_loaded,
    one_line, read_date, refill, selected_key, set_columns,
)
from relaytui.screens.log_view import NOTHING, LogPane, date_only, label, literal
from relaytui.services import accounts, clock, consent, installation, logs, subjects, units
from relaytui.services.consent import ConsentInput
from relaytui.widgets.choice import Choice
from relaytui.widgets.fitted_table import FittedTable
from relaytui.widgets.messages import LogChanged
from relaytui.widgets.toggles import MarkedCheckbox, MarkedSelectionList

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef

CONSENT_STATES = {
    "in_force": N_("in force"),
    "expired": N_("expired"),
    "withdrawn": N_("withdrawn"),
    "not_needed": N_("not needed"),
}
STATE_STYLES = {"in_force": "green", "expired": "bold red", "withdrawn": "bold red", "not_needed": "dim"}
METHODS = {"signed_form": N_("signed form"), "digital": N_("digital"), "oral": N_("oral")}
GIVER_KINDS = {"guardian": N_("guardian"), "subject": N_("the subject")}
WRITER_ACTIONS = frozenset({"record_consent", "withdraw_consent", "add_actor", "remove_actor"})
SEARCH_LIMIT = 20


def state_text(state: str, consent_id: int | None = None) -> Text:
    """A consent's state as a word (with its colour), and the consent's number if any."""
    text = Text(label(CONSENT_STATES, state), style=STATE_STYLES.get(state, ""))
    if consent_id is not None:
        text.append(f" (#{consent_id})")
    return text


def covers_text(view: consent.ConsentView) -> Text:
    """What a consent covers: the log, named staff, whole units, named persons."""
    parts = [Text(_("the log"))] if view.covers_log else []
    parts += [one_line(cover.label) for cover in view.covers]
    return Text("; ").join(parts) if parts else Text(NOTHING)


def in_force(consents: Iterable[consent.ConsentView]) -> list[consent.ConsentView]:
    return [c for c in consents if c.state == "in_force"]


def covering_staff(consents: Iterable[consent.ConsentView], staff_id: int,
                   unit_id: int | None) -> consent.ConsentView | None:
    """The first consent in force that names this member of staff or their unit (R5)."""
    for view in in_force(consents):
        for cover in view.covers:
            if cover.staff_id == staff_id or (unit_id is not None and cover.unit_id == unit_id):
                return view
    return None


def covering_person(consents: Iterable[consent.ConsentView], name: str) -> consent.ConsentView | None:
    wanted = name.strip().casefold()
    for view in in_force(consents):
        if any(c.person_name and c.person_name.strip().casefold() == wanted for c in view.covers):
            return view
    return None


# --- what the pane loads ---------------------------------------------------------------------


@dataclass(frozen=True)
class ActorsData:
    """What the pane's worker hands back; the guardians and units only for the holder."""

    timezone: str
    today: date
    actors: tuple[consent.ActorView, ...]
    consents: tuple[consent.ConsentView, ...]
    guardians: tuple[subjects.GuardianView, ...] = ()
    units: tuple[units.UnitView, ...] = ()
    #: Who may give a consent today (R6), as the service decides.
    givers: tuple[consent.Giver, ...] = ()

    def leader_id(self, unit_id: int | None) -> int | None:
        """The nearest leader of the log's unit: attached without a consent (R3)."""
        return next((u.leader_id for u in self.units if u.id == unit_id), None)


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
    return [name, profession, unit, Text(label(ROLE_WORDS, role), style="bold"),
            state_text("not_needed")]


def actor_cells(actor: consent.ActorView, widths: Sequence[int]) -> list[Text]:
    cells = []
    for value, width in ((actor.name, widths[0]), (actor.profession or NOTHING, widths[1]),
                         (actor.unit_name or NOTHING, widths[2])):
        cell = one_line(value)
        cell.truncate(width, overflow="ellipsis")
        cells.append(cell)
    return cells + [Text(label(ROLE_WORDS, actor.role)),
                    state_text(actor.consent_state, actor.consent_id)]


def consent_state_cell(view: consent.ConsentView, tz: str) -> Text:
    if view.state == "withdrawn":
        return Text(_("withdrawn {date}").format(date=date_only(view.withdrawn_at, tz)),
                    style=STATE_STYLES["withdrawn"])
    if view.state == "expired":
        return Text(_("expired {date}").format(date=date_only(view.expires_at, tz)),
                    style=STATE_STYLES["expired"])
    if view.expires_at is not None:
        return Text(_("in force to {date}").format(date=date_only(view.expires_at, tz)),
                    style=STATE_STYLES["in_force"])
    return state_text("in_force")


def consent_cells(view: consent.ConsentView, widths: Sequence[int], tz: str) -> list[Text]:
    giver = one_line(view.giver_name)
    giver.truncate(widths[1], overflow="ellipsis")
    covers = covers_text(view)
    covers.truncate(widths[3], overflow="ellipsis")
    return [Text(str(view.id)), giver, Text(date_only(view.given_at, tz)), covers,
            consent_state_cell(view, tz)]


def consent_details(view: consent.ConsentView, tz: str) -> Text:
    """Everything about one consent, for the line under the tables."""
    text = Text(f"#{view.id} ", style="bold")
    text.append_text(one_line(view.giver_name))
    text.append(f" ({label(GIVER_KINDS, view.giver_kind)}), {label(METHODS, view.method)}, ")
    text.append(_("given {date}").format(date=date_only(view.given_at, tz)))
    text.append(". ")
    text.append(_("Covers: "))
    text.append_text(covers_text(view))
    text.append(". ")
    text.append(_("State:") + " ")
    text.append_text(consent_state_cell(view, tz))
    if view.withdrawn_reason:
        text.append(": ")
        text.append_text(one_line(view.withdrawn_reason))
    return text


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


def actor_details(actor: consent.ActorView, consents: Sequence[consent.ConsentView], tz: str) -> Text:
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
        text.append_text(literal(_("Reads through consent #{id} from {giver}: {state}.").format(
            id=given.id, giver=given.giver_name, state=label(CONSENT_STATES, given.state))))
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
    ActorsPane #actors-detail {
        height: auto;
        max-height: 4;
        border-top: hkey $primary-muted;
    }
    """

    BINDINGS = [
        Binding("c", "record_consent", N_("Record consent"), id="actors.record_consent",
                tooltip=N_("Record a consent: who gave it, how, what it covers, until when.")),
        Binding("w", "withdraw_consent", N_("Withdraw consent"), id="actors.withdraw_consent",
                tooltip=N_("Record that the chosen consent was withdrawn; its actors are detached.")),
        Binding("a", "add_actor", N_("Add actor"), id="actors.add_actor",
                tooltip=N_("Let someone read the log, through a consent that covers them.")),
        Binding("delete", "remove_actor", N_("Remove actor"), id="actors.remove_actor",
                tooltip=N_("Stop the chosen actor from reading the log, with the reason.")),
        Binding("c", "explain_read_only", READ_ONLY, show=False, id="actors.record_consent.refused",
                tooltip=READ_ONLY_TIP),
        Binding("w", "explain_read_only", READ_ONLY, show=False,
                id="actors.withdraw_consent.refused", tooltip=READ_ONLY_TIP),
        Binding("a", "explain_read_only", READ_ONLY, show=False, id="actors.add_actor.refused",
                tooltip=READ_ONLY_TIP),
        Binding("delete", "explain_read_only", READ_ONLY, show=False,
                id="actors.remove_actor.refused", tooltip=READ_ONLY_TIP),
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
        yield Static(_("Who reads the log"), classes="pane-title", markup=False)
        yield FittedTable(id="actors-table", cursor_type="row", zebra_stripes=True)
        yield Static(_("Consents"), classes="pane-title", markup=False)
        yield FittedTable(id="consents-table", cursor_type="row", zebra_stripes=True)
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
            note.update(Text(detail.why_read_only or _("You can read this log, but not write in it.")))
            note.display = True
        else:
            note.display = False
        attention = self.query_one("#actors-attention", Static)
        if detail is not None and detail.can_write and detail.consent_state != "ok":
            attention.update(Text(
                "! " + _("The log has no consent in force. Record a consent (c).")))
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
        actors = tuple(consent.list_actors(store, staff, detail.id))
        consents = tuple(consent.list_consents(store, staff, detail.id))
        guardians: tuple[subjects.GuardianView, ...] = ()
        unit_rows: tuple[units.UnitView, ...] = ()
        givers: tuple[consent.Giver, ...] = ()
        if detail.can_write:  # what only the holder's forms need
            guardians = tuple(subjects.list_guardians(store, staff, detail.id))
            unit_rows = tuple(units.list_units(store, staff))
            # Who may consent, by the consent service's rule, from the guardians just read.
            givers = tuple(consent.who_may_consent(detail.subject_name, detail.subject_kind, detail.birth_date,
                                                   guardians, inst, clock.today(inst.timezone)))
        data = ActorsData(inst.timezone, clock.today(inst.timezone), actors, consents,
                          guardians, unit_rows, givers)
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
        current_actor, current_consent = selected_key(actors_table), selected_key(consents_table)
        actor_widths = set_columns(actors_table, ACTOR_COLUMNS, width)
        consent_widths = set_columns(consents_table, CONSENT_COLUMNS, width)
        if self.data is None or self.detail is None:
            waiting = not_loaded(self._failed)
            refill(actors_table, (), waiting)
            refill(consents_table, (), waiting, 1)
            return
        rows = [(HOLDER_ROW, holder_cells(self.detail, actor_widths))]
        rows += [(str(a.id), actor_cells(a, actor_widths)) for a in self.data.actors]
        refill(actors_table, rows, "", current=current_actor)
        tz = self.data.timezone
        refill(consents_table, ((str(c.id), consent_cells(c, consent_widths, tz))
                                for c in self.data.consents), _("No consent recorded yet."), 1,
               current=current_consent)

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

    def chosen_actor(self) -> consent.ActorView | None:
        if self.data is None:
            return None
        key = selected_key(self.query_one("#actors-table", DataTable))
        return next((a for a in self.data.actors if str(a.id) == key), None)

    def chosen_consent(self) -> consent.ConsentView | None:
        if self.data is None:
            return None
        key = selected_key(self.query_one("#consents-table", DataTable))
        return next((c for c in self.data.consents if str(c.id) == key), None)

    def _show_detail(self) -> None:
        line = self.query_one("#actors-detail", Static)
        if self.data is None:
            line.display = False
            return
        text = None
        if self._table_id == "consents-table":
            chosen = self.chosen_consent()
            if chosen is not None:
                text = consent_details(chosen, self.data.timezone)
        else:
            actor = self.chosen_actor()
            if actor is not None:
                text = actor_details(actor, self.data.consents, self.data.timezone)
            elif self.detail is not None and selected_key(
                    self.query_one("#actors-table", DataTable)) == HOLDER_ROW:
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
        if action == "withdraw_consent":
            chosen = self.chosen_consent()
            ok = self._table_id == "consents-table" and chosen is not None and chosen.state != "withdrawn"
            return True if ok else None
        if action == "remove_actor":
            ok = self._table_id == "actors-table" and self.chosen_actor() is not None
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

    def _written(self, changed: bool | None) -> None:
        """After a write the log view loads the log again and shows it to every tab."""
        if changed:
            self.post_message(LogChanged(self.log_id))


# --- recording a consent ---------------------------------------------------------------------

SUBJECT_GIVER = "subject"


def local_moment(day: date, tz: str) -> datetime:
    """The start of ``day`` in the installation's time zone."""
    return datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(tz))


def split_names(text: str) -> tuple[str, ...]:
    """"Grandma Inge, Uncle Ib" -> ("Grandma Inge", "Uncle Ib")."""
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


class RecordConsentDialog(LogPaneDialog):
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
        yield form_row(_("Given by"), Choice(givers, value=first, id="consent-giver", compact=True,
                                             allow_blank=not givers, prompt=_("Choose who gave it")))
        offered = {g.guardian_id for g in self.data.givers}
        left_out = [g.name for g in self.data.guardians if g.id not in offered]
        if left_out:
            # Why a guardian the caseworker expects is not in the list.
            yield form_row("", Static(Text(_("Not offered, as they may not consent: {names}.").format(
                names=", ".join(left_out))), id="consent-not-offered", classes="form-note", markup=False))
        yield form_row(_("How"), Choice([(Text(_(word)), code) for code, word in METHODS.items()],
                                        id="consent-method", compact=True,
                                        prompt=_("Choose how it was given")))
        yield form_row(_("Given on"), field(self.data.today.isoformat(), id="consent-given",
                                            max_length=10, placeholder="YYYY-MM-DD"))
        yield form_row(_("Covers the log"), MarkedCheckbox(_("yes"), True, id="consent-covers-log",
                                                     compact=True))
        yield form_row(_("Staff: search"), field(id="consent-staff-search", max_length=100,
                                                 placeholder=_("name or profession")))
        yield form_row("", MarkedSelectionList[int](id="consent-staff", compact=True, classes="form-list"))
        yield form_row(_("Staff chosen"), Static(Text(NOTHING), id="consent-staff-chosen",
                                                 markup=False))
        unit_choices = [Selection(one_line(u.name), u.id) for u in self.data.units]
        yield form_row(_("Whole units"), MarkedSelectionList[int](*unit_choices, id="consent-units",
                                                            compact=True, classes="form-list"))
        yield form_row(_("Named persons"), field(id="consent-persons", max_length=1000,
                                                 placeholder=_("e.g. Grandma Inge, Uncle Ib")))
        yield form_row(_("Expires on"), field(id="consent-expires", max_length=10,
                                              placeholder=_("YYYY-MM-DD, or empty")))
        yield form_row(_("Note"), field(id="consent-note", max_length=1000,
                                        placeholder=_("e.g. where the signed form is kept")))

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
        found = tuple(p for p in accounts.search_staff(store, staff, query, limit=SEARCH_LIMIT)
                      if p.id != self.detail.holder_id)
        if not worker.is_cancelled:
            self.post_message(StaffFound(query, found))

    def on_staff_found(self, message: StaffFound) -> None:
        message.stop()
        if message.query != self.value("#consent-staff-search"):
            return  # an older search; a newer one is on its way
        self._found = {p.id: p for p in message.found}
        found = self.query_one("#consent-staff", SelectionList)
        found.clear_options()
        found.add_options([Selection(staff_prompt(p), p.id, p.id in self.chosen_staff)
                           for p in message.found])
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
            raise FormError(_("Nobody is registered who may consent for {name}: add a guardian with "
                              "custody to the subject first.").format(name=self.detail.subject_name)
                            if not self.data.givers else
                            _("Choose one of the subject's guardians as the one who consents."),
                            "consent-giver")
        method = self.query_one("#consent-method", Select).value
        if method is Select.BLANK:
            raise FormError(_("Say how the consent was given: signed form, digital or oral."),
                            "consent-method")
        today = self.data.today
        given_on = read_date(self.value("#consent-given"),
                             _("Type the date the consent was given as YYYY-MM-DD, for example "
                               "{example}."), example=today, field="consent-given")
        expires_on = read_date(self.value("#consent-expires"),
                               _("Type the expiry date as YYYY-MM-DD, for example {example}, or "
                                 "leave it empty."), example=today + timedelta(days=365),
                               required=False, field="consent-expires")
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


class WithdrawConsentDialog(LogPaneDialog):
    """A guardian withdrew a consent: the reason is written down, the actors it covered are
    detached, and the log is flagged for the holder (R5). It cannot be undone."""

    def __init__(self, view: consent.ConsentView, readers: Sequence[consent.ActorView], tz: str, *,
                 on_stale: Callable[[], None] | None = None) -> None:
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
            text.append_text(literal(_("These actors read through it and are detached unless "
                                       "another consent covers them: {names}.").format(names=names)))
        else:
            text.append(_("No actor reads through this consent."))
        text.append("\n")
        text.append(_("A withdrawal cannot be undone; a new consent must be recorded instead."),
                    style="bold")
        return text

    def form(self) -> ComposeResult:
        yield Static(self.warning(), id="withdraw-warning", classes="log-dialog-note", markup=False)
        yield form_row(_("How and when"), field(id="withdraw-reason", max_length=1000,
                                                placeholder=_("e.g. Mother phoned on 3 March")))
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
            raise FormError(_("Write down how and when the consent was withdrawn."), "withdraw-reason")
        return reason

    def write(self, store: Store, staff: StaffRef, values: str) -> None:
        consent.withdraw_consent(store, staff, self.view.id, version=self.view.version, reason=values)

    def reread(self, store: Store, staff: StaffRef) -> consent.ConsentView | None:
        return next((c for c in consent.list_consents(store, staff, self.view.log_id)
                     if c.id == self.view.id), None)

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


class AddActorDialog(LogPaneDialog):
    """Search staff by name or profession as you type, or pick a guardian or the subject, or
    name a person outside the staff. Each choice says whether a consent covers them; the
    service refuses anyone a consent must cover and none does (R5)."""

    BINDINGS = [
        Binding("down", "to_choices", N_("Choices"), id="log_pane.add_actor.choices", show=False,
                tooltip=N_("Move from the search to the list of people.")),
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
        yield Static(Text(_("Anyone but the subject, the guardians and the nearest leader reads "
                            "only through a consent that covers them. Enter adds the chosen "
                            "person.")), classes="log-dialog-note", markup=False)
        yield form_row(_("Search"), field(id="actor-search", max_length=100,
                                          placeholder=_("name or profession")))
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
                note = (Text(_("covered by consent #{id}").format(id=covering.id), style="green")
                        if covering else Text(_("no consent covers them"), style="bold red"))
            add(f"staff:{person.id}", Candidate("staff", person.full_name, staff_id=person.id),
                staff_prompt(person), note)
        attached_guardians = {a.name for a in self.data.actors if a.role == "guardian"}
        for guardian in self.data.guardians:
            if guardian.name in attached_guardians or (wanted and wanted not in guardian.name.casefold()):
                continue
            prompt = one_line(guardian.name)
            prompt.stylize("bold")
            prompt.append(f" — {label(ROLE_WORDS, 'guardian')}")
            add(f"guardian:{guardian.id}", Candidate("guardian", guardian.name, guardian_id=guardian.id),
                prompt, Text(_("no consent needed"), style="dim"))
        if not any(a.role == "subject" for a in self.data.actors) and (
                not wanted or wanted in self.detail.subject_name.casefold()):
            prompt = one_line(self.detail.subject_name)
            prompt.stylize("bold")
            prompt.append(f" — {label(ROLE_WORDS, 'subject')}")
            add("subject", Candidate("subject", self.detail.subject_name), prompt,
                Text(_("no consent needed"), style="dim"))
        if query.strip():
            name = query.strip()
            prompt = literal(_("Someone not on the staff named \u201c{name}\u201d").format(name=name))
            covering = covering_person(self.data.consents, name)
            note = (Text(_("covered by consent #{id}").format(id=covering.id), style="green")
                    if covering else Text(_("no consent covers them"), style="bold red"))
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
            raise FormError(_("Search for the person to add, then choose them in the list."),
                            "actor-search")
        if candidate.kind == "person" and self.person_confirmed != candidate.name:
            self.person_confirmed = candidate.name
            raise FormError(_("\u201c{name}\u201d is nobody on the staff. Press Enter again to add "
                              "them by name, or choose someone in the list.").format(name=candidate.name))
        return candidate

    def write(self, store: Store, staff: StaffRef, values: Candidate) -> None:
        consent.add_actor(
            store, staff, self.detail.id,
            staff_id=values.staff_id if values.kind == "staff" else None,
            guardian_id=values.guardian_id if values.kind == "guardian" else None,
            as_subject=values.kind == "subject",
            person_name=values.name if values.kind == "person" else None,
        )


class RemoveActorDialog(LogPaneDialog):
    """An actor stops reading the log; why is written down."""

    def __init__(self, actor: consent.ActorView) -> None:
        super().__init__()
        self.actor = actor

    def heading(self) -> str:
        return _("Remove an actor")

    def form(self) -> ComposeResult:
        yield Static(literal(_("{name} will no longer read this log.").format(name=self.actor.name)),
                     classes="log-dialog-note", markup=False)
        yield form_row(_("Why"), field(id="remove-reason", max_length=1000,
                                       placeholder=_("e.g. Ida changed school")))

    def read_form(self) -> str:
        reason = self.value("#remove-reason").strip()
        if not reason:
            raise FormError(_("Write why the actor is removed."), "remove-reason")
        return reason

    def write(self, store: Store, staff: StaffRef, values: str) -> None:
        consent.remove_actor(store, staff, self.actor.id, reason=values)
