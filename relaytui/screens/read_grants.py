"""Reading a closed log again (R10): asking, and the administrators' answer.

- :class:`ReadGrantsScreen` (administrators, command palette "Requests to read closed logs"):
  the requests that wait, with who asked and why; ``g`` gives a grant with a reason and the last
  day (and in Norway the guardians' approval), ``f`` refuses with a reason.
- :class:`ClosedLogsScreen` (staff, command palette "Closed logs"): the closed logs the person
  held or read as an actor; Enter opens one they have a grant for, or asks for one.
- :class:`RequestReadDialog`: the reason for asking, also reached with ``g`` on the log view of
  a closed log the person may not read.

Every read and change runs in a thread, through :mod:`relaytui.services.grants`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import (
    Button,
    DataTable,
    Input,
    Label,
    RadioSet,
    Static,
)

from relaytui.errors import InvalidInput
from relaytui.i18n import N_, _
from relaytui.i18n.formats import date_text, local_date, local_date_time
from relaytui.services import clock, grant_requests, grants, installation
from relaytui.ui.base import RelayScreen
from relaytui.ui.dialogs import LogDialog
from relaytui.ui.forms import FormError
from relaytui.widgets.footer import KeyFooter
from relaytui.widgets.messages import OpenLog
from relaytui.widgets.toggles import MarkedRadioButton

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef


def grant_banner(view: grants.GrantView) -> Text:
    """ "You read this closed log with a permission until 20.12.2026, given by Ada Admin."."""
    text = Text(
        _("You read this closed log with a permission until {date}, given by {name}.").format(
            date=date_text(view.until), name=view.granted_by_name
        ),
        style="bold",
    )
    return text


class GrantDialog(LogDialog):
    """The frame of the grant dialogs: a title, a few fields, the refusal, the buttons. Not
    about one open log, so the log dialog's frame is used without a log's detail."""

    SUBMIT = N_("Save")
    HEADING = ""

    def __init__(self, heading: Text) -> None:
        super().__init__(None)  # type: ignore[arg-type]
        self.heading = heading

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            with Vertical(classes="dialog-head"):
                yield Static(self.heading, classes="dialog-title", markup=False)
            with VerticalScroll(classes="dialog-body"):
                yield from self.fields()
            with Vertical(classes="dialog-foot"):
                yield Static("", classes="dialog-error", markup=False)
                with Horizontal(classes="dialog-buttons"):
                    yield Button(_(self.SUBMIT), variant="primary", classes="dialog-submit")
                    yield Button(_("Cancel"), classes="dialog-cancel")
        yield KeyFooter()

    def fields(self) -> ComposeResult:
        """The dialog's own fields, between its title and its buttons (each dialog gives them)."""
        yield from ()

    def ready(self, inst: installation.Installation, extra: Any) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _enter(self) -> None:
        self.action_submit()


class RequestReadDialog(GrantDialog):
    """Ask to read a closed log again, with the reason. Dismisses True when asked."""

    SUBMIT = N_("Ask")
    BINDINGS = [
        Binding(
            "ctrl+s",
            "submit",
            N_("Ask"),
            id="grants.request.save",
            priority=True,
            tooltip=N_("Send the request to the administrators."),
        ),
    ]

    def __init__(self, log_id: int, about: Text | None = None) -> None:
        super().__init__(
            Text.assemble(
                (_("Ask to read a closed log"), "bold"),
                *((" — ", about) if about is not None else ()),
            )
        )
        self.log_id = log_id

    def fields(self) -> ComposeResult:
        yield Static(
            _(
                "An administrator decides, and gives you a permission for some days. "
                "Your request and every read are in the child's access report."
            ),
            markup=False,
        )
        yield Label(
            _("Why do you need to read it again? (required)"), classes="dialog-label", markup=False
        )
        yield Input(id="grant-request-reason", max_length=2000)

    def read_form(self) -> str:
        return self.query_one("#grant-request-reason", Input).value

    def write(self, store: Store, staff: StaffRef, values: str) -> object:
        return grants.request_read(store, staff, self.log_id, reason=values)

    def written(self, result: object) -> None:
        self.app.notify(_("Your request waits for an administrator."), markup=False)
        super().written(result)


