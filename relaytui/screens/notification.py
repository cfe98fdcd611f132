"""A notification to the family department or child welfare (R11), with its reason written down."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, RadioSet, Static, TextArea

from relaytui.i18n import N_, _
from relaytui.i18n.formats import local_date_time
from relaytui.services import installation, logs, meetings, notifications
from relaytui.ui.dialogs import LogDialog
from relaytui.widgets.footer import KeyFooter
from relaytui.widgets.levels import level_in_sentence
from relaytui.widgets.toggles import MarkedRadioButton

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef

#: The exceptions that allow a notification without a notification meeting in ``dk`` (R11).
EXCEPTION_LABELS = {
    "abuse": N_("suspicion of sexual abuse"),
    "violence": N_("suspicion of violence"),
    "acute": N_("an acute situation"),
    "conflict": N_("guardians who will not agree to a meeting"),
}


@dataclass(frozen=True)
class Notice:
    """The notification form, read: why, to whom, and through which meeting or exception."""

    reason: str
    recipient: str
    meeting_id: int | None
    exception: str | None


class NotificationDialog(LogDialog):
    """Record a notification (R11).

    ``dk``: at level 3 the normal path is a notification meeting with the family department;
    without one, the notification names its exception (suspicion of sexual abuse or violence,
    an acute situation, guardians who will not agree to a meeting). ``no``: a notification to
    child welfare is its own act at any level. The log continues afterwards.
    """

    AUTO_FOCUS = None
    BINDINGS = [
        Binding(
            "ctrl+s",
            "submit",
            N_("Notify"),
            id="notification.save",
            priority=True,
            tooltip=N_("Record the notification."),
        ),
    ]

    def __init__(self, detail: logs.LogDetail) -> None:
        super().__init__(detail)
        #: The choices of the "how" list, in order: ("meeting", id) or ("exception", key).
        self.paths: list[tuple[str, int | str]] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="notify-dialog", classes="dialog-box"):
            with Vertical(classes="dialog-head"):
                yield Static(
                    self.title_text(_("Notification")), classes="dialog-title", markup=False
                )
            with VerticalScroll(classes="dialog-body"):
                yield Static("", id="notify-explanation", markup=False)
                with Vertical(id="notify-how-box"):
                    yield Label(
                        _("How is the notification made?"), classes="dialog-label", markup=False
                    )
                yield Label(
                    _("What is the notification about? (required)"),
                    classes="dialog-label",
                    markup=False,
                )
                yield TextArea(id="notify-reason", classes="dialog-text")
                yield Label(_("Recipient"), classes="dialog-label", markup=False)
                yield Input(id="notify-recipient", max_length=200)
                yield Static(
                    _("The relay log continues after the notification."),
                    id="notify-continues",
                    markup=False,
                )
            with Vertical(classes="dialog-foot"):
                yield Static("", classes="dialog-error", markup=False)
                with Horizontal(classes="dialog-buttons"):
                    yield Button(_("Notify"), variant="primary", classes="dialog-submit")
                    yield Button(_("Cancel"), classes="dialog-cancel")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#notify-how-box").display = False
        super().on_mount()

    def load_extra(self, store: Store, staff: StaffRef) -> list[meetings.MeetingView]:
        """The log's notification meetings that can still carry a notification."""
        return [
            m
            for m in meetings.list_meetings(store, staff, self.detail.id)
            if m.kind == "notification" and m.status != "cancelled"
        ]

    async def ready(self, inst: installation.Installation, extra: Any) -> None:
        level = self.detail.level
        explanation = self.query_one("#notify-explanation", Static)
        self.query_one("#notify-recipient", Input).value = _(inst.country.notification_recipient)
        if inst.country.notification_meeting_level is None:
            explanation.update(
                Text(_("A notification to child welfare is its own act, at any level of the log."))
            )
            self.query_one("#notify-reason", TextArea).focus()
            return
        usable = extra if level == 3 else []
        if level == 3 and usable:
            text = _(
                "At level 3 the normal path is the notification meeting with a social worker "
                "from the family department. Without a meeting, name the exception."
            )
        elif level == 3:
            text = _(
                "At level 3 the normal path is a notification meeting with a social worker "
                "from the family department, and this log has none: plan one under Meetings, "
                "or notify directly and name the exception."
            )
        else:
            text = _(
                "A notification meeting belongs to level 3. At a lower level, notify "
                "directly and name the exception."
            )
        explanation.update(
            Text.assemble(_("The log is at level"), " ", level_in_sentence(level), ". ", text)
        )
        self.paths = [("meeting", m.id) for m in usable]
        buttons = [
            MarkedRadioButton(self._meeting_label(m, inst.timezone), value=i == 0)
            for i, m in enumerate(usable)
        ]
        for key, label in EXCEPTION_LABELS.items():
            self.paths.append(("exception", key))
            buttons.append(
                MarkedRadioButton(
                    Text(_("Without a meeting: {exception}").format(exception=_(label)))
                )
            )
        box = self.query_one("#notify-how-box")
        await box.mount(RadioSet(*buttons, id="notify-how"))
        box.display = True
        self.query_one("#notify-how", RadioSet).focus()

    @staticmethod
    def _meeting_label(meeting: meetings.MeetingView, tz: str) -> Text:
        label = Text(
            _("Through the notification meeting on {when}").format(
                when=local_date_time(meeting.starts_at, tz)
            )
        )
        if meeting.place:
            label.append(", " + meeting.place)
        return label

    def read_form(self) -> Notice:
        assert self.inst is not None
        meeting_id: int | None = None
        exception: str | None = None
        if self.inst.country.notification_meeting_level is not None:
            index = self.query_one("#notify-how", RadioSet).pressed_index
            if index >= 0:
                kind, value = self.paths[index]
                if kind == "meeting":
                    meeting_id = int(value)
                else:
                    exception = str(value)
        reason = self.query_one("#notify-reason", TextArea).text
        recipient = self.query_one("#notify-recipient", Input).value
        return Notice(reason, recipient, meeting_id, exception)

    def write(
        self, store: Store, staff: StaffRef, values: Notice
    ) -> notifications.NotificationView:
        return notifications.notify(
            store,
            staff,
            self.detail.id,
            reason=values.reason,
            recipient=values.recipient,
            meeting_id=values.meeting_id,
            exception=values.exception,
        )
