"""The home screen: who is logged in, and the relay logs they hold."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Footer, Static
from textual.worker import Worker

from relaytui.app import RelayScreen
from relaytui.errors import NotAllowed
from relaytui.i18n import N_, _
from relaytui.services import accounts, clock, installation, logs
from relaytui.services.access import StaffRef

if TYPE_CHECKING:
    from relaytui.db import Store

PROFILE_LABELS = {"dk": N_("Denmark"), "no": N_("Norway")}
STATUS_LABELS = {"active": N_("active"), "closed": N_("closed"), "plan": N_("individual plan")}
CONSENT_LABELS = {
    "ok": N_("ok"),
    "missing": N_("missing"),
    "expired": N_("expired"),
    "withdrawn": N_("withdrawn"),
}
#: The table's columns: key and English heading (translated when the table is built).
COLUMNS = (
    ("name", N_("Name")),
    ("number", N_("National no.")),
    ("level", N_("Level")),
    ("status", N_("Status")),
    ("meeting", N_("Next meeting")),
    ("overdue", N_("Overdue")),
    ("consent", N_("Consent")),
    ("entry", N_("Last entry")),
)
NOTHING = "-"


def _label(labels: dict[str, str], value: str) -> str:
    return _(labels[value]) if value in labels else value


def _date(moment: datetime | None, tz: str) -> str:
    local = clock.local(moment, tz)
    return local.strftime("%Y-%m-%d") if local is not None else NOTHING


def _date_time(moment: datetime | None, tz: str) -> str:
    local = clock.local(moment, tz)
    return local.strftime("%Y-%m-%d %H:%M") if local is not None else NOTHING


def who(staff: StaffRef) -> Text:
    """"anna — Anna Holm, pedagogue": what the header says about the person logged in."""
    what = staff.profession or accounts.role_label(staff.role)
    text = Text.assemble((staff.username, "bold"), " — ", staff.full_name)
    if what:
        text.append(f", {what}")
    return text


def row_cells(summary: logs.LogSummary, tz: str) -> list[Text]:
    """One table row; every cell a Text, so nothing from the database is read as markup."""
    overdue = summary.overdue_evaluations
    consent_ok = summary.consent_state == "ok"
    return [
        Text(summary.subject_name),
        Text(summary.national_number_masked),
        Text(str(summary.level), justify="center"),
        Text(_label(STATUS_LABELS, summary.status)),
        Text(_date_time(summary.next_meeting_at, tz)),
        Text(str(overdue), style="bold red" if overdue else "", justify="right"),
        Text(_label(CONSENT_LABELS, summary.consent_state), style="" if consent_ok else "bold"),
        Text(_date(summary.last_entry_at, tz)),
    ]


@dataclass(frozen=True)
class HomeData:
    """What the worker hands back: the installation, the logs, or why there are none."""

    inst: installation.Installation
    held: tuple[logs.LogSummary, ...]
    refused: str | None = None


class HomeScreen(RelayScreen):
    """The first screen after login."""

    BINDINGS = [
        Binding("ctrl+r", "refresh", N_("Refresh"), id="home.refresh",
                tooltip=N_("Load the list of relay logs again.")),
        Binding("ctrl+l", "app.logout", N_("Log out"), id="home.logout",
                tooltip=N_("Log out and return to the login screen.")),
    ]

    class Loaded(Message):
        def __init__(self, data: HomeData) -> None:
            super().__init__()
            self.data = data

    def __init__(self, staff: StaffRef) -> None:
        super().__init__()
        self.staff = staff
        self.data: HomeData | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="home-header"):
            with Horizontal(id="home-header-top"):
                yield Static(_("Relay log"), id="home-app-name", markup=False)
                yield Static(who(self.staff), id="home-who", markup=False)
            yield Static("", id="home-installation", markup=False)
        with Vertical(id="home-body"):
            yield Static(_("Relay logs you hold"), id="home-list-title", markup=False)
            yield DataTable(id="home-logs", cursor_type="row", zebra_stripes=True)
            yield Static("", id="home-message", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#home-logs", DataTable)
        for key, heading in COLUMNS:
            table.add_column(Text(_(heading)), key=key)
        table.display = False
        self.query_one("#home-message").display = False
        self.load()

    # --- loading -------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.load()

    def load(self) -> None:
        self.query_one("#home-body").loading = True
        self._load(self.store, self.staff)

    @work(thread=True, exclusive=True, exit_on_error=False, group="home")
    def _load(self, store: Store, staff: StaffRef) -> None:
        inst = installation.read(store)
        try:
            rows = tuple(logs.list_logs(store, staff, role="holder"))
        except NotAllowed as exc:
            # An administrator reads no log (R9): the service says so, and that is the answer.
            self.post_message(self.Loaded(HomeData(inst, (), exc.message)))
            return
        self.post_message(self.Loaded(HomeData(inst, rows)))

    def worker_failed(self, worker: Worker, message: str) -> None:
        self.query_one("#home-body").loading = False
        super().worker_failed(worker, message)

    def on_home_screen_loaded(self, message: Loaded) -> None:
        data = message.data
        self.data = data
        self.query_one("#home-body").loading = False
        self._show_installation(data.inst)
        table = self.query_one("#home-logs", DataTable)
        note = self.query_one("#home-message", Static)
        title = self.query_one("#home-list-title", Static)
        if data.refused is not None:
            lines = [data.refused]
            if self.staff.is_admin:
                lines.append(_("Manage accounts at the command line with the 'relaytui user' "
                               "commands, for example 'relaytui user list'."))
            title.display = False
            table.display = False
            note.update(Text("\n\n".join(lines)))
            note.display = True
            return
        self._fill(table, data)
        title.display = True
        if data.held:
            table.display = True
            note.display = False
            table.focus()
        else:
            table.display = False
            note.update(Text(_("You hold no relay logs.")))
            note.display = True

    def _show_installation(self, inst: installation.Installation) -> None:
        parts = [
            _("Profile: {profile}").format(profile=_label(PROFILE_LABELS, inst.profile)),
            _("times in {zone}").format(zone=inst.timezone),
        ]
        if inst.municipality:
            parts.insert(0, inst.municipality)
        self.query_one("#home-installation", Static).update(Text(" · ".join(parts)))

    def _fill(self, table: DataTable, data: HomeData) -> None:
        """Replace the rows, keeping the cursor on the same log when it is still there."""
        current = None
        if table.row_count:
            current = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        table.clear()
        tz = data.inst.timezone
        for summary in data.held:
            table.add_row(*row_cells(summary, tz), key=str(summary.id))
        if current is not None and current in table.rows:
            table.move_cursor(row=table.get_row_index(current))