class GiveGrantDialog(GrantDialog):
    """Give a grant: the reason, the last day; in Norway the guardians' approval."""

    SUBMIT = N_("Grant")
    BINDINGS = [
        Binding(
            "ctrl+s",
            "submit",
            N_("Grant"),
            id="grants.give.save",
            priority=True,
            tooltip=N_("Let the person who asked read the closed log until the day given."),
        ),
    ]

    def __init__(self, request: grant_requests.RequestView) -> None:
        super().__init__(
            Text.assemble(
                (_("Grant reading"), "bold"),
                " — ",
                request.subject_name,
                f" ({request.national_number_masked})",
            )
        )
        self.request = request

    def fields(self) -> ComposeResult:
        yield Static(
            Text(
                _("{name} asks: {reason}").format(
                    name=self.request.staff_name, reason=self.request.reason
                )
            ),
            markup=False,
        )
        yield Label(
            _("Why may the log be read again? (required)"), classes="dialog-label", markup=False
        )
        yield Input(id="grant-reason", max_length=2000)
        yield Label(
            _("Last day of the permission (at most {days} days ahead)").format(
                days=grants.MAX_DAYS
            ),
            classes="dialog-label",
            markup=False,
        )
        yield Input(id="grant-until", max_length=20)
        with Vertical(id="grant-approval"):
            yield Static(
                _("The guardians must approve that the information is made available again."),
                classes="dialog-hint",
                markup=False,
            )
            yield Label(
                _("Who of the guardians approved (required)"), classes="dialog-label", markup=False
            )
            yield Input(id="grant-approved-by", max_length=200)
            yield Label(_("How"), classes="dialog-label", markup=False)
            yield RadioSet(
                *(
                    MarkedRadioButton(
                        Text(_(words)), id=f"grant-approval-{code}", value=code == "oral"
                    )
                    for code, words in grants.APPROVAL_METHODS.items()
                ),
                id="grant-approval-method",
            )
            yield Label(_("On which day"), classes="dialog-label", markup=False)
            yield Input(id="grant-approved-on", max_length=20)

    def on_mount(self) -> None:
        self.query_one("#grant-approval").display = False
        super().on_mount()

    def ready(self, inst: installation.Installation, extra: Any) -> None:
        today = clock.today(inst.timezone)
        self.query_one("#grant-until", Input).value = date_text(today + timedelta(days=30))
        self.query_one("#grant-approved-on", Input).value = date_text(today)
        self.query_one("#grant-approval").display = inst.country.grant_needs_approval
        self.query_one("#grant-reason", Input).focus()

    def read_form(self) -> tuple[str, str, grants.GuardianApproval | None]:
        reason = self.query_one("#grant-reason", Input).value
        until = self.query_one("#grant-until", Input).value
        approval = None
        who = self.query_one("#grant-approved-by", Input).value
        if self.inst is not None and self.inst.country.grant_needs_approval and who.strip():
            index = self.query_one("#grant-approval-method", RadioSet).pressed_index
            method = list(grants.APPROVAL_METHODS)[index] if index >= 0 else ""
            try:
                on_day = grants.read_day(
                    self.query_one("#grant-approved-on", Input).value,
                    what=_("Write the day the guardians approved, for example {example}."),
                )
            except InvalidInput as exc:
                raise FormError(exc.message) from None
            approval = grants.GuardianApproval(who, method, on_day)
        return reason, until, approval

    def write(
        self, store: Store, staff: StaffRef, values: tuple[str, str, grants.GuardianApproval | None]
    ) -> grants.GrantView:
        reason, until, approval = values
        return grants.give(
            store,
            staff,
            self.request.id,
            reason=reason,
            until=until,
            approval=approval,
            version=self.request.version,
        )

    def written(self, result: object) -> None:
        if isinstance(result, grants.GrantView):
            self.app.notify(
                _("{name} may read the closed log until {date}.").format(
                    name=self.request.staff_name, date=date_text(result.until)
                ),
                markup=False,
            )
        super().written(result)


class RefuseGrantDialog(GrantDialog):
    """Refuse a request, with the reason the person who asked sees."""

    SUBMIT = N_("Refuse")
    BINDINGS = [
        Binding(
            "ctrl+s",
            "submit",
            N_("Refuse"),
            id="grants.refuse.save",
            priority=True,
            tooltip=N_("Refuse the request with the reason written."),
        ),
    ]

    def __init__(self, request: grant_requests.RequestView) -> None:
        super().__init__(
            Text.assemble(
                (_("Refuse the request"), "bold"),
                " — ",
                request.subject_name,
                f" ({request.national_number_masked})",
            )
        )
        self.request = request

    def fields(self) -> ComposeResult:
        yield Static(
            Text(
                _("{name} asks: {reason}").format(
                    name=self.request.staff_name, reason=self.request.reason
                )
            ),
            markup=False,
        )
        yield Label(_("Why is it refused? (required)"), classes="dialog-label", markup=False)
        yield Input(id="grant-refusal", max_length=2000)

    def read_form(self) -> str:
        return self.query_one("#grant-refusal", Input).value

    def write(self, store: Store, staff: StaffRef, values: str) -> object:
        return grants.refuse(
            store, staff, self.request.id, reason=values, version=self.request.version
        )


class ReadGrantsScreen(RelayScreen):
    """The administrators' list of requests to read a closed log."""

    AUTO_FOCUS = "#grants-table"
    BINDINGS = [
        Binding(
            "g",
            "give",
            N_("Grant"),
            id="grants.give",
            tooltip=N_("Let the person who asked read the closed log until a day."),
        ),
        Binding(
            "enter",
            "give",
            N_("Grant"),
            id="grants.give.enter",
            show=False,
            tooltip=N_("Let the person who asked read the closed log until a day."),
        ),
        Binding(
            "f",
            "refuse",
            N_("Refuse"),
            id="grants.refuse",
            tooltip=N_("Refuse the request, with the reason."),
        ),
        Binding(
            "a",
            "toggle_answered",
            N_("Answered too"),
            id="grants.answered",
            tooltip=N_("Show the answered requests too, or only those that wait."),
        ),
        Binding(
            "r",
            "refresh",
            N_("Refresh"),
            id="grants.refresh",
            tooltip=N_("Load the requests again."),
        ),
        Binding("escape", "back", N_("Back"), id="grants.back", tooltip=N_("Close this screen.")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[grant_requests.RequestView] = []
        self.answered = False
        self.tz = "UTC"

    def compose(self) -> ComposeResult:
        yield Static(
            Text(_("Requests to read closed logs"), style="bold"), id="grants-title", markup=False
        )
        yield Static("", id="grants-count", markup=False)
        yield DataTable(id="grants-table", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(
            _("Asked"), _("Child"), _("Closed"), _("Asked by"), _("Reason"), _("Status")
        )
        self.load()

    def load(self) -> None:
        self.query_one(DataTable).loading = True
        self._load(self.store, self.staff, self.answered)

    @work(thread=True, exclusive=True, exit_on_error=False, group="grants")
    def _load(self, store: Store, staff: StaffRef, answered: bool) -> None:
        tz = installation.read(store).timezone
        views = grant_requests.list_requests(store, staff, include_answered=answered)
        self.app.call_from_thread(self._show, views, tz)

    def _show(self, views: list[grant_requests.RequestView], tz: str) -> None:
        self.requests, self.tz = views, tz
        table = self.query_one(DataTable)
        table.loading = False
        table.clear()
        for v in views:
            who = f"{v.staff_name}, {v.unit_name}" if v.unit_name else v.staff_name
            status = grants.status_label(v.status) + (f": {v.answer}" if v.answer else "")
            table.add_row(
                Text(local_date_time(v.requested_at, tz)),
                Text(f"{v.subject_name} {v.national_number_masked}"),
                Text(local_date(v.closed_at, tz)),
                Text(who),
                Text(" ".join(v.reason.split())),
                Text(status),
                key=str(v.id),
            )
        waiting = sum(1 for v in views if v.status == "pending")
        self.query_one("#grants-count", Static).update(
            Text(
                _("{count} waiting for an answer.").format(count=waiting)
                if waiting
                else _("No request waits for an answer.")
            )
        )
        self.refresh_bindings()

    def worker_failed(self, worker: Any, message: str) -> None:
        self.query_one(DataTable).loading = False
        super().worker_failed(worker, message)

    def chosen(self) -> grant_requests.RequestView | None:
        table = self.query_one(DataTable)
        if (
            not self.requests
            or table.cursor_row is None
            or not 0 <= table.cursor_row < len(self.requests)
        ):
            return None
        return self.requests[table.cursor_row]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("give", "refuse"):
            chosen = self.chosen()
            return chosen is not None and chosen.status == "pending"
        return True

    def action_give(self) -> None:
        chosen = self.chosen()
        if chosen is not None and chosen.status == "pending":
            self.app.push_screen(GiveGrantDialog(chosen), callback=self._answered)

    def action_refuse(self) -> None:
        chosen = self.chosen()
        if chosen is not None and chosen.status == "pending":
            self.app.push_screen(RefuseGrantDialog(chosen), callback=self._answered)

    def _answered(self, changed: bool | None) -> None:
        if changed:
            self.load()

    def action_toggle_answered(self) -> None:
        self.answered = not self.answered
        self.load()

    def action_refresh(self) -> None:
        self.load()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    @on(DataTable.RowHighlighted)
    def _moved(self) -> None:
        self.refresh_bindings()

    @on(DataTable.RowSelected)
    def _selected(self) -> None:
        self.action_give()


class ClosedLogsScreen(RelayScreen):
    """The closed logs the person held or read: open one with a grant, or ask for one."""

    AUTO_FOCUS = "#closed-table"
    BINDINGS = [
        Binding(
            "enter",
            "open",
            N_("Open or ask"),
            id="closed.open",
            tooltip=N_("Open the log if you have a permission; otherwise ask for one."),
        ),
        Binding(
            "g",
            "ask",
            N_("Ask to read"),
            id="closed.ask",
            tooltip=N_("Ask an administrator for a permission to read the closed log."),
        ),
        Binding("escape", "back", N_("Back"), id="closed.back", tooltip=N_("Close this screen.")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.logs: list[grants.ClosedLogView] = []

    def compose(self) -> ComposeResult:
        yield Static(Text(_("Closed logs you held or read"), style="bold"), markup=False)
        yield Static("", id="closed-count", markup=False)
        yield DataTable(id="closed-table", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(_("Child"), _("Closed"), _("Permission"))
        self.load()

    def load(self) -> None:
        self.query_one(DataTable).loading = True
        self._load(self.store, self.staff)

    @work(thread=True, exclusive=True, exit_on_error=False, group="closed")
    def _load(self, store: Store, staff: StaffRef) -> None:
        tz = installation.read(store).timezone
        views = grants.my_closed_logs(store, staff)
        self.app.call_from_thread(self._show, views, tz)

    def _show(self, views: list[grants.ClosedLogView], tz: str) -> None:
        self.logs = views
        table = self.query_one(DataTable)
        table.loading = False
        table.clear()
        for v in views:
            if v.grant_until is not None:
                state = _("until {date}").format(date=date_text(v.grant_until))
            elif v.pending_request_id is not None:
                state = _("asked, waiting")
            elif v.last_status == "refused":
                state = _("refused: {reason}").format(reason=v.last_answer or "")
            else:
                state = "-"
            table.add_row(
                Text(f"{v.subject_name} {v.national_number_masked}"),
                Text(local_date(v.closed_at, tz)),
                Text(state),
                key=str(v.log_id),
            )
        self.query_one("#closed-count", Static).update(
            Text(_("No closed log you held or read.") if not views else "")
        )

    def worker_failed(self, worker: Any, message: str) -> None:
        self.query_one(DataTable).loading = False
        super().worker_failed(worker, message)

    def chosen(self) -> grants.ClosedLogView | None:
        table = self.query_one(DataTable)
        if not self.logs or not 0 <= table.cursor_row < len(self.logs):
            return None
        return self.logs[table.cursor_row]

    def action_open(self) -> None:
        chosen = self.chosen()
        if chosen is None:
            return
        if chosen.grant_until is not None:
            self.post_message(OpenLog(chosen.log_id))
        else:
            self.action_ask()

    def action_ask(self) -> None:
        chosen = self.chosen()
        if chosen is None:
            return
        about = Text(f"{chosen.subject_name} ({chosen.national_number_masked})")
        self.app.push_screen(
            RequestReadDialog(chosen.log_id, about),
            callback=lambda asked: self.load() if asked else None,
        )

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    @on(DataTable.RowSelected)
    def _selected(self) -> None:
        self.action_open()
